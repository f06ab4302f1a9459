# Copyright (c) synthssl contributors.
"""FCN-style skip-fusion head for dense surface normals (Ren & Lee §4.5 NYUD fine-tuning)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from synthssl.registry import MODELS
from synthssl.structures import add_dense_predictions, prediction_size


@MODELS.register_module()
class FCNNormalHead(BaseModule):
    """FCN-8s-style fusion of several backbone stages into a unit normal map.

    For VGG16 stages ``(conv3_3, conv4_3, conv5_3)`` (strides 4, 8, 16)::

        conv5_3 -> num_convs x [3x3 conv-norm-ReLU] -> 1x1 -> x
        x = up2(x) + 1x1(conv4_3);  x = up2(x) + 1x1(conv3_3)    (FCN's score fusion)
        x -> ReLU -> 3x3 conv-norm-ReLU -> 1x1 conv to 3 -> bilinear to the output size
          -> L2-normalise

    FCN sums per-stage class scores; normals are a 3-vector regression, so the stages are
    summed in a ``channels``-wide space and a small fusion conv maps them to (x, y, z).
    The output is in the ground truth's frame (OpenCV camera axes for synthssl data).

    Args:
        in_channels (Sequence[int]): channels of the inputs, finest first (e.g.
            ``(256, 512, 512)``).
        channels (int): width of the fused maps. Defaults to 256.
        num_convs (int): 3x3 convs on the coarsest input before fusion. Defaults to 1.
        norm_cfg (dict, optional): norm of the 3x3 convs. Defaults to BN.
        loss (dict): the normal loss. Defaults to :class:`NormalDotLoss`.
        init_cfg (dict | list[dict], optional): initialisation; defaults to Kaiming for the
            convs and N(0, 0.01) for the output layer.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 256,
                 num_convs: int = 1,
                 norm_cfg: Optional[Dict] = dict(type='BN'),
                 loss: Dict = dict(type='NormalDotLoss'),
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Kaiming', layer='Conv2d', nonlinearity='relu'),
                        dict(type='Normal', std=0.01, bias=0., override=dict(name='conv_out'))]
        super().__init__(init_cfg=init_cfg)
        self.in_channels = tuple(in_channels)
        if not self.in_channels:
            raise ValueError('FCNNormalHead: in_channels must not be empty')
        convs = []
        for i in range(num_convs):
            convs.append(ConvModule(self.in_channels[-1] if i == 0 else channels, channels, 3,
                                    padding=1, norm_cfg=norm_cfg))
        self.convs = nn.Sequential(*convs)
        coarse_in = channels if num_convs > 0 else self.in_channels[-1]
        self.laterals = nn.ModuleList(
            [nn.Conv2d(c, channels, 1) for c in self.in_channels[:-1]] +
            [nn.Conv2d(coarse_in, channels, 1)])
        self.fuse = ConvModule(channels, channels, 3, padding=1, norm_cfg=norm_cfg)
        self.conv_out = nn.Conv2d(channels, 3, 1)
        self.loss_normal = MODELS.build(loss)

    def forward(self, feats: Sequence[torch.Tensor],
                size: Optional[Sequence[int]] = None) -> torch.Tensor:
        """
        Args:
            feats (Sequence[Tensor]): ``len(in_channels)`` maps (N, C_i, H_i, W_i), finest
                first.
            size (Sequence[int], optional): (H, W) of the output; defaults to the finest
                input's size.

        Returns:
            Tensor: (N, 3, H, W) unit normals.
        """
        if len(feats) != len(self.in_channels):
            raise ValueError(f'FCNNormalHead: expected {len(self.in_channels)} feature maps, '
                             f'got {len(feats)}')
        x = self.laterals[-1](self.convs(feats[-1]))
        for lateral, f in zip(reversed(self.laterals[:-1]), reversed(feats[:-1])):
            x = F.interpolate(x, size=f.shape[-2:], mode='bilinear', align_corners=False)
            x = x + lateral(f)
        x = self.conv_out(self.fuse(F.relu(x)))
        size = tuple(size) if size is not None else feats[0].shape[-2:]
        if tuple(x.shape[-2:]) != tuple(size):
            x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
        return F.normalize(x.float(), dim=1, eps=1e-6)  # float32 also under bf16 autocast

    def predict(self, feats: Sequence[torch.Tensor], data_samples: List,
                out_size: Optional[Sequence[int]] = None) -> List:
        """The data samples with ``pred_normal`` (3, H, W) unit normals at ``out_size``
        (default: the size of their ``gt_normal``, else their ``img_shape``)."""
        size = out_size if out_size is not None else prediction_size(data_samples, ('normal', ))
        return add_dense_predictions(data_samples, dict(normal=self(feats, size)))

    def loss(self, feats: Sequence[torch.Tensor], data_samples: List) -> Dict:
        """``dict(loss_normal=...)`` against the data samples' ``gt_normal`` (3, H, W)
        ((0, 0, 0) = invalid)."""
        missing = [i for i, s in enumerate(data_samples or []) if 'gt_normal' not in s]
        if not data_samples or missing:
            raise KeyError("FCNNormalHead: the loss needs 'gt_normal' in every data sample "
                           f'(missing in {missing or "an empty batch"})')
        gt_normal = torch.stack([torch.as_tensor(s.gt_normal) for s in data_samples]).to(
            feats[0].device)
        pred = self(feats, gt_normal.shape[-2:])
        return dict(loss_normal=self.loss_normal(pred.float(), gt_normal))
