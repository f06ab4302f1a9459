# Copyright (c) synthssl contributors.
"""mmdet's ``Shared2FCBBoxHead`` with CaffeNet's dropout after fc6 and fc7.

The CaffeNet Fast R-CNN (Girshick, ICCV 2015) whose protocol the self-supervised detection
numbers follow has ``drop6`` / ``drop7`` (ratio 0.5) after the ReLUs of fc6 and fc7; mmdet's
``Shared2FCBBoxHead`` has none. Registered as ``synthssl.Shared2FCDropoutBBoxHead`` through
:func:`synthssl.models.roi.builders.build_shared2fc_dropout_bbox_head` (mmdet is imported
only when the head is built).
"""
from typing import Tuple

import torch.nn as nn
from mmdet.models.roi_heads.bbox_heads import Shared2FCBBoxHead
from torch import Tensor


class Shared2FCDropoutBBoxHead(Shared2FCBBoxHead):
    """``Shared2FCBBoxHead`` with ``Dropout(dropout)`` after each shared fc's ReLU.

    The dropout layers hold no parameters, so the state dict is mmdet's:
    ``shared_fcs.{0,1}.{weight,bias}`` (fc6, fc7), ``fc_cls.*``, ``fc_reg.*``.

    Args:
        dropout (float): drop probability after fc6 and fc7 (CaffeNet: 0.5); 0 gives
            mmdet's head. Defaults to 0.5.
        *args, **kwargs: :class:`mmdet.models.roi_heads.bbox_heads.Shared2FCBBoxHead`'s.
    """

    def __init__(self, *args, dropout: float = 0.5, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not 0. <= dropout < 1.:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        self.dropout = dropout
        self.shared_drop = nn.Dropout(dropout)

    def forward(self, x: Tuple[Tensor]) -> tuple:
        """(R, C, s, s) pooled RoI features -> ``cls_score`` (R, num_classes + 1) and
        ``bbox_pred`` (R, 4 * num_classes, or 4 class-agnostic)."""
        if self.with_avg_pool:
            x = self.avg_pool(x)
        x = x.flatten(1)
        for fc in self.shared_fcs:
            x = self.shared_drop(self.relu(fc(x)))
        cls_score = self.fc_cls(x) if self.with_cls else None
        bbox_pred = self.fc_reg(x) if self.with_reg else None
        return cls_score, bbox_pred
