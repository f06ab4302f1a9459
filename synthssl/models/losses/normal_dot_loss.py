# Copyright (c) synthssl contributors.
"""Negative mean dot product of unit surface normals (Ren & Lee §3.1)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from synthssl.registry import MODELS
from .utils import combine_masks, masked_image_mean


@MODELS.register_module()
class NormalDotLoss(nn.Module):
    r"""Surface-normal loss of Eigen & Fergus (ICCV 2015):

    .. math:: L_s = -\frac{1}{n}\sum_i S_i \cdot S'_i

    over the valid pixels of each image, averaged over the batch. The prediction is
    L2-normalised first; ground-truth pixels whose normal is (0, 0, 0) or non-finite are
    invalid. The range is [-1, 1]; -1 is a perfect prediction. (The authors' code used
    ``CosineEmbeddingLoss`` = mean(1 - cos), the same gradient with a +1 offset:
    ``offset=1.0`` reproduces its value.)

    Args:
        offset (float): added to the loss. Defaults to 0.0.
        loss_weight (float): λ_s. Defaults to 1.0.
    """

    def __init__(self, offset: float = 0.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.offset = offset
        self.loss_weight = loss_weight

    def forward(self,
                pred: torch.Tensor,
                gt_normal: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            pred (Tensor): (N, 3, H, W) predicted normals (any length).
            gt_normal (Tensor): (N, 3, H, W) unit normals, (0, 0, 0) = invalid.
            valid (Tensor, optional): (N, 1, H, W) or (N, H, W) bool extra mask.

        Returns:
            Tensor: scalar loss.
        """
        pred = F.normalize(pred.float(), dim=1, eps=1e-6)
        gt = gt_normal.float()
        ok = torch.isfinite(gt).all(1) & (gt.abs().sum(1) > 0)
        gt = torch.where(ok[:, None], gt, torch.zeros_like(gt))
        mask = combine_masks(ok, None if valid is None else valid.reshape(ok.shape))
        dot = (pred * gt).sum(1)
        return self.loss_weight * (self.offset - masked_image_mean(dot, mask))
