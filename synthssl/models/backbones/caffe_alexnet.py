# Copyright (c) synthssl contributors.
"""The standard (CaffeNet-style, group-less, no LRN) AlexNet that transfer experiments use."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from synthssl.registry import MODELS
from .base_stage_backbone import StageBackbone


@MODELS.register_module()
class CaffeAlexNet(StageBackbone):
    """AlexNet without BN, groups or LRN, pool5 with stride 2 and fully connected fc6/fc7:
    the network a :class:`SynthAlexNet` converts into exactly (BN folded into the convs,
    conv-fc6 reshaped into a 9216 -> 4096 linear layer; ``tools/model_converters``).

    Layers (227x227 input): conv1 96x55x55 (11, stride 4) -> pool1 3/2 -> conv2 256x27x27
    (5, pad 2) -> pool2 3/2 -> conv3 384x13x13 -> conv4 384x13x13 -> conv5 256x13x13 (3, pad 1)
    -> pool5 3/2 (256x6x6 = 9216) -> fc6 4096 -> fc7 4096, ReLU after each, dropout after
    fc6/fc7 while training. Parameter names: ``conv{1..5}.{weight,bias}``,
    ``fc{6,7}.{weight,bias}``.

    Args:
        out_indices (Sequence[int | str]): stages to return, 0..6 or names ``'conv1'`` ..
            ``'fc7'``; conv outputs are taken after ReLU, before pooling (conv5: stride 16,
            for RoI pooling); fc outputs are (N, 4096). Defaults to ``('fc7', )``.
        frozen_stages (int): stages ``0 .. k-1`` get no gradients (and eval mode, which
            changes nothing here: the stages hold no BN or dropout). Defaults to -1.
        dropout (float): dropout after fc6 and fc7. Defaults to 0.5.
        init_cfg: defaults to Kaiming for convs and N(0, 0.005) for fc layers.
    """

    stage_names = ('conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7')
    stage_channels = (96, 256, 384, 384, 256, 4096, 4096)
    pool_names = {'conv1': 'pool1', 'conv2': 'pool2', 'conv5': 'pool5'}

    def __init__(self,
                 out_indices: Sequence[Union[int, str]] = ('fc7', ),
                 frozen_stages: int = -1,
                 dropout: float = 0.5,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = [
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Normal', layer='Linear', std=0.005, bias=0.1)
                 ]) -> None:
        super().__init__(out_indices, frozen_stages=frozen_stages, init_cfg=init_cfg)
        self.conv1 = nn.Conv2d(3, 96, 11, stride=4)
        self.conv2 = nn.Conv2d(96, 256, 5, padding=2)
        self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, 3, padding=1)
        self.conv5 = nn.Conv2d(384, 256, 3, padding=1)
        self.fc6 = nn.Linear(256 * 6 * 6, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        for name in self.pool_names.values():
            self.add_module(name, nn.MaxPool2d(3, stride=2))
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)
        self._freeze_stages()

    def forward_stage(self, name: str,
                      x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """conv -> ReLU, or (flattening a 6x6 pool5 for fc6) fc -> ReLU -> dropout; only the
        post-activation output is used (the in-place ReLU overwrites the other)."""
        if name == 'fc6':
            if x.shape[-2:] != (6, 6):
                raise ValueError(f'CaffeAlexNet: fc6 needs a 6x6 pool5 (227x227 '
                                 f'input), got {tuple(x.shape[-2:])}')
            x = x.flatten(1)
        pre = getattr(self, name)(x)
        post = self.relu(pre)
        return pre, (self.dropout(post) if name.startswith('fc') else post)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """
        Args:
            x (Tensor): (N, 3, H, W); fc6/fc7 need 227x227 (pool5 6x6).

        Returns:
            tuple[Tensor]: per out index, e.g. conv5 (N, 256, 13, 13), fc7 (N, 4096).
        """
        return super().forward(x)
