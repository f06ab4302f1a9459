# Copyright (c) synthssl contributors.
"""One task head of Ren & Lee's VGG16 network: Deconv1-4 with skip connections + output."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from synthssl.registry import MODELS


@MODELS.register_module()
class SkipDeconvDecoder(BaseModule):
    """Transposed-convolution decoder with encoder skips (pix2pix U-Net style).

    For a 224x224 input of :class:`SynthVGG16` (default arguments, ``merge='concat'``)::

        input   conv5_3                                     (N, 512, 14, 14)
        Deconv1  512       -> 512, 4x4 s2, BN, ReLU          -> (N, 512, 28, 28)
        Deconv2  512 + 512 -> 256, 4x4 s2, BN, ReLU          -> (N, 256, 56, 56)   (conv4_3 ->)
        Deconv3  256 + 256 -> 128, 4x4 s2, BN, ReLU          -> (N, 128, 112, 112) (conv3_3 ->)
        Deconv4  128 + 128 ->  64, 4x4 s2, BN, ReLU          -> (N, 64, 224, 224)  (conv2_2 ->)
        Output    64       ->   C, 3x3 s1                    -> (N, C, 224, 224)

    ``(a -> b)`` is the paper's skip from the output of a to the *input* of b: conv4_3,
    conv3_3 and conv2_2 (post-ReLU) are concatenated (``merge='concat'``) or added
    (``merge='sum'``; the table's widths match the skips' so both work) to the upsampled
    map. Reading of the paper's table (its S column, 14/28/56/112/224 for Deconv1-4 and
    Output, is each layer's *input* size: only then do the named skips fit, conv4_3 at 28
    into Deconv2, etc.):

    * the deconvolutions use padding 1 (k4 s2 p1 exactly doubles, as pix2pix's decoder);
      the table's P=0 gives 2n+2, i.e. the same map with a 1-pixel border FCN would crop;
    * the output layer keeps the 224 resolution (3x3, stride 1; the table's "4, stride 2"
      would give 450x450 from Deconv4's 224).

    If an upsampled map and its skip differ in size (inputs that are not multiples of
    16), the map is resized bilinearly to the skip; the output is resized to ``out_size``
    when given.

    Args:
        in_channels (int): channels of the deepest input (conv5_3: 512).
        out_channels (int): 3 for normals, 1 for depth or contours.
        skip_channels (Sequence[int]): channels of the skips, in decoding order
            (conv4_3, conv3_3, conv2_2). Defaults to (512, 256, 128).
        channels (Sequence[int]): widths of Deconv1..Deconv4 (one more than skips).
            Defaults to (512, 256, 128, 64).
        kernel_size (int): kernel of Deconv1-4 (stride 2, padding kernel_size // 2 - 1).
            Defaults to 4.
        out_kernel_size (int): kernel of the stride-1 output layer (odd). Defaults to 3.
        merge (str): 'concat' or 'sum'. Defaults to 'concat'.
        norm_cfg (dict): normalisation after Deconv1-4. Defaults to BN.
        init_cfg: defaults to the authors' xavier_normal(gain=0.02), BN ~ N(1, 0.02).
    """

    def __init__(self,
                 in_channels: int = 512,
                 out_channels: int = 1,
                 skip_channels: Sequence[int] = (512, 256, 128),
                 channels: Sequence[int] = (512, 256, 128, 64),
                 kernel_size: int = 4,
                 out_kernel_size: int = 3,
                 merge: str = 'concat',
                 norm_cfg: Dict = dict(type='BN'),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = [
                     dict(type='Xavier', layer=['ConvTranspose2d', 'Conv2d'],
                          distribution='normal', gain=0.02, bias=0.),
                     dict(type='Normal', layer=['_BatchNorm'], mean=1., std=0.02, bias=0.)
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        skip_channels, channels = tuple(skip_channels), tuple(channels)
        if len(channels) != len(skip_channels) + 1:
            raise ValueError(f'SkipDeconvDecoder: {len(channels)} deconvolutions need '
                             f'{len(channels) - 1} skips, got skip_channels={skip_channels}')
        if merge not in ('concat', 'sum'):
            raise ValueError(f"SkipDeconvDecoder: merge must be 'concat' or 'sum', got {merge!r}")
        if kernel_size % 2 or kernel_size < 2:
            raise ValueError('SkipDeconvDecoder: kernel_size must be even (k, stride 2, '
                             f'padding k/2-1 doubles the size), got {kernel_size}')
        if out_kernel_size % 2 == 0:
            raise ValueError(f'SkipDeconvDecoder: out_kernel_size must be odd, got '
                             f'{out_kernel_size}')
        for prev, skip in zip(channels, skip_channels):
            if merge == 'sum' and prev != skip:
                raise ValueError(f"SkipDeconvDecoder: merge='sum' needs equal widths, a "
                                 f'deconvolution of {prev} channels meets a skip of {skip}')
        self.merge = merge
        self.skip_channels = skip_channels
        self.deconvs = nn.ModuleList()
        c = in_channels
        for i, width in enumerate(channels):
            if i > 0 and merge == 'concat':
                c += skip_channels[i - 1]
            self.deconvs.append(nn.Sequential(
                nn.ConvTranspose2d(c, width, kernel_size, stride=2,
                                   padding=kernel_size // 2 - 1),
                build_norm_layer(norm_cfg, width)[1],
                nn.ReLU(inplace=True)))
            c = width
        self.out_conv = nn.ConvTranspose2d(c, out_channels, out_kernel_size, stride=1,
                                           padding=out_kernel_size // 2)
        self.out_channels = out_channels

    def forward(self, feats: Sequence[torch.Tensor],
                out_size: Optional[Sequence[int]] = None) -> torch.Tensor:
        """
        Args:
            feats (Sequence[Tensor]): the deepest map first, then the skips in decoding
                order, e.g. conv5_3 (N, 512, 14, 14), conv4_3 (N, 512, 28, 28), conv3_3
                (N, 256, 56, 56), conv2_2 (N, 128, 112, 112).
            out_size (Sequence[int], optional): (H, W) of the targets; defaults to the
                natural output size (16x the deepest map).

        Returns:
            Tensor: (N, out_channels, H, W), e.g. (N, 3, 224, 224).
        """
        if isinstance(feats, torch.Tensor) or len(feats) != len(self.skip_channels) + 1:
            got = 'a single tensor' if isinstance(feats, torch.Tensor) else f'{len(feats)} maps'
            raise ValueError(f'SkipDeconvDecoder: expected {len(self.skip_channels) + 1} '
                             f'feature maps (deepest first, then the skips), got {got}')
        x = feats[0]
        for i, deconv in enumerate(self.deconvs):
            if i > 0:
                skip = feats[i]
                if skip.shape[-2:] != x.shape[-2:]:
                    x = F.interpolate(x, size=skip.shape[-2:], mode='bilinear',
                                      align_corners=False)
                x = torch.cat([x, skip], dim=1) if self.merge == 'concat' else x + skip
            x = deconv(x)
        out = self.out_conv(x)
        if out_size is not None and tuple(out.shape[-2:]) != tuple(out_size):
            out = F.interpolate(out, size=tuple(out_size), mode='bilinear',
                                align_corners=False)
        return out
