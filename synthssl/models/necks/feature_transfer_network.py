# Copyright (c) synthssl contributors.
"""AT/DT's task-transfer network G_{1→2} (``core/models.py::transfer_network``)."""
from typing import Dict, Optional

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from synthssl.registry import MODELS
from ..heads.atdt_decoder_head import UpConv


@MODELS.register_module()
class FeatureTransferNetwork(BaseModule):
    """Hourglass mapping task-1 encoder features to task-2 encoder features.

    (N, in_channels, h, w) -> (N, out_channels, h, w), released layout (``channels=2048``,
    ≈ 226 M parameters at 2048 in/out)::

        conv 3x3 stride 2 (channels)           -> h/2
        conv 3x3 stride 2 (channels)           -> h/4   ("1/4 of the input resolution")
        upconv (nearest ×2 + conv 3x3)         -> h/2
        conv 3x3                               -> h/2
        upconv                                 -> h
        conv 3x3 (out_channels)                -> h

    Every layer has ``act_cfg`` (ELU, also the last one: ``last_act=True``) and no
    normalisation (``norm_cfg=None``); the authors' function accepted a normaliser but
    ignored it. The upsampling returns exactly to the sizes of the downsampling path, so
    odd feature sizes are fine.

    Args:
        in_channels (int): channels of E1's feature. Defaults to 2048.
        out_channels (int): channels of E2's feature. Defaults to 2048.
        channels (int): hidden width. Defaults to 2048 (as released).
        norm_cfg (dict, optional): e.g. ``dict(type='BN')`` for the "BN in G" variant.
            Defaults to None (released).
        act_cfg (dict): Defaults to ELU.
        last_act (bool): activation on the output layer. Defaults to True (released).
        upsample_mode (str): 'nearest' (released) or 'bilinear'.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 out_channels: int = 2048,
                 channels: int = 2048,
                 norm_cfg: Optional[Dict] = None,
                 act_cfg: Dict = dict(type='ELU'),
                 last_act: bool = True,
                 upsample_mode: str = 'nearest',
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels, self.channels = in_channels, out_channels, channels

        def conv(cin, cout, stride=1, act=act_cfg, norm=norm_cfg):
            return ConvModule(cin, cout, 3, stride=stride, padding=1, norm_cfg=norm,
                              act_cfg=act)

        self.down1 = conv(in_channels, channels, stride=2)
        self.down2 = conv(channels, channels, stride=2)
        self.up1 = UpConv(channels, channels, norm_cfg, act_cfg, upsample_mode)
        self.conv1 = conv(channels, channels)
        self.up2 = UpConv(channels, channels, norm_cfg, act_cfg, upsample_mode)
        self.out = conv(channels, out_channels, act=act_cfg if last_act else None,
                        norm=norm_cfg if last_act else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_channels, h, w) -> (N, out_channels, h, w)."""
        size0 = x.shape[-2:]
        x1 = self.down1(x)
        x2 = self.down2(x1)
        y = self.conv1(self.up1(x2, x1.shape[-2:]))
        return self.out(self.up2(y, size0))
