# Copyright (c) synthssl contributors.
"""The VGG16 base network of Ren & Lee, CVPR 2018 (appendix, Table "VGG16")."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer

from synthssl.registry import MODELS
from .base_stage_backbone import AUTHORS_INIT, StageBackbone

#: torchvision's VGG initialisation, for the BN-free network (xavier with gain 0.02 would
#: shrink the signal ~50x per layer without BN)
TORCHVISION_INIT = [dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                         nonlinearity='relu', bias=0.)]


@MODELS.register_module()
class SynthVGG16(StageBackbone):
    """VGG16's convolutional part, conv1_1 .. conv5_3, with per-layer outputs.

    The layers of the appendix table of Ren & Lee (CVPR 2018) for a 224x224 input
    (S: output size, C: channels; every conv is 3x3, stride 1, padding 1; every pool 2x2,
    stride 2)::

        conv1_1, conv1_2   224  64     pool1  112      conv4_1 .. conv4_3   28  512
        conv2_1, conv2_2   112  128    pool2   56      pool4                14
        conv3_1 .. conv3_3  56  256    pool3   28      conv5_1 .. conv5_3   14  512

    "The conv1_1 to conv5_3 layers are identical to VGG16"; there is no pool5 and no
    fully connected layer (the heads decode conv5_3 with skips from conv4_3, conv3_3 and
    conv2_2, the discriminator looks at conv5_3). ``norm_cfg=None`` gives exactly
    torchvision's ``vgg16().features[:30]`` (14,714,688 parameters); with a norm config
    every conv is followed by that norm, as in the authors' AlexNet-BN (and
    torchvision's ``vgg16_bn``), which is what training from scratch needs.

    Stages, for ``out_indices`` and ``frozen_stages`` (index: name, output for 224x224):
    0: conv1_1, 1: conv1_2 (N, 64, 224, 224), 2: conv2_1, 3: conv2_2 (N, 128, 112, 112),
    4-6: conv3_1-3 (N, 256, 56, 56), 7-9: conv4_1-3 (N, 512, 28, 28), 10-12: conv5_1-3
    (N, 512, 14, 14). A stage's output is taken after its conv (+ norm), before the pool
    that follows conv1_2, conv2_2, conv3_3 and conv4_3. Any input whose side is a multiple
    of 16 gives exact 1/2, 1/4, 1/8, 1/16 maps.

    Parameter names are ``<stage>.conv.{weight,bias}`` and ``<stage>.bn.*`` (as
    SynthAlexNet); :meth:`convert_torchvision` maps torchvision's ``vgg16`` /
    ``vgg16_bn`` ``features.<i>.*`` keys to them so ImageNet weights can be loaded.

    Args:
        out_indices (Sequence[int | str]): stages to return, by index or name
            (``'conv1_1'`` ... ``'conv5_3'``). Defaults to ``('conv5_3', )``.
        tap (str | Sequence[str]): ``'post'`` (after ReLU) or ``'pre'`` (conv / norm output
            before ReLU, the authors' discriminator input); one value or one per
            ``out_indices`` entry. Defaults to ``'post'``.
        in_channels (int): input channels. Defaults to 3.
        frozen_stages (int): stages ``0 .. frozen_stages-1`` are frozen (eval mode, no
            gradients); -1 freezes nothing. Defaults to -1.
        norm_eval (bool): keep every BN in eval mode while training. Defaults to False.
        norm_cfg (dict, optional): normalisation after every conv; None for plain VGG16.
            Defaults to ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialisation; defaults to the authors'
            ``xavier_normal_(gain=0.02)`` / BN ``N(1, 0.02)`` with a norm, torchvision's
            Kaiming (fan_out) without.
    """

    arch = (
        # name, out_channels, pool after
        ('conv1_1', 64, False), ('conv1_2', 64, True),
        ('conv2_1', 128, False), ('conv2_2', 128, True),
        ('conv3_1', 256, False), ('conv3_2', 256, False), ('conv3_3', 256, True),
        ('conv4_1', 512, False), ('conv4_2', 512, False), ('conv4_3', 512, True),
        ('conv5_1', 512, False), ('conv5_2', 512, False), ('conv5_3', 512, False),
    )
    stage_names = tuple(a[0] for a in arch)
    stage_channels = tuple(a[1] for a in arch)
    pool_names = {'conv1_2': 'pool1', 'conv2_2': 'pool2', 'conv3_3': 'pool3',
                  'conv4_3': 'pool4'}

    def __init__(self,
                 out_indices: Sequence[Union[int, str]] = ('conv5_3', ),
                 tap: Union[str, Sequence[str]] = 'post',
                 in_channels: int = 3,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: Optional[Dict] = dict(type='BN', requires_grad=True),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = AUTHORS_INIT if norm_cfg is not None else TORCHVISION_INIT
        super().__init__(out_indices, tap=tap, frozen_stages=frozen_stages,
                         norm_eval=norm_eval, init_cfg=init_cfg)
        self.with_norm = norm_cfg is not None

        channels = in_channels
        for name, out_ch, pool in self.arch:
            # conv (-> norm) as a plain Sequential (``<stage>.conv``, ``<stage>.bn``); the
            # ReLU is applied in forward so that pre- and post-activation can be tapped.
            layers = OrderedDict(conv=nn.Conv2d(channels, out_ch, 3, stride=1, padding=1))
            if norm_cfg is not None:
                norm_name, norm = build_norm_layer(norm_cfg, out_ch)
                layers[norm_name] = norm
            self.add_module(name, nn.Sequential(layers))
            if pool:
                self.add_module(self.pool_names[name], nn.MaxPool2d(2, stride=2))
            channels = out_ch
        self.relu = nn.ReLU(inplace=False)
        self._freeze_stages()

    @classmethod
    def convert_torchvision(cls, state_dict: Dict[str, torch.Tensor],
                            prefix: str = '') -> 'OrderedDict[str, torch.Tensor]':
        """Rename torchvision ``vgg16`` / ``vgg16_bn`` keys to SynthVGG16's.

        ``features.<i>.weight`` of the i-th conv -> ``<stage>.conv.weight`` and, for
        ``vgg16_bn``, the BN after it (``features.<i+1>.*``) -> ``<stage>.bn.*``. The
        classifier (fc6-fc8) is dropped. ``prefix`` is prepended to the new keys (e.g.
        ``'backbone.'``). Raises ValueError if no conv weight is found.

        Example::

            import torchvision
            sd = torchvision.models.vgg16(weights='IMAGENET1K_V1').state_dict()
            SynthVGG16(norm_cfg=None).load_state_dict(SynthVGG16.convert_torchvision(sd))
        """
        conv_ids = sorted({int(k.split('.')[1]) for k, v in state_dict.items()
                           if k.startswith('features.') and k.endswith('.weight')
                           and v.dim() == 4})
        if len(conv_ids) != len(cls.arch):
            raise ValueError(f'SynthVGG16.convert_torchvision: expected {len(cls.arch)} conv '
                             f'layers under "features.", found {len(conv_ids)}')
        out = OrderedDict()
        for (name, _, _), i in zip(cls.arch, conv_ids):
            for suffix in ('weight', 'bias'):
                out[f'{prefix}{name}.conv.{suffix}'] = state_dict[f'features.{i}.{suffix}']
            for k, v in state_dict.items():
                if k.startswith(f'features.{i + 1}.'):  # vgg16_bn: BN right after the conv
                    out[f'{prefix}{name}.bn.{k[len(f"features.{i + 1}."):]}'] = v
        return out
