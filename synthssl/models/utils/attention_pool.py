# Copyright (c) synthssl contributors.
"""CSG's pooling of feature maps to vectors: A-pool, GAP, and the chunking of dense maps."""
from typing import Optional

import torch
import torch.nn.functional as F


def attention_pool(features: torch.Tensor,
                   attn_from: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""A-pool (Chen et al., ICLR 2021, §3.4): attention-weighted global pooling.

    .. math::
        a_{hw} = \frac{\sum_c v_{chw}\,\bar v_c}{\sum_{h'w'}\sum_c v_{ch'w'}\,\bar v_c},
        \quad \bar v = \mathrm{GAP}(v), \qquad
        \mathrm{out}_c = \sum_{hw} f_{chw}\, a_{hw}

    where ``v = attn_from`` (the features themselves for the query; the student's features of
    the key image for the teacher's key features). A sample whose attention sums to 0
    (all-zero ``attn_from``) gets uniform weights, i.e. GAP.

    Args:
        features (Tensor): (N, C, H, W) features to pool.
        attn_from (Tensor, optional): (N, C, H, W) non-negative (post-ReLU) features the
            attention is computed from. Defaults to ``features``.

    Returns:
        Tensor: (N, C) pooled features.
    """
    if attn_from is None:
        attn_from = features
    if features.shape != attn_from.shape or features.dim() != 4:
        raise ValueError('attention_pool: features and attn_from must be (N, C, H, W) of the '
                         f'same shape, got {tuple(features.shape)} and {tuple(attn_from.shape)}')
    if bool((attn_from < 0).any()):
        raise ValueError('attention_pool: the attention source has negative values; A-pool '
                         'needs non-negative (post-ReLU) features')
    n, c, h, w = features.shape
    gap = attn_from.mean(dim=(2, 3))  # (N, C)
    attn = torch.einsum('nchw,nc->nhw', attn_from, gap).reshape(n, h * w)
    total = attn.sum(dim=1, keepdim=True)
    uniform = torch.full_like(attn, 1.0 / (h * w))
    attn = torch.where(total > 0, attn / total.clamp_min(torch.finfo(attn.dtype).tiny), uniform)
    return torch.einsum('ncl,nl->nc', features.reshape(n, c, h * w), attn)


def global_avg_pool(features: torch.Tensor,
                    attn_from: Optional[torch.Tensor] = None) -> torch.Tensor:
    """(N, C, H, W) -> (N, C) plain global average pooling (``attn_from`` is ignored)."""
    return F.adaptive_avg_pool2d(features, 1).flatten(1)


def chunk_feature(features: torch.Tensor, chunks: int) -> torch.Tensor:
    """Split a feature map into ``chunks x chunks`` tiles stacked on the batch dimension.

    (The released code's ``torch.chunk`` would give unequal tiles there and fail.)
    The order is the released code's: tile-major in row-major tile order, then batch, i.e.
    output sample ``(i * chunks + j) * N + n`` is tile ``(i, j)`` of sample ``n``.

    Args:
        features (Tensor): (N, C, H, W) with H and W divisible by ``chunks``.
        chunks (int): tiles per side; 1 returns ``features``.

    Returns:
        Tensor: (N * chunks**2, C, H / chunks, W / chunks).
    """
    if chunks == 1:
        return features
    n, c, h, w = features.shape
    if chunks < 1 or h % chunks or w % chunks:
        raise ValueError(f'chunk_feature: a {h}x{w} feature map cannot be split into '
                         f'{chunks}x{chunks} equal tiles (use a crop size whose feature map '
                         f'is divisible by {chunks})')
    th, tw = h // chunks, w // chunks
    tiles = features.reshape(n, c, chunks, th, chunks, tw).permute(2, 4, 0, 1, 3, 5)
    return tiles.reshape(chunks * chunks * n, c, th, tw)
