# Copyright (c) synthssl contributors.
"""Recall of ground-truth boxes by object proposals (the standard proposal-quality number)."""
from typing import Optional, Sequence

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of 0-based inclusive pixel boxes (VOC convention: width = x2 - x1 + 1).

    Args:
        a (ndarray): (N, 4) x1, y1, x2, y2.
        b (ndarray): (M, 4).

    Returns:
        ndarray: (N, M) float64.
    """
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    iw = (np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
          + 1).clip(0)
    ih = (np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
          + 1).clip(0)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-12)


def proposal_recall(proposals: Sequence[np.ndarray], gt_boxes: Sequence[np.ndarray],
                    iou_thr: float = 0.5, num_proposals: Optional[int] = None) -> float:
    """Fraction of ground-truth boxes covered (IoU >= ``iou_thr``) by some proposal.

    Args:
        proposals (list[ndarray]): per image (N_i, 4) boxes, best first.
        gt_boxes (list[ndarray]): per image (G_i, 4) boxes.
        num_proposals (int | None): use only the first this many proposals per image.

    Returns:
        float: recall in [0, 1]; NaN when there are no ground-truth boxes at all.
    """
    if len(proposals) != len(gt_boxes):
        raise ValueError(f'proposal_recall: {len(proposals)} proposal sets for '
                         f'{len(gt_boxes)} images')
    hit = total = 0
    for props, gts in zip(proposals, gt_boxes):
        gts = np.asarray(gts).reshape(-1, 4)
        props = np.asarray(props).reshape(-1, 4)[:num_proposals]
        total += len(gts)
        if len(gts) and len(props):
            hit += int((box_iou(gts, props).max(1) >= iou_thr).sum())
    return hit / total if total else float('nan')
