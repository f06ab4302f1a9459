# Copyright (c) synthssl contributors.
"""The conv-feature patch discriminator of Ren & Lee (appendix table, D1-D3)."""
from typing import Dict, Optional, Union, List

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule

from synthssl.registry import MODELS


@MODELS.register_module()
class PatchDiscriminator(BaseModule):
    """Patch discriminator on a backbone feature map (pix2pix style).

    For the paper's default input, conv5 of :class:`SynthAlexNet` (N, 256, 13, 13)::

        D1  conv 3x3 stride 2, 256 -> 512, BN, LeakyReLU(0.2)   -> (N, 512, 6, 6)
        D2  conv 1x1,          512 -> 512, BN, LeakyReLU(0.2)   -> (N, 512, 6, 6)
        D3  conv 1x1,          512 -> 1                         -> (N, 1, 6, 6) logits

    One real/synthetic logit per 6x6 patch. The sigmoid of the paper is left to the loss
    (``binary_cross_entropy_with_logits``, numerically stable). Other input layers (the
    paper's Table 3 ablation) get as many stride-2 3x3 D1 convolutions as needed to reach a
    similar patch grid: conv1 (96 ch, 55x55) three, conv2 (256 ch, 27x27) two, conv3/conv4
    (384 ch) / conv5 (256 ch) / fc6 / fc7 (4096 ch, 13x13) one.

    The VGG16 network's discriminator (appendix table "VGG16") on conv5_3 of
    :class:`SynthVGG16` (N, 512, 14, 14) is
    ``PatchDiscriminator(in_layer='conv5_3', kernel_size=4, mid_channels=1024)``::

        D1  conv 4x4 stride 2, 512 -> 1024, BN, LeakyReLU(0.2)  -> (N, 1024, 6, 6)
        D2  conv 1x1,         1024 -> 1024, BN, LeakyReLU(0.2)  -> (N, 1024, 6, 6)
        D3  conv 1x1,         1024 -> 1                         -> (N, 1, 6, 6) logits

    (the table prints C=1024 for D3 too; a patch discriminator's last layer has one
    output, "whose final output is a 6x6 feature map"). VGG16 stages conv1_2 ... conv4_3
    get 5 ... 2 stride-2 D1 convolutions.

    Args:
        in_layer (str): backbone stage it looks at, sets the defaults below.
            Defaults to ``'conv5'``.
        in_channels (int, optional): override the input channels.
        num_strided (int, optional): override the number of stride-2 D1 convolutions.
        kernel_size (int): kernel of the stride-2 D1 convolutions (no padding).
            Defaults to 3 (the AlexNet table; the VGG16 table: 4).
        mid_channels (int): width of D1/D2. Defaults to 512 (the VGG16 table: 1024).
        norm_cfg (dict): normalisation after D1/D2. Defaults to BN.
        init_cfg: initialisation; defaults to the authors' xavier_normal(gain=0.02) and
            BN weights ~ N(1, 0.02).
    """

    #: in_layer: (in_channels, num_strided)
    layer_table = {
        'conv1': (96, 3), 'conv2': (256, 2), 'conv3': (384, 1), 'conv4': (384, 1),
        'conv5': (256, 1), 'fc6': (4096, 1), 'fc7': (4096, 1),
        # SynthVGG16 (224x224: 224, 112, 56, 28, 14)
        'conv1_2': (64, 5), 'conv2_2': (128, 4), 'conv3_3': (256, 3), 'conv4_3': (512, 2),
        'conv5_1': (512, 1), 'conv5_2': (512, 1), 'conv5_3': (512, 1),
    }

    def __init__(self,
                 in_layer: str = 'conv5',
                 in_channels: Optional[int] = None,
                 num_strided: Optional[int] = None,
                 kernel_size: int = 3,
                 mid_channels: int = 512,
                 norm_cfg: Dict = dict(type='BN'),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = [
                     dict(type='Xavier', layer='Conv2d', distribution='normal', gain=0.02,
                          bias=0.),
                     dict(type='Normal', layer=['_BatchNorm'], mean=1., std=0.02, bias=0.)
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_layer not in self.layer_table:
            raise ValueError(f'PatchDiscriminator: unknown in_layer {in_layer!r}; expected '
                             f'one of {tuple(self.layer_table)}')
        default_c, default_n = self.layer_table[in_layer]
        self.in_layer = in_layer
        in_channels = default_c if in_channels is None else in_channels
        num_strided = default_n if num_strided is None else num_strided
        if num_strided < 1:
            raise ValueError('PatchDiscriminator: num_strided must be >= 1')
        layers = []
        c = in_channels
        for i in range(num_strided):  # D1 (repeated for early layers)
            layers += [nn.Conv2d(c, mid_channels, kernel_size, stride=2),
                       build_norm_layer(norm_cfg, mid_channels)[1],
                       nn.LeakyReLU(0.2, inplace=True)]
            c = mid_channels
        layers += [nn.Conv2d(c, mid_channels, 1),  # D2
                   build_norm_layer(norm_cfg, mid_channels)[1],
                   nn.LeakyReLU(0.2, inplace=True),
                   nn.Conv2d(mid_channels, 1, 1)]  # D3
        self.layers = nn.Sequential(*layers)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        """
        Args:
            feat (Tensor): (N, C, H, W) backbone features, e.g. (N, 256, 13, 13).

        Returns:
            Tensor: (N, 1, h, w) patch logits, (N, 1, 6, 6) for conv5 at 227x227 (and for
            conv5_3 at 224x224 with the VGG16 settings).
        """
        return self.layers(feat)
