# Copyright (c) synthssl contributors.
"""Depth, normal and contour metrics against hand-computed values."""
import math

import numpy as np
import pytest
import torch

from synthssl.evaluation import ContourMetric, DepthMetric, NormalMetric


def run(metric, samples):
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def test_depth_metric_by_hand():
    gt = torch.tensor([[[1., 2.], [4., 0.]]])  # last pixel invalid
    pred = torch.tensor([[[1., 3.], [2., 9.]]])
    m = run(DepthMetric(), [dict(pred_depth=pred, gt_depth=gt)])
    assert m['abs_rel'] == pytest.approx((0 + 0.5 + 0.5) / 3)
    assert m['sq_rel'] == pytest.approx((0 + 1 / 2 + 4 / 4) / 3)
    assert m['rmse'] == pytest.approx(math.sqrt((0 + 1 + 4) / 3))
    assert m['rmse_log'] == pytest.approx(
        math.sqrt((0 + math.log(1.5)**2 + math.log(2)**2) / 3))
    # ratios 1, 1.5, 2: a1 counts 1 of 3, a2 (1.5625) 2 of 3, a3 (1.953) 2 of 3
    assert (m['a1'], m['a2'], m['a3']) == pytest.approx((100 / 3, 200 / 3, 200 / 3))


def test_depth_metric_averages_per_image_and_needs_valid_pixels():
    samples = [dict(pred_depth=torch.full((1, 2, 2), 2.), gt_depth=torch.ones(1, 2, 2)),
               dict(pred_depth=torch.ones(1, 2, 2), gt_depth=torch.ones(1, 2, 2)),
               dict(pred_depth=torch.ones(1, 2, 2), gt_depth=torch.zeros(1, 2, 2))]
    assert run(DepthMetric(), samples)['abs_rel'] == pytest.approx(0.5)
    with pytest.raises(ValueError, match='no image'):
        run(DepthMetric(), samples[2:])


def test_normal_metric_by_hand():
    gt = torch.zeros(3, 1, 4)
    gt[2] = 1.  # all pointing at +z ...
    gt[:, 0, 3] = 0.  # ... but the last pixel is invalid
    angles = [0., 20., 45.]
    pred = torch.zeros(3, 1, 4)
    for i, a in enumerate(angles):
        pred[0, 0, i] = math.sin(math.radians(a)) * 3  # any length
        pred[2, 0, i] = math.cos(math.radians(a)) * 3
    pred[:, 0, 3] = torch.tensor([1., 0., 0.])
    m = run(NormalMetric(), [dict(pred_normal=pred, gt_normal=gt)])
    assert m['mean'] == pytest.approx(np.mean(angles), abs=1e-3)
    assert m['median'] == pytest.approx(20., abs=0.01)
    assert m['rmse'] == pytest.approx(math.sqrt(np.mean(np.square(angles))), abs=1e-3)
    assert m['within_11.25'] == pytest.approx(100 / 3)
    assert m['within_22.5'] == pytest.approx(200 / 3)
    assert m['within_30'] == pytest.approx(200 / 3)


def test_contour_metric_perfect_shifted_and_empty():
    gt = np.zeros((40, 40), np.float32)
    gt[10, 5:35] = 1
    perfect = run(ContourMetric(), [dict(pred_contour=torch.tensor(gt),
                                         gt_contour=torch.tensor(gt))])
    assert perfect['ods_f'] == pytest.approx(1.0) and perfect['ap'] > 0.99
    # One pixel off: inside the tolerance (0.0075 * 56.6 px = 0.42 px)? No -> F = 0.
    shifted = np.roll(gt, 1, axis=0)
    m = run(ContourMetric(), [dict(pred_contour=torch.tensor(shifted),
                                   gt_contour=torch.tensor(gt))])
    assert m['ods_f'] == pytest.approx(0.0)
    m = run(ContourMetric(tolerance=0.03), [dict(pred_contour=torch.tensor(shifted),
                                                 gt_contour=torch.tensor(gt))])
    assert m['ods_f'] == pytest.approx(1.0)
    # Half the contour found, nothing else predicted: P = 1, R = 0.5, F = 2/3.
    half = gt.copy()
    half[10, 20:] = 0
    m = run(ContourMetric(), [dict(pred_contour=torch.tensor(half), gt_contour=torch.tensor(gt))])
    assert m['ods_f'] == pytest.approx(2 * 0.5 / 1.5)
    with pytest.raises(ValueError, match='no contour'):
        run(ContourMetric(), [dict(pred_contour=torch.tensor(gt),
                                   gt_contour=torch.zeros(40, 40))])
