# Copyright (c) synthssl contributors.
"""A "no normalisation" layer for mmcv's ``norm_cfg`` (AT/DT §6.3: task networks without BN)."""
import torch
import torch.nn as nn

from synthssl.registry import MODELS


@MODELS.register_module()
class IdentityNorm(nn.Module):
    """Identity in place of a norm layer: ``norm_cfg=dict(type='synthssl.IdentityNorm')`` turns
    normalisation off in any module that builds its norms with mmcv's ``build_norm_layer``
    (mmseg ``ResNet``, ``ConvModule``, so also :class:`~synthssl.models.ATDTDecoderHead`).

    mmcv/mmseg drop a conv layer's bias whenever ``norm_cfg`` is set (``ConvModule``'s
    ``bias='auto'``; mmseg's ResNet convs never have one), because BN's shift replaces it. So
    ``bias=True`` gives the layer a learnable per-channel offset (zero-initialised), which
    makes "conv + IdentityNorm(bias=True)" a plain conv with bias, as a network without BN
    has (the AT/DT code with ``normalizer_fn=None``). ``bias=False`` is an exact identity.

    Built as ``IdentityNorm(num_features, **cfg)`` by ``build_norm_layer`` (which also passes
    ``eps``); other BN arguments (``eps``, ``momentum``, ``affine``, ...) are accepted and
    ignored. Named ``nonorm<postfix>`` (``_abbr_``; mmcv's fallback ``norm`` would clash with
    the ``norm1``/``norm`` properties of mmseg's residual blocks and ``ConvModule``).

    Args:
        num_features (int): C of the (N, C, ...) input.
        bias (bool): add a learnable per-channel offset. Defaults to False.
    """
    _abbr_ = 'nonorm'

    def __init__(self, num_features: int, bias: bool = False, **kwargs) -> None:
        super().__init__()
        self.num_features = int(num_features)
        if bias:
            self.bias = nn.Parameter(torch.zeros(self.num_features))
        else:
            self.register_parameter('bias', None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, ...) -> (N, C, ...): ``x`` (+ bias over C)."""
        if self.bias is None:
            return x
        if x.dim() < 2 or x.shape[1] != self.num_features:
            raise ValueError(f'IdentityNorm: expected (N, {self.num_features}, ...) input, got '
                             f'{tuple(x.shape)}')
        return x + self.bias.view(1, -1, *([1] * (x.dim() - 2)))

    def extra_repr(self) -> str:
        return f'{self.num_features}, bias={self.bias is not None}'
