# Copyright (c) synthssl contributors.
"""DepthMetric on mmseg samples (pred_depth_map/gt_depth_map) against hand computations."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def test_depth_metric_on_mmseg_samples():
    from mmseg.structures import SegDataSample
    gts = [np.array([[1.0, 2.0], [4.0, 0.0]]), np.array([[10.0, 5.0], [30.0, 2.0]])]
    preds = [np.array([[1.5, 2.0], [2.0, 7.0]]), np.array([[12.0, 5.0], [1.0, 0.0]])]
    samples = []
    for p, g in zip(preds, gts):
        s = SegDataSample()
        s.pred_depth_map = PixelData(data=torch.tensor(p[None], dtype=torch.float32))
        s.gt_depth_map = PixelData(data=torch.tensor(g[None], dtype=torch.float32))
        samples.append(s)
    ev = Evaluator(dict(type='synthssl.DepthMetric', pred_key='pred_depth_map',
                        gt_key='gt_depth_map', max_depth=20.))
    ev.process(samples, dict(inputs=None, data_samples=samples))
    res = ev.evaluate(2)
    # image 1: valid gt 1, 2, 4 (0 invalid); preds 1.5, 2, 2
    # image 2: valid gt 10, 5, 2 (30 >= max); preds 12, 5, 0 -> clamped to 1e-3
    p1, g1 = np.array([1.5, 2.0, 2.0]), np.array([1.0, 2.0, 4.0])
    p2, g2 = np.array([12.0, 5.0, 1e-3]), np.array([10.0, 5.0, 2.0])
    abs_rel = np.mean([np.mean(np.abs(p - g) / g) for p, g in ((p1, g1), (p2, g2))])
    rmse = np.mean([np.sqrt(np.mean((p - g)**2)) for p, g in ((p1, g1), (p2, g2))])
    a1 = np.mean([np.mean(np.maximum(p / g, g / p) < 1.25) for p, g in ((p1, g1), (p2, g2))])
    assert res['depth/abs_rel'] == pytest.approx(abs_rel)
    assert res['depth/rmse'] == pytest.approx(rmse)
    assert res['depth/a1'] == pytest.approx(100 * a1)
    assert res['depth/abs_rel'] == pytest.approx(((0.5 + 0 + 0.5) / 3 + (0.2 + 0 + 0.9995) / 3) / 2)
