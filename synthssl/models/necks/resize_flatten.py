# Copyright (c) synthssl contributors.
"""The linear-probe feature transform of Zhang et al.'s colorization "linear" tests."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from synthssl.registry import MODELS


@MODELS.register_module()
class ResizeFlattenNeck(BaseModule):
    """Bilinearly resize each feature map to a fixed grid, flatten, and normalise it with a
    BatchNorm without affine parameters (Zhang et al., ECCV 2016 linear probes, which
    Ren & Lee follow: conv1 -> 10x10, conv2 -> 6x6, conv3/conv4 -> 5x5, conv5 -> 6x6, about
    9k dimensions each).

    Args:
        in_channels (int | Sequence[int]): channels of each input map.
        size (int | Sequence[int]): output side per input (one value for all inputs).
        align_corners (bool): ``F.interpolate``'s flag; True reproduces Caffe's ``Interp``
            layer (corner pixels aligned). Defaults to True.
        with_bn (bool): apply ``BatchNorm1d(C * size**2, affine=False)``. Defaults to True.
        init_cfg (dict, optional): initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 size: Union[int, Sequence[int]],
                 align_corners: bool = True,
                 with_bn: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        chans = (in_channels, ) if isinstance(in_channels, int) else tuple(in_channels)
        sizes = (size, ) * len(chans) if isinstance(size, int) else tuple(size)
        if len(sizes) != len(chans) or min(sizes) < 1 or min(chans) < 1:
            raise ValueError(f'ResizeFlattenNeck: need one positive size per input, got '
                             f'in_channels={in_channels!r}, size={size!r}')
        self.in_channels, self.sizes = chans, sizes
        self.align_corners = align_corners
        self.out_channels = tuple(c * s * s for c, s in zip(chans, sizes))
        self.bns = nn.ModuleList(
            nn.BatchNorm1d(d, affine=False) if with_bn else nn.Identity()
            for d in self.out_channels)

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        """
        Args:
            inputs (Sequence[Tensor]): (N, C_i, H_i, W_i) per input, e.g. conv1 (N, 96, 55, 55).

        Returns:
            tuple[Tensor]: (N, C_i * size_i**2) per input, e.g. (N, 9600) for conv1.
        """
        if len(inputs) != len(self.sizes):
            raise ValueError(f'ResizeFlattenNeck: built for {len(self.sizes)} inputs, got '
                             f'{len(inputs)}')
        outs = []
        for x, c, s, bn in zip(inputs, self.in_channels, self.sizes, self.bns):
            if x.dim() != 4 or x.shape[1] != c:
                raise ValueError(f'ResizeFlattenNeck: expected (N, {c}, H, W), got '
                                 f'{tuple(x.shape)}')
            x = F.interpolate(x, size=(s, s), mode='bilinear',
                              align_corners=self.align_corners)
            outs.append(bn(x.flatten(1)))
        return tuple(outs)
