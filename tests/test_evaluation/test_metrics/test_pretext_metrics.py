# Copyright (c) synthssl contributors.
"""Depth, normal and contour metrics against hand-computed values."""
import math

import numpy as np
import pytest
import torch

from synthssl.evaluation import ContourMetric, DepthMetric, NormalMetric

from helpers import np_depth_errors


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




def assert_depth_metrics(m, per_image):
    """``m`` is the per-image mean of the hand-computed errors."""
    for k in ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'a1', 'a2', 'a3'):
        assert m[k] == pytest.approx(np.mean([e[k] for e in per_image]), rel=1e-6), k


def test_depth_metric_max_depth_masks_gt_and_clamps_predictions():
    """With ``max_depth`` (AT/DT: 100 m; the render pair 10 m), ground truth at or above it
    is invalid and predictions are clamped to [min_depth, max_depth] (the released
    evaluation: GT in (0.001, 100), prediction clamped to [0.001, 100])."""
    gt = torch.tensor([[[2., 5., 10.], [12., 0., 4.]]])  # 10 and 12: too far, 0: no depth
    pred = torch.tensor([[[30., 4., 3.], [7., 9., 0.]]])  # 30 -> 10, 0 -> 1e-3
    m = run(DepthMetric(max_depth=10.), [dict(pred_depth=pred, gt_depth=gt)])
    assert_depth_metrics(m, [np_depth_errors([10., 4., 1e-3], [2., 5., 4.])])
    # a second image with other valid pixels: the mean is per image
    gt2 = torch.tensor([[[3., 20.]]])
    pred2 = torch.tensor([[[11., 1.]]])
    m = run(DepthMetric(max_depth=10.), [dict(pred_depth=pred, gt_depth=gt),
                                         dict(pred_depth=pred2, gt_depth=gt2)])
    assert_depth_metrics(m, [np_depth_errors([10., 4., 1e-3], [2., 5., 4.]),
                             np_depth_errors([10.], [3.])])
    # without max_depth nothing is clamped above and every positive gt counts
    m = run(DepthMetric(), [dict(pred_depth=pred, gt_depth=gt)])
    assert_depth_metrics(m, [np_depth_errors([30., 4., 3., 7., 1e-3],
                                             [2., 5., 10., 12., 4.])])


def test_depth_metric_pred_scale_multiplies_before_clamping():
    """``pred_scale`` (AT/DT's focal ratio f_target / f_source) multiplies the prediction
    before it is clamped to max_depth and compared."""
    gt = torch.tensor([[[2., 4., 8.], [6., 0., 3.]]])
    pred = torch.tensor([[[1., 3., 6.], [2., 5., 1.]]])
    m = run(DepthMetric(pred_scale=2.), [dict(pred_depth=pred, gt_depth=gt)])
    assert_depth_metrics(m, [np_depth_errors([2., 6., 12., 4., 2.], [2., 4., 8., 6., 3.])])
    # scaled first, then clamped: 6 * 2 = 12 -> 10, not min(6, 10) * 2 = 12
    m = run(DepthMetric(max_depth=10., pred_scale=2.), [dict(pred_depth=pred, gt_depth=gt)])
    assert_depth_metrics(m, [np_depth_errors([2., 6., 10., 4., 2.], [2., 4., 8., 6., 3.])])
    # a fractional scale, as in the configs (2262.52 / 859.238)
    s = 2262.52 / 859.238
    m = run(DepthMetric(max_depth=10., pred_scale=s), [dict(pred_depth=pred, gt_depth=gt)])
    assert_depth_metrics(m, [np_depth_errors(np.minimum([s, 3 * s, 6 * s, 2 * s, s], 10.),
                                             [2., 4., 8., 6., 3.])])


#: four ground-truth contour pixels on a 40x40 map (tolerance < 1 px: only exact hits count)
GT_HITS = [(10, 5), (10, 15), (10, 25), (10, 35)]


def contour_case(scores):
    """ContourMetric on the :data:`GT_HITS` ground truth and a prediction that is 0 except
    at the given ``{(row, col): score}`` pixels."""
    gt = np.zeros((40, 40), np.float32)
    for r, c in GT_HITS:
        gt[r, c] = 1
    pred = np.zeros((40, 40), np.float32)
    for rc, score in scores.items():
        pred[rc] = score
    return run(ContourMetric(), [dict(pred_contour=torch.tensor(pred),
                                      gt_contour=torch.tensor(gt))])


def test_contour_metric_ap_is_precision_at_each_recall_step():
    """AP = Σ_k (R_k - R_{k-1}) · P_k over the operating points in increasing recall (the
    precision reached at each recall step, as in BSDS/VOC AP without interpolation; the
    point (R 0, P 1) starts the curve). Three operating points, 40x40 (tolerance < 1 px,
    so only exact hits count): four gt contour pixels; the prediction scores one of them
    0.9, a second 0.7 together with a false positive, a third 0.45, the fourth 0."""
    m = contour_case({GT_HITS[0]: 0.9, GT_HITS[1]: 0.7, (30, 20): 0.7,  # (30, 20): false pos.
                      GT_HITS[2]: 0.45})
    # thresholds k/34: (0.7, 0.9] -> {hit0}: R 1/4, P 1; (0.45, 0.7] -> + hit1, FP:
    # R 2/4, P 2/3; (0, 0.45] -> + hit2: R 3/4, P 3/4
    recall = [0., 0.25, 0.5, 0.75]
    precision = [1., 1., 2 / 3, 3 / 4]
    expected = sum((recall[k] - recall[k - 1]) * precision[k] for k in range(1, 4))
    assert m['ap'] == pytest.approx(expected, rel=1e-9)
    f = [2 * p * r / (p + r) for p, r in zip(precision[1:], recall[1:])]
    assert m['ods_f'] == pytest.approx(max(f))


def test_contour_metric_ap_takes_the_highest_threshold_among_equal_recalls():
    """Thresholds that reach the same recall with different precision: the recall step is
    credited with the highest such threshold's precision (non-interpolated AP, as sklearn and
    VOC compute it), independent of how a sort orders ties. Four gt pixels; one hit at 0.9,
    a false positive at 0.7, a second hit at 0.45: (0.7, 0.9] -> R 1/4, P 1;
    (0.45, 0.7] -> R 1/4, P 1/2 (same recall); (0, 0.45] -> R 2/4, P 2/3."""
    m = contour_case({GT_HITS[0]: 0.9, (30, 20): 0.7, GT_HITS[1]: 0.45})  # (30, 20): false pos.
    assert m['ap'] == pytest.approx(0.25 * 1 + 0.25 * 2 / 3, rel=1e-9)


def test_normal_metric_median_is_the_bin_centre():
    """The median comes from a 0.01° histogram; the bin's centre is within half a bin
    (0.005°) of the exact median wherever it lies in the bin. Here the exact median of the
    pooled angles (two images) is 20.0075°, 0.0075° above its bin's lower edge."""
    def normals(angles):
        a = np.radians(np.asarray(angles, np.float64))
        pred = np.stack([np.sin(a), np.zeros_like(a), np.cos(a)])[:, None]  # (3, 1, k)
        gt = np.zeros_like(pred)
        gt[2] = 1.
        return dict(pred_normal=pred, gt_normal=gt)

    angles = ([10., 20.0075, 45.], [5., 30.])
    m = run(NormalMetric(), [normals(a) for a in angles])
    exact = float(np.median(np.concatenate(angles)))
    assert exact == pytest.approx(20.0075)
    assert abs(m['median'] - exact) <= 0.005 + 1e-9
    assert m['mean'] == pytest.approx(np.mean(np.concatenate(angles)), abs=1e-6)


@pytest.mark.parametrize('shift, tol_px, match', [((0, 1), 0.96, False), ((1, 1), 1.39, False),
                                                  ((1, 2), 2.3, True), ((0, 1), 1.0, True)])
def test_contour_metric_tolerance_is_the_euclidean_distance(shift, tol_px, match):
    """A predicted contour pixel matches a ground-truth one when their Euclidean distance is
    within the tolerance (BSDS), whatever the direction: 1 px along an axis, sqrt(2) px
    diagonally, sqrt(5) px for a (1, 2) step."""
    size = 40
    gt = np.zeros((size, size), np.float32)
    gt[20, 20] = 1
    pred = np.zeros((size, size), np.float32)
    pred[20 + shift[0], 20 + shift[1]] = 1
    m = run(ContourMetric(tolerance=tol_px / math.hypot(size, size)),
            [dict(pred_contour=torch.tensor(pred), gt_contour=torch.tensor(gt))])
    assert m['ods_f'] == pytest.approx(1.0 if match else 0.0)
