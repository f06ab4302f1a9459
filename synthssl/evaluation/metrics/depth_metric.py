# Copyright (c) synthssl contributors.
"""Standard monocular-depth metrics (Eigen et al.), averaged per image."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import PixelData

from synthssl.registry import METRICS


def _to_numpy(x) -> np.ndarray:
    # mmseg keeps maps as PixelData: {'data': tensor} once the evaluator has to_dict()-ed
    # the sample, the PixelData itself when a sample is passed as is
    if isinstance(x, dict) and 'data' in x:
        x = x['data']
    elif isinstance(x, PixelData):
        x = x.data
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().float().numpy()
    return np.asarray(x, dtype=np.float64)


def depth_errors(pred: np.ndarray, gt: np.ndarray, min_depth: float = 1e-3,
                 max_depth: Optional[float] = None) -> Optional[Dict[str, float]]:
    """Errors of one image over its valid pixels (``min_depth < gt (< max_depth)``,
    finite); predictions are clamped to the same range. None if no pixel is valid.

    Returns:
        dict: ``abs_rel`` mean |p-g|/g, ``sq_rel`` mean (p-g)²/g, ``rmse``,
        ``rmse_log``, ``a1``/``a2``/``a3`` fractions with max(p/g, g/p) < 1.25^k.
    """
    pred, gt = pred.reshape(-1), gt.reshape(-1)
    valid = np.isfinite(gt) & (gt > min_depth)
    if max_depth is not None:
        valid &= gt < max_depth
    if not valid.any():
        return None
    g = gt[valid]
    p = np.clip(np.nan_to_num(pred[valid], nan=min_depth), min_depth,
                max_depth if max_depth is not None else np.inf)
    ratio = np.maximum(p / g, g / p)
    return dict(
        abs_rel=float(np.mean(np.abs(p - g) / g)),
        sq_rel=float(np.mean((p - g)**2 / g)),
        rmse=float(np.sqrt(np.mean((p - g)**2))),
        rmse_log=float(np.sqrt(np.mean((np.log(p) - np.log(g))**2))),
        a1=float(np.mean(ratio < 1.25)),
        a2=float(np.mean(ratio < 1.25**2)),
        a3=float(np.mean(ratio < 1.25**3)))


@METRICS.register_module()
class DepthMetric(BaseMetric):
    """Abs Rel, Sq Rel, RMSE, RMSE log and δ < 1.25^k (k = 1, 2, 3), computed per image over
    its valid ground-truth pixels and averaged over the images (as in AT/DT's evaluation).

    Reads ``pred_depth`` and ``gt_depth`` (metres, (1, H, W) or (H, W); 0 / NaN = invalid)
    from each data sample; the values may be tensors/arrays or mmseg ``PixelData`` (also
    as the ``{'data': ...}`` dict the evaluator makes of it), so with
    ``pred_key='pred_depth_map', gt_key='gt_depth_map'`` it evaluates mmseg depth
    predictions (``DepthEstimator``, AT/DT). δ values are reported in percent.

    Args:
        min_depth (float): ground truth at or below is invalid. Defaults to 1e-3.
        max_depth (float, optional): ground truth at or above is invalid; predictions are
            clamped to [min_depth, max_depth].
        pred_key / gt_key (str): data-sample fields. Defaults ``pred_depth``/``gt_depth``.
        pred_scale (float): predictions are multiplied by it first (AT/DT's ``f_ratio`` =
            focal(test set) / focal(training set) for cross-camera depth). Defaults to 1.
        prefix (str): metric name prefix. Defaults to ``'depth'``.
    """
    default_prefix = 'depth'

    def __init__(self, min_depth: float = 1e-3, max_depth: Optional[float] = None,
                 pred_key: str = 'pred_depth', gt_key: str = 'gt_depth',
                 collect_device: str = 'cpu', prefix: Optional[str] = None,
                 pred_scale: float = 1.0) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.min_depth, self.max_depth = min_depth, max_depth
        self.pred_key, self.gt_key = pred_key, gt_key
        self.pred_scale = float(pred_scale)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if self.pred_key not in sample or self.gt_key not in sample:
                raise KeyError(f'DepthMetric needs {self.pred_key!r} and {self.gt_key!r} in '
                               f'each data sample, got {sorted(sample)}')
            errs = depth_errors(_to_numpy(sample[self.pred_key]) * self.pred_scale,
                                _to_numpy(sample[self.gt_key]), self.min_depth,
                                self.max_depth)
            if errs is not None:
                self.results.append(errs)

    def compute_metrics(self, results: List[Dict[str, float]]) -> Dict[str, float]:
        if not results:
            raise ValueError('DepthMetric: no image had valid ground-truth depth')
        out = {k: float(np.mean([r[k] for r in results])) for k in results[0]}
        for k in ('a1', 'a2', 'a3'):
            out[k] *= 100
        return out
