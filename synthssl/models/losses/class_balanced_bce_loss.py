# Copyright (c) synthssl contributors.
"""HED's class-balanced sigmoid cross-entropy for instance contours (Ren & Lee §3.1)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from synthssl.registry import MODELS
from .utils import masked_image_mean


@MODELS.register_module()
class ClassBalancedBCELoss(nn.Module):
    r"""Class-balanced sigmoid cross-entropy of HED (Xie & Tu, ICCV 2015).

    .. math::
        L_e = -\beta \sum_{i \in E_+} \log \sigma(x_i)
              - (1 - \beta) \sum_{j \in E_-} \log (1 - \sigma(x_j)),
        \quad \beta = |E_-| / |E|

    with :math:`\beta` the fraction of non-edge pixels of each image, so the rare edge pixels
    weigh more. Sums are normalised by the number of valid pixels of the image (so the loss
    does not scale with resolution) and averaged over the batch.

    ``variant='released'`` reproduces the authors' code instead: plain BCE on every pixel,
    multiplied by one weight per image ``(n_pixels - n_edge) / n_edge`` (a per-image loss
    scale, not class balancing).

    Args:
        variant (str): ``'paper'`` (default) or ``'released'``.
        loss_weight (float): λ_e. Defaults to 1.0.
    """

    def __init__(self, variant: str = 'paper', loss_weight: float = 1.0) -> None:
        super().__init__()
        if variant not in ('paper', 'released'):
            raise ValueError(f"variant must be 'paper' or 'released', got {variant!r}")
        self.variant = variant
        self.loss_weight = loss_weight

    def forward(self,
                logits: torch.Tensor,
                target: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            logits (Tensor): (N, 1, H, W) or (N, H, W) edge logits.
            target (Tensor): same shape, edge probability in [0, 1] (1 = contour; soft
                targets count as edges where >= 0.5 for the class counts).
            valid (Tensor, optional): same shape, bool; False pixels (padding, unknown) are
                ignored.

        Returns:
            Tensor: scalar loss.
        """
        logits = logits.reshape(logits.shape[0], *logits.shape[-2:]).float()
        target = target.reshape_as(logits).to(logits.dtype)
        valid = torch.ones_like(target, dtype=torch.bool) if valid is None \
            else valid.reshape_as(logits).bool()
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction='none')
        vf = valid.to(logits.dtype)
        n_valid = vf.flatten(1).sum(1)
        n_edge = ((target >= 0.5).to(logits.dtype) * vf).flatten(1).sum(1)
        if self.variant == 'paper':
            beta = (1 - n_edge / n_valid.clamp(min=1)).view(-1, 1, 1)
            # Soft targets interpolate between the two class weights.
            weight = beta * target + (1 - beta) * (1 - target)
            loss = masked_image_mean(weight * bce, valid)
        else:
            w = ((n_valid - n_edge) / n_edge.clamp(min=1)).view(-1, 1, 1)
            loss = masked_image_mean(w * bce, valid)
        return self.loss_weight * loss
