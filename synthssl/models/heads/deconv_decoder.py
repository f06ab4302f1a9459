# Copyright (c) synthssl contributors.
"""One task head of Ren & Lee: Deconv8-10 + output deconvolution (appendix table)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from synthssl.registry import MODELS
from ..utils.gemm_conv_transpose import GemmConvTranspose2d


@MODELS.register_module()
class DeconvDecoder(BaseModule):
    """Transposed-convolution decoder from the fc7 map back to the input resolution.

    For a 227x227 input (fc7: N x 4096 x 13 x 13)::

        Deconv8   4096 -> 64, 3x3 stride 2, BN, ReLU   -> 27x27
        Deconv9     64 -> 64, 3x3 stride 2, BN, ReLU   -> 55x55
        Deconv10    64 -> 64, 5x5 stride 2, BN, ReLU   -> 113x113
        Output      64 -> C,  3x3 stride 2             -> 227x227

    The deconvolutions are :class:`GemmConvTranspose2d` (``nn.ConvTranspose2d`` that avoids
    oneDNN's slow bf16 transposed convolution under CPU autocast).

    (The table prints 112 for Deconv10; a 5x5 stride-2 deconvolution of 55 gives 113, as in
    the authors' code.) An n x n input gives 16n + 19 outputs, which is the input size for
    every input that maps to an integral fc7 grid (99 -> 5 -> 99, 227 -> 13 -> 227). If the
    requested ``out_size`` differs (other input sizes), the output is resized bilinearly to
    it.

    Args:
        in_channels (int): input channels (fc7: 4096).
        out_channels (int): 3 for normals, 1 for depth or contours.
        mid_channels (int): width of Deconv8-10. Defaults to 64.
        kernel_sizes (Sequence[int]): kernels of Deconv8-10 and the output layer.
            Defaults to (3, 3, 5, 3).
        norm_cfg (dict): normalisation after Deconv8-10. Defaults to BN.
        init_cfg: defaults to the authors' xavier_normal(gain=0.02), BN ~ N(1, 0.02).
    """

    def __init__(self,
                 in_channels: int = 4096,
                 out_channels: int = 1,
                 mid_channels: int = 64,
                 kernel_sizes: Sequence[int] = (3, 3, 5, 3),
                 norm_cfg: Dict = dict(type='BN'),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = [
                     dict(type='Xavier', layer='ConvTranspose2d', distribution='normal',
                          gain=0.02, bias=0.),
                     dict(type='Normal', layer=['_BatchNorm'], mean=1., std=0.02, bias=0.)
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(kernel_sizes) < 2:
            raise ValueError('DeconvDecoder: need at least one hidden and one output layer')
        layers = []
        c = in_channels
        for k in kernel_sizes[:-1]:
            layers += [GemmConvTranspose2d(c, mid_channels, k, stride=2),
                       build_norm_layer(norm_cfg, mid_channels)[1],
                       nn.ReLU(inplace=True)]
            c = mid_channels
        layers.append(GemmConvTranspose2d(c, out_channels, kernel_sizes[-1], stride=2))
        self.layers = nn.Sequential(*layers)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor, out_size: Optional[Sequence[int]] = None) -> torch.Tensor:
        """
        Args:
            x (Tensor): (N, in_channels, h, w), e.g. fc7 (N, 4096, 13, 13).
            out_size (Sequence[int], optional): (H, W) of the targets; defaults to the
                natural output size.

        Returns:
            Tensor: (N, out_channels, H, W), e.g. (N, 3, 227, 227).
        """
        out = self.layers(x)
        if out_size is not None and tuple(out.shape[-2:]) != tuple(out_size):
            out = F.interpolate(out, size=tuple(out_size), mode='bilinear',
                                align_corners=False)
        return out
