# Copyright (c) synthssl contributors.
"""AT/DT's task decoder (``core/models.py::build_decoder_dilated_resnet``) as an mmseg head."""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.utils import SampleList

from synthssl.registry import MODELS

TASKS = ('semantic', 'depth')


class UpConv(nn.Module):
    """``upconv`` of the authors' ``core/ops.py``: upsample ×2, then conv 3x3 (+norm, act).

    (N, C_in, h, w) -> (N, C_out, 2h, 2w), or ``size`` when given.
    """

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: Optional[Dict],
                 act_cfg: Optional[Dict], mode: str = 'nearest') -> None:
        super().__init__()
        self.mode = mode
        self.conv = ConvModule(in_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg,
                               act_cfg=act_cfg)

    def forward(self, x: torch.Tensor, size: Optional[Sequence[int]] = None) -> torch.Tensor:
        size = tuple(size) if size is not None else (2 * x.shape[-2], 2 * x.shape[-1])
        kw = dict(align_corners=False) if self.mode == 'bilinear' else {}
        return self.conv(F.interpolate(x, size=size, mode=self.mode, **kw))


@MODELS.register_module()
class ATDTDecoderHead(BaseDecodeHead):
    """Upsampling decoder of AT/DT's dilated-ResNet task networks, for semantic
    segmentation (``task='semantic'``, C = num_classes) or depth (``task='depth'``, C = 1).

    From the OS-16 encoder feature (N, in_channels, H/16, W/16), with ``channels=(128, 64,
    32)`` (the authors')::

        upconv(128) conv(128)  -> H/8     upconv = nearest ×2 + conv 3x3
        upconv(64)  conv(64)   -> H/4     every layer: norm + ``act_cfg`` (ELU)
        upconv(32)* conv(32)   -> H/2     * no norm (as released)
        upconv(C)*  conv_seg   -> H       conv_seg: 3x3, C -> C, no norm, no activation

    i.e. the output has the input resolution (N, C, H, W) (``out_size`` sets the last
    upsampling's size; ``loss``/``predict`` also resize bilinearly to the labels / padded
    image when H or W is not a multiple of 16). The paper
    says "bilinear up-sample" and "all layers feature batch normalization"; the released
    code uses nearest-neighbour ``upconv`` and no norm in the two layers marked *. Both are
    options (``upsample_mode``, ``released_norm``).

    Semantic: BaseDecodeHead's CE loss with ``ignore_index`` (set ``avg_non_ignore=True``
    in the loss for the authors' mean over valid pixels) and prediction.
    Depth: the output is depth / ``max_depth``; ``depth_act='none'`` (released: linear
    output, clipped at test) or ``'sigmoid'``; the loss (e.g. ``MaskedL1DepthLoss`` with
    the same ``max_depth``) compares it with ``gt_depth_map`` (metres); ``predict`` returns
    metres: ``clamp(out × max_depth, min_depth, max_depth)``.

    Args:
        in_channels (int): encoder channels (dilated ResNet-50: 2048).
        channels (Sequence[int]): widths of the three upconv/conv pairs.
            Defaults to (128, 64, 32).
        task (str): ``'semantic'`` or ``'depth'``.
        num_classes (int): classes (semantic); 1 for depth.
        max_depth (float): depth normalisation (metres). Defaults to 100.
        min_depth (float): lower clamp of predicted depth. Defaults to 1e-3.
        depth_act (str): ``'none'`` or ``'sigmoid'``. Defaults to ``'none'``.
        upsample_mode (str): ``'nearest'`` (released) or ``'bilinear'`` (paper text).
        released_norm (bool): no norm in the last two upconvs, as released. Defaults True.
        norm_cfg (dict): Defaults to BN.
        act_cfg (dict): Defaults to ELU (the authors' ``ops.conv`` default).
        dropout_ratio (float): before conv_seg; Defaults to 0 (none in the authors' code).
        **kwargs: the rest of :class:`BaseDecodeHead` (``loss_decode``, ``ignore_index``,
            ``in_index``, ``align_corners``, ...).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 channels: Sequence[int] = (128, 64, 32),
                 task: str = 'semantic',
                 num_classes: int = 11,
                 max_depth: float = 100.0,
                 min_depth: float = 1e-3,
                 depth_act: str = 'none',
                 upsample_mode: str = 'nearest',
                 released_norm: bool = True,
                 norm_cfg: Optional[Dict] = dict(type='BN', requires_grad=True),
                 act_cfg: Optional[Dict] = dict(type='ELU'),
                 dropout_ratio: float = 0.0,
                 **kwargs) -> None:
        if task not in TASKS:
            raise ValueError(f'ATDTDecoderHead: task must be one of {TASKS}, got {task!r}')
        if depth_act not in ('none', 'sigmoid'):
            raise ValueError(f"ATDTDecoderHead: depth_act must be 'none' or 'sigmoid', "
                             f'got {depth_act!r}')
        if upsample_mode not in ('nearest', 'bilinear'):
            raise ValueError(f"ATDTDecoderHead: upsample_mode must be 'nearest' or "
                             f"'bilinear', got {upsample_mode!r}")
        channels = tuple(int(c) for c in channels)
        if len(channels) != 3:
            raise ValueError(f'ATDTDecoderHead: channels needs 3 widths (H/8, H/4, H/2), '
                             f'got {channels}')
        if task == 'depth':
            if num_classes != 1:
                raise ValueError(f'ATDTDecoderHead: a depth head has num_classes=1, got '
                                 f'{num_classes}')
            kwargs.setdefault('loss_decode',
                              dict(type='synthssl.MaskedL1DepthLoss', max_depth=max_depth))
            kwargs.setdefault('threshold', 0.5)  # unused; silences the binary-seg warning
        else:  # CE averaged over the valid pixels (core/losses.py)
            kwargs.setdefault('loss_decode', dict(type='mmseg.CrossEntropyLoss',
                                                  use_sigmoid=False, avg_non_ignore=True))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            super().__init__(in_channels, num_classes, num_classes=num_classes,
                             dropout_ratio=dropout_ratio, norm_cfg=norm_cfg,
                             act_cfg=act_cfg, **kwargs)
        self.task, self.max_depth, self.min_depth = task, float(max_depth), float(min_depth)
        self.depth_act, self.upsample_mode = depth_act, upsample_mode
        self.decoder_channels = channels
        if task == 'depth':
            for loss in self._losses():
                if hasattr(loss, 'max_depth') and float(loss.max_depth) != self.max_depth:
                    raise ValueError(f'ATDTDecoderHead: max_depth={self.max_depth} but its loss '
                                     f'{type(loss).__name__} has max_depth={loss.max_depth}')
        last_norm = None if released_norm else norm_cfg
        c1, c2, c3 = channels
        self.up1 = UpConv(self.in_channels, c1, norm_cfg, act_cfg, upsample_mode)
        self.conv1 = ConvModule(c1, c1, 3, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.up2 = UpConv(c1, c2, norm_cfg, act_cfg, upsample_mode)
        self.conv2 = ConvModule(c2, c2, 3, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.up3 = UpConv(c2, c3, last_norm, act_cfg, upsample_mode)
        self.conv3 = ConvModule(c3, c3, 3, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.up4 = UpConv(c3, self.out_channels, last_norm, act_cfg, upsample_mode)
        # the authors' last conv: C -> C, 3x3, linear (replaces BaseDecodeHead's 1x1 conv_seg)
        self.conv_seg = nn.Conv2d(self.out_channels, self.out_channels, 3, padding=1)

    def _losses(self) -> List[nn.Module]:
        return list(self.loss_decode) if isinstance(self.loss_decode, nn.ModuleList) \
            else [self.loss_decode]

    def forward(self, inputs: Tuple[torch.Tensor], out_size: Optional[Sequence[int]] = None
                ) -> torch.Tensor:
        """(N, in_channels, h, w) -> (N, C, 16h, 16w) (or ``out_size``): logits, or
        depth / max_depth (after ``depth_act``)."""
        x = self._transform_inputs(inputs)
        x = self.conv1(self.up1(x))
        x = self.conv2(self.up2(x))
        x = self.conv3(self.up3(x))
        x = self.up4(x, out_size)
        out = self.cls_seg(x)
        if self.task == 'depth' and self.depth_act == 'sigmoid':
            out = out.sigmoid()
        return out

    def loss_by_feat(self, seg_logits: torch.Tensor, batch_data_samples: SampleList) -> dict:
        if self.task == 'semantic':
            return super().loss_by_feat(seg_logits, batch_data_samples)
        for s in batch_data_samples:
            if 'gt_depth_map' not in s:
                raise KeyError('ATDTDecoderHead(task=depth): a data sample has no gt_depth_map '
                               f'(fields: {sorted(s.keys())}); pack depth with PackSegInputs')
        gt = torch.stack([s.gt_depth_map.data for s in batch_data_samples], 0)
        pred = resize(seg_logits, size=gt.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)
        losses = dict()
        for loss in self._losses():
            losses[loss.loss_name] = losses.get(loss.loss_name, 0) + loss(pred, gt)
        return losses

    def predict_by_feat(self, seg_logits: torch.Tensor, batch_img_metas: List[dict]
                        ) -> torch.Tensor:
        out = super().predict_by_feat(seg_logits, batch_img_metas)
        if self.task == 'depth':
            out = (out * self.max_depth).clamp(self.min_depth, self.max_depth)
        return out
