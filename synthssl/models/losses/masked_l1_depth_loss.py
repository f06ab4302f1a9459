# Copyright (c) synthssl contributors.
"""AT/DT's depth loss: L1 on depth normalised by a maximum depth, invalid pixels masked."""
from typing import Optional

import torch
import torch.nn as nn

from synthssl.registry import MODELS


@MODELS.register_module()
class MaskedL1DepthLoss(nn.Module):
    r"""Masked L1 between a normalised depth prediction and ``gt / max_depth``.

    .. math:: L = \frac{1}{|V|}\sum_{i \in V} \big|\hat y_i - y_i / d_{max}\big|,
              \quad V = \{i : 0 < y_i \le d_{max},\ y_i \text{ finite}\}

    averaged over all valid pixels of the batch (AT/DT ``core/losses.py::l1_loss``: GT / 100,
    pixels with GT = 0 or GT > 100 m masked). mmseg has no masked L1 (its ``SiLogLoss`` is
    the scale-invariant log loss), hence this class.

    Args:
        max_depth (float): the normalisation and the validity threshold, metres.
            Defaults to 100 (the authors' value).
        loss_weight (float): Defaults to 1.0.
        loss_name (str): key in the loss dict (must start with ``loss_``).
            Defaults to ``'loss_depth'``.
    """

    def __init__(self, max_depth: float = 100.0, loss_weight: float = 1.0,
                 loss_name: str = 'loss_depth') -> None:
        super().__init__()
        if max_depth <= 0:
            raise ValueError(f'MaskedL1DepthLoss: max_depth must be > 0, got {max_depth}')
        self.max_depth = float(max_depth)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None, **kwargs) -> torch.Tensor:
        """
        Args:
            pred (Tensor): (N, 1, H, W) predicted depth / max_depth.
            target (Tensor): (N, 1, H, W) or (N, H, W) ground truth in metres, 0 = invalid.
            weight (Tensor, optional): per-pixel weights of the shape of ``target``.
            **kwargs: ignored (mmseg heads pass ``ignore_index``).

        Returns:
            Tensor: scalar loss; 0 (with a gradient path) when no pixel is valid.
        """
        if target.dim() == pred.dim() - 1:
            target = target.unsqueeze(1)
        if pred.shape != target.shape:
            raise ValueError(f'MaskedL1DepthLoss: prediction {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ in shape')
        target = target.to(pred.dtype)
        valid = torch.isfinite(target) & (target > 0) & (target <= self.max_depth)
        err = (pred - torch.where(valid, target, torch.zeros_like(target)) / self.max_depth).abs()
        mask = valid.to(pred.dtype)
        if weight is not None:
            mask = mask * weight.reshape(mask.shape).to(pred.dtype)
        n = mask.sum()
        if n <= 0:
            return pred.sum() * 0
        return self.loss_weight * (err * mask).sum() / n

    @property
    def loss_name(self) -> str:
        return self._loss_name
