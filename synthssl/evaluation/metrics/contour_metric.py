# Copyright (c) synthssl contributors.
"""Contour detection quality: ODS F-measure and AP with a distance tolerance."""
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from synthssl.registry import METRICS


def _within(mask: np.ndarray, of: np.ndarray, tol: float) -> np.ndarray:
    """Pixels of ``mask`` that lie within ``tol`` px of a True pixel of ``of``."""
    if not of.any():
        return np.zeros_like(mask)
    # exact Euclidean distance (a 3x3 mask is OpenCV's chamfer approximation: 0.955 px per
    # axis step, 1.369 px per diagonal one, so matches near the tolerance depended on the
    # direction)
    dist = cv2.distanceTransform((~of).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return mask & (dist <= tol)


@METRICS.register_module()
class ContourMetric(BaseMetric):
    """Optimal-dataset-scale (ODS) F-measure and average precision of contour maps.

    For each threshold t, predicted contours are ``pred >= t``; precision is the fraction of
    predicted pixels within ``tolerance`` of a ground-truth contour pixel, recall the
    fraction of ground-truth pixels within ``tolerance`` of a predicted one (the BSDS
    benchmark's distance tolerance, without its one-to-one matching and thinning). Counts
    are summed over the dataset; ODS is the best F over the thresholds, AP the area under
    the precision/recall curve.

    Args:
        num_thresholds (int): evenly spaced in (0, 1). Defaults to 33.
        tolerance (float): match distance as a fraction of the image diagonal (BSDS:
            0.0075). Defaults to 0.0075.
        pred_key / gt_key (str): ``pred_contour`` (probabilities) / ``gt_contour`` ({0, 1}).
        prefix (str): Defaults to ``'contour'``.
    """
    default_prefix = 'contour'

    def __init__(self, num_thresholds: int = 33, tolerance: float = 0.0075,
                 pred_key: str = 'pred_contour', gt_key: str = 'gt_contour',
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = np.linspace(0, 1, num_thresholds + 2)[1:-1]
        self.tolerance = tolerance
        self.pred_key, self.gt_key = pred_key, gt_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred, gt = (sample[k].detach().cpu().float().numpy()
                        if isinstance(sample[k], torch.Tensor) else np.asarray(sample[k])
                        for k in (self.pred_key, self.gt_key))
            pred, gt = pred.reshape(pred.shape[-2:]), gt.reshape(gt.shape[-2:]) >= 0.5
            tol = self.tolerance * float(np.hypot(*gt.shape))
            counts = np.zeros((len(self.thresholds), 4), dtype=np.int64)
            for i, t in enumerate(self.thresholds):
                p = pred >= t
                counts[i] = (_within(p, gt, tol).sum(), p.sum(),
                             _within(gt, p, tol).sum(), gt.sum())
            self.results.append(counts)

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        c = np.sum(results, axis=0).astype(np.float64)
        if c[0, 3] == 0:
            raise ValueError('ContourMetric: the ground truth has no contour pixel')
        precision = np.where(c[:, 1] > 0, c[:, 0] / np.maximum(c[:, 1], 1), 1.0)
        recall = c[:, 2] / c[:, 3]
        f = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        # recall ascending; among thresholds with equal recall the highest threshold first,
        # so each recall step is credited with that operating point's precision (the
        # non-interpolated AP of sklearn / VOC), whatever order a sort leaves ties in
        order = np.lexsort((-np.arange(len(recall)), recall))
        r, p = np.concatenate([[0.], recall[order]]), np.concatenate([[1.], precision[order]])
        ap = float(np.sum(np.diff(r) * p[1:]))
        best = int(np.argmax(f))
        return dict(ods_f=float(f[best]), ods_threshold=float(self.thresholds[best]), ap=ap)
