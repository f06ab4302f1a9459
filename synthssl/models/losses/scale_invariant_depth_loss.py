# Copyright (c) synthssl contributors.
"""Eigen et al.'s scale-invariant log-depth loss (Ren & Lee §3.1)."""
from typing import Optional

import torch
import torch.nn as nn

from synthssl.registry import MODELS
from .utils import combine_masks


@MODELS.register_module()
class ScaleInvariantDepthLoss(nn.Module):
    r"""Scale-invariant loss on log depth (Eigen, Puhrsch & Fergus, NeurIPS 2014).

    With :math:`d_i = Q_i - \log Y'_i` over the :math:`n` valid pixels of an image (the
    network predicts log depth :math:`Q` directly):

    .. math:: L_d = \frac{1}{n}\sum_i d_i^2 - \frac{\lambda}{n^2}\Big(\sum_i d_i\Big)^2,
              \quad \lambda = \tfrac{1}{2}

    averaged over the images of the batch. Pixels with zero, negative or non-finite
    ground-truth depth are ignored.

    ``variant='released'`` is the authors' code: ``0.5 * (mean(d²) + 0.5 * mean(d)²)`` —
    the variance term *added* — computed over the whole batch.

    Args:
        lam (float): λ. Defaults to 0.5.
        variant (str): ``'paper'`` (default) or ``'released'``.
        loss_weight (float): λ_d. Defaults to 1.0.
    """

    def __init__(self, lam: float = 0.5, variant: str = 'paper',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if variant not in ('paper', 'released'):
            raise ValueError(f"variant must be 'paper' or 'released', got {variant!r}")
        self.lam = lam
        self.variant = variant
        self.loss_weight = loss_weight

    def forward(self,
                pred_log_depth: torch.Tensor,
                gt_depth: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """
        Args:
            pred_log_depth (Tensor): (N, 1, H, W) predicted log depth (log metres).
            gt_depth (Tensor): (N, 1, H, W) ground-truth depth in metres, 0 = invalid.
            valid (Tensor, optional): (N, 1, H, W) bool, extra mask (e.g. padding).

        Returns:
            Tensor: scalar loss.
        """
        pred = pred_log_depth.float().flatten(1)
        gt = gt_depth.float().flatten(1)
        ok = torch.isfinite(gt) & (gt > 0)
        mask = combine_masks(ok, None if valid is None else valid.flatten(1))
        d = torch.where(mask, pred - torch.log(torch.where(mask, gt, torch.ones_like(gt))),
                        torch.zeros_like(pred))
        m = mask.to(pred.dtype)
        if self.variant == 'released':
            n = m.sum().clamp(min=1)
            mean_d = d.sum() / n
            loss = 0.5 * ((d**2).sum() / n + 0.5 * mean_d**2)
            return self.loss_weight * loss
        n = m.sum(1)
        has = n > 0
        if not has.any():
            return self.loss_weight * pred.sum() * 0
        n = n.clamp(min=1)
        per_image = (d**2).sum(1) / n - self.lam * d.sum(1)**2 / n**2
        return self.loss_weight * per_image[has].mean()
