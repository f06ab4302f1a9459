# Copyright (c) synthssl contributors.
"""The base + bottleneck network of Ren & Lee, CVPR 2018 (appendix, Table "AlexNet")."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import torch.nn as nn
from mmcv.cnn import build_norm_layer

from synthssl.registry import MODELS
from ..utils.gemm_conv import GemmConv2d
from .base_stage_backbone import AUTHORS_INIT, StageBackbone


@MODELS.register_module()
class SynthAlexNet(StageBackbone):
    """AlexNet-BN with a stride-1 pool5 and dilated convolutional fc6/fc7.

    The layers follow the appendix table of Ren & Lee (CVPR 2018) for a 227x227 input
    (S: output size, C: channels, KS/St/P/D: kernel, stride, padding, dilation)::

        layer  S    C     KS St P D        layer  S    C     KS St P D
        conv1  55   96    11 4  0 1        conv5  13   256   3  1  1 1
        pool1  27   96    3  2  0 1        pool5  13   256   3  1  1 1
        conv2  27   256   5  1  2 1        fc6    13   4096  6  1  5 2
        pool2  13   256   3  2  0 1        fc7    13   4096  1  1  0 1
        conv3  13   384   3  1  1 1
        conv4  13   384   3  1  1 1

    AlexNet's conv1-conv5 without groups or LRN, BatchNorm after every convolution. The
    table prints P=0 for conv3-5, which contradicts its own S=13 (a 3x3 kernel without
    padding maps 13 to 11); padding 1, as in AlexNet and in the authors' code, is used.
    Because pool5 has stride 1, fc6 is dilated by 2: its 6x6 kernel then covers exactly the
    cells that CaffeNet's fc6 sees on a stride-2 pool5, so fc6's weights reshape 1:1 into a
    9216->4096 fully connected layer (see ``tools/model_converters``).

    Stages, for ``out_indices`` and ``frozen_stages`` (index: name, output for 227x227):
    0: conv1 (N, 96, 55, 55), 1: conv2 (N, 256, 27, 27), 2: conv3 (N, 384, 13, 13),
    3: conv4 (N, 384, 13, 13), 4: conv5 (N, 256, 13, 13), 5: fc6 (N, 4096, 13, 13),
    6: fc7 (N, 4096, 13, 13). A stage's output is taken after its convolution and BN, before
    the max-pooling that follows conv1/conv2/conv5 (conv5's output stride is 16, as
    Fast R-CNN's RoI layers expect).

    Args:
        out_indices (Sequence[int | str]): stages to return, by index or name
            (``'conv1'`` ... ``'fc7'``). Defaults to ``(6, )`` (fc7).
        tap (str | Sequence[str]): ``'post'`` returns features after ReLU (for transfer),
            ``'pre'`` the BN output before ReLU, as the authors' code feeds its
            discriminator ("following ganhacks"); one value for all outputs or one per
            ``out_indices`` entry. Defaults to ``'post'``.
        conv1_padding (int): conv1's padding; 0 gives the table's 55x55, 2 the authors'
            code (56x56). Defaults to 0.
        in_channels (int): input channels. Defaults to 3.
        frozen_stages (int): stages ``0 .. frozen_stages-1`` are frozen (eval mode, no
            gradients); -1 freezes nothing. Defaults to -1.
        norm_eval (bool): keep every BN layer in eval mode while training (frozen running
            statistics). Defaults to False.
        norm_cfg (dict): normalisation layers. Defaults to ``dict(type='BN')``.
        init_cfg (dict | list[dict], optional): initialisation. Defaults to the authors'
            ``xavier_normal_(gain=0.02)`` for convolutions and ``N(1, 0.02)`` for BN weights.
    """

    arch = (
        # name, out_channels, kernel, stride, padding, dilation, pool after (k, s, p)
        ('conv1', 96, 11, 4, 0, 1, (3, 2, 0)),
        ('conv2', 256, 5, 1, 2, 1, (3, 2, 0)),
        ('conv3', 384, 3, 1, 1, 1, None),
        ('conv4', 384, 3, 1, 1, 1, None),
        ('conv5', 256, 3, 1, 1, 1, (3, 1, 1)),
        ('fc6', 4096, 6, 1, 5, 2, None),
        ('fc7', 4096, 1, 1, 0, 1, None),
    )
    stage_names = tuple(a[0] for a in arch)
    stage_channels = tuple(a[1] for a in arch)
    pool_names = {'conv1': 'pool1', 'conv2': 'pool2', 'conv5': 'pool5'}

    def __init__(self,
                 out_indices: Sequence[Union[int, str]] = (6, ),
                 tap: Union[str, Sequence[str]] = 'post',
                 conv1_padding: int = 0,
                 in_channels: int = 3,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: Dict = dict(type='BN', requires_grad=True),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = AUTHORS_INIT) -> None:
        super().__init__(out_indices, tap=tap, frozen_stages=frozen_stages,
                         norm_eval=norm_eval, init_cfg=init_cfg)
        channels = in_channels
        for name, out_ch, k, s, p, d, pool in self.arch:
            if name == 'conv1':
                p = conv1_padding
            # conv -> norm as a plain Sequential (``<stage>.conv``, ``<stage>.bn``); the ReLU
            # is applied in forward so that the pre- and post-activation outputs can both be
            # tapped. (mmcv's ConvModule would re-initialise its conv in its own
            # init_weights, overriding ``init_cfg``.)
            norm_name, norm = build_norm_layer(norm_cfg, out_ch)
            # fc6/fc7 as one GEMM on the CPU (GemmConv2d: bf16 autocast runs oneDNN's
            # small-map / dilated kernels slower than float32); a Conv2d all the same
            conv_cls = GemmConv2d if name in ('fc6', 'fc7') else nn.Conv2d
            conv = conv_cls(channels, out_ch, k, stride=s, padding=p, dilation=d)
            self.add_module(name, nn.Sequential(OrderedDict(conv=conv, **{norm_name: norm})))
            if pool is not None:
                pk, ps, pp = pool
                self.add_module(self.pool_names[name],
                                nn.MaxPool2d(pk, stride=ps, padding=pp))
            channels = out_ch
        self.relu = nn.ReLU(inplace=False)
        self._freeze_stages()
