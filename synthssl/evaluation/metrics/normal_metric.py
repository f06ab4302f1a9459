# Copyright (c) synthssl contributors.
"""Surface-normal angular errors over all valid pixels of a dataset."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from synthssl.registry import METRICS

BIN_DEG = 0.01  # histogram resolution of the median


def angular_errors(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Angles in degrees between (3, H, W) predicted and ground-truth normals, over the
    pixels whose ground truth is a non-zero finite vector (predictions are normalised)."""
    pred = pred.reshape(3, -1)
    gt = gt.reshape(3, -1)
    gn = np.linalg.norm(gt, axis=0)
    valid = np.isfinite(gt).all(0) & (gn > 1e-6)
    p = pred[:, valid]
    p = p / np.maximum(np.linalg.norm(p, axis=0), 1e-12)
    g = gt[:, valid] / gn[valid]
    return np.degrees(np.arccos(np.clip((p * g).sum(0), -1, 1)))


@METRICS.register_module()
class NormalMetric(BaseMetric):
    """Mean, median and RMSE angular error and % of pixels within 11.25°, 22.5°, 30°,
    pooled over every valid pixel of the dataset (the NYUD protocol of Ren & Lee §4.5).

    Reads ``pred_normal`` and ``gt_normal`` ((3, H, W); ground truth (0, 0, 0) = invalid).
    The median comes from a 0.01° histogram, so memory does not grow with the dataset.

    Args:
        thresholds (Sequence[float]): degrees. Defaults to (11.25, 22.5, 30).
        pred_key / gt_key (str): data-sample fields.
        prefix (str): Defaults to ``'normal'``.
    """
    default_prefix = 'normal'

    def __init__(self, thresholds: Sequence[float] = (11.25, 22.5, 30.),
                 pred_key: str = 'pred_normal', gt_key: str = 'gt_normal',
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thresholds = tuple(thresholds)
        self.pred_key, self.gt_key = pred_key, gt_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if self.pred_key not in sample or self.gt_key not in sample:
                raise KeyError(f'NormalMetric needs {self.pred_key!r} and {self.gt_key!r}')
            pred, gt = (sample[k].detach().cpu().float().numpy()
                        if isinstance(sample[k], torch.Tensor) else np.asarray(sample[k])
                        for k in (self.pred_key, self.gt_key))
            err = angular_errors(pred, gt)
            hist = np.bincount(np.minimum((err / BIN_DEG).astype(np.int64),
                                          int(180 / BIN_DEG)), minlength=int(180 / BIN_DEG) + 1)
            self.results.append(dict(n=err.size, sum=float(err.sum()),
                                     sq=float((err**2).sum()), hist=hist,
                                     within=[int((err < t).sum()) for t in self.thresholds]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        n = sum(r['n'] for r in results)
        if n == 0:
            raise ValueError('NormalMetric: no valid ground-truth normal in the dataset')
        hist = np.sum([r['hist'] for r in results], axis=0)
        cum = np.cumsum(hist)
        median_bin = int(np.searchsorted(cum, (n + 1) / 2))
        out = dict(mean=sum(r['sum'] for r in results) / n,
                   median=(median_bin + 0.5) * BIN_DEG,
                   rmse=float(np.sqrt(sum(r['sq'] for r in results) / n)))
        for i, t in enumerate(self.thresholds):
            out[f'within_{t:g}'] = sum(r['within'][i] for r in results) / n * 100
        return out
