# Copyright (c) synthssl contributors.
"""Properties of the depth, normal and contour metrics that the hand-computed cases in
test_pretext_metrics.py leave open (found by mutation testing,
tools/quality/mutation_test.py): the input forms the docstrings accept, the strictness of
each documented threshold, the defaults, the mmengine plumbing and the error messages.
Expected values are computed here."""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from synthssl.evaluation import ContourMetric, DepthMetric, NormalMetric
from synthssl.evaluation.metrics.depth_metric import depth_errors

from helpers import np_depth_errors


def run(metric, samples):
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


@pytest.mark.parametrize('cls, prefix', [(DepthMetric, 'depth'), (NormalMetric, 'normal'),
                                         (ContourMetric, 'contour')])
def test_collect_device_and_prefix_reach_mmengine(cls, prefix):
    """Defaults: results collected on the CPU, keys prefixed with the metric's name; both
    are configurable (mmengine's BaseMetric does the collecting and prefixing)."""
    m = cls()
    assert (m.collect_device, m.prefix) == ('cpu', prefix)
    m = cls(collect_device='gpu', prefix='kitti')
    assert (m.collect_device, m.prefix) == ('gpu', 'kitti')


# ------------------------------------------------------------------ DepthMetric


class TestDepthMetricProperties:

    def test_pixel_data_and_its_dict_form_are_read(self):
        """mmseg samples hold PixelData, which the evaluator turns into {'data': tensor}."""
        pred = torch.tensor([[[1., 3.], [2., 5.]]])
        gt = torch.tensor([[[1., 2.], [4., 5.]]])
        expected = run(DepthMetric(), [dict(pred_depth=pred, gt_depth=gt)])
        for wrap in (lambda t: PixelData(data=t), lambda t: dict(data=t)):
            m = run(DepthMetric(), [dict(pred_depth=wrap(pred), gt_depth=wrap(gt))])
            assert m == pytest.approx(expected, rel=1e-12)

    def test_float32_arrays_are_evaluated_in_float64(self):
        """Errors are computed in double precision whatever the input dtype."""
        pred = np.array([[1.1, 2.7], [0.35, 9.9]], np.float32)
        gt = np.array([[3.3, 2.2], [0.4, 7.7]], np.float32)
        m = run(DepthMetric(), [dict(pred_depth=pred, gt_depth=gt)])
        expected = np_depth_errors(pred.astype(np.float64).ravel(), gt.astype(np.float64).ravel())
        for k, v in expected.items():
            assert m[k] == pytest.approx(v, rel=1e-13, abs=1e-13), k

    def test_default_min_depth_is_one_millimetre(self):
        """Ground truth above 1e-3 m counts (0.5 m here), at or below it does not."""
        e = depth_errors(np.array([1.0, 0.7, 5.0]), np.array([0.5, 0.001, 0.0005]))
        assert e['abs_rel'] == pytest.approx(1.0)  # only |1 - 0.5| / 0.5

    def test_ground_truth_at_min_depth_is_invalid(self):
        """'ground truth at or below [min_depth] is invalid'."""
        gt = torch.tensor([[[0.5, 2.0]]])
        pred = torch.tensor([[[0.9, 3.0]]])
        m = run(DepthMetric(min_depth=0.5), [dict(pred_depth=pred, gt_depth=gt)])
        assert m['abs_rel'] == pytest.approx(0.5)

    def test_delta_thresholds_are_strict(self):
        """δ_k counts max(p/g, g/p) < 1.25^k: ratios of exactly 1.25² and 1.25³ are not
        within δ2 and δ3 respectively."""
        gt = torch.ones(1, 1, 4, dtype=torch.float64)
        pred = torch.tensor([[[1., 1.25, 1.25**2, 1.25**3]]], dtype=torch.float64)
        m = run(DepthMetric(), [dict(pred_depth=pred, gt_depth=gt)])
        assert (m['a1'], m['a2'], m['a3']) == pytest.approx((25., 50., 75.))

    @pytest.mark.parametrize('missing', ['pred_depth', 'gt_depth'])
    def test_each_missing_key_is_named(self, missing):
        sample = dict(pred_depth=torch.ones(1, 2, 2), gt_depth=torch.ones(1, 2, 2), img_id=3)
        del sample[missing]
        with pytest.raises(KeyError, match=r"'pred_depth' and 'gt_depth'.*got \["):
            DepthMetric().process(None, [sample])

    def test_no_valid_image_message(self):
        with pytest.raises(ValueError, match=r'^DepthMetric: no image had valid ground-truth'):
            run(DepthMetric(), [dict(pred_depth=torch.ones(1, 2, 2),
                                     gt_depth=torch.zeros(1, 2, 2))])


# ------------------------------------------------------------------ NormalMetric
def normal_sample(pred, gt):
    """(3, k) vectors -> a (3, 1, k) sample."""
    return dict(pred_normal=np.asarray(pred, np.float64)[:, None],
                gt_normal=np.asarray(gt, np.float64)[:, None])


class TestNormalMetricProperties:

    def test_parallel_and_opposite_vectors_give_0_and_180_degrees(self):
        """Rounding puts the cosine of equal unit vectors just above 1 (and of opposite ones
        just below -1); the errors are 0° and 180°, not NaN. A second image (one 90° error)
        has no 180° error: the histograms of both still add up. Thresholds count errors
        strictly below them."""
        v = np.ones(3)
        z, x = np.array([0., 0., 1.]), np.array([1., 0., 0.])
        samples = [normal_sample(np.stack([v, v], 1), np.stack([v, -v], 1)),
                   normal_sample(x[:, None], z[:, None])]
        m = run(NormalMetric(thresholds=(11.25, 90.)), samples)
        errors = np.array([0., 180., 90.])
        assert m['mean'] == pytest.approx(90., abs=1e-6)
        assert m['rmse'] == pytest.approx(math.sqrt(np.mean(errors**2)), abs=1e-6)
        assert abs(m['median'] - 90.) <= 0.005 + 1e-9
        assert m['within_11.25'] == pytest.approx(100 / 3)
        assert m['within_90'] == pytest.approx(100 / 3)  # 90° itself is not within 90°

    def test_any_length_of_prediction_and_ground_truth(self):
        """Both are normalised: a 0.5-long prediction and a 3-long ground truth 60° apart."""
        a = math.radians(60.)
        pred = [[0.5 * math.sin(a)], [0.], [0.5 * math.cos(a)]]
        gt = [[0.], [0.], [3.]]
        m = run(NormalMetric(), [normal_sample(pred, gt)])
        assert m['mean'] == pytest.approx(60., abs=1e-6)

    def test_non_finite_ground_truth_pixel_is_ignored(self):
        pred = np.array([[0., 1.], [0., 0.], [1., 0.]])
        gt = np.array([[0., np.nan], [0., 0.], [1., 1.]])
        m = run(NormalMetric(), [normal_sample(pred, gt)])
        assert m['mean'] == pytest.approx(0., abs=1e-6) and m['within_11.25'] == 100.

    def test_a_single_valid_pixel_is_enough(self):
        m = run(NormalMetric(), [normal_sample([[1.], [0.], [0.]], [[0.], [1.], [0.]])])
        assert m['mean'] == pytest.approx(90., abs=1e-6)

    def test_predictions_still_attached_to_the_graph_are_accepted(self):
        pred = torch.tensor([[[1.]], [[0.]], [[0.]]], requires_grad=True)
        gt = torch.tensor([[[1.]], [[0.]], [[0.]]])
        m = run(NormalMetric(), [dict(pred_normal=pred * 2, gt_normal=gt)])
        assert m['mean'] == pytest.approx(0., abs=1e-6)

    @pytest.mark.parametrize('missing', ['pred_normal', 'gt_normal'])
    def test_each_missing_key_is_named(self, missing):
        sample = dict(pred_normal=torch.ones(3, 2, 2), gt_normal=torch.ones(3, 2, 2))
        del sample[missing]
        with pytest.raises(KeyError, match=r"NormalMetric needs 'pred_normal' and 'gt_normal'"):
            NormalMetric().process(None, [sample])

    def test_no_valid_normal_message(self):
        with pytest.raises(ValueError,
                           match=r'^NormalMetric: no valid ground-truth normal in the dataset$'):
            run(NormalMetric(), [normal_sample(np.ones((3, 2)), np.zeros((3, 2)))])


# ------------------------------------------------------------------ ContourMetric
def line_gt(size=40):
    gt = np.zeros((size, size), np.float32)
    gt[10, 5:35] = 1
    return gt


class TestContourMetricProperties:

    def test_tensor_shapes_arrays_and_attached_predictions(self):
        """(1, H, W) tensors (the model's output), (H, W) arrays, and predictions still
        attached to the graph all give the same result."""
        gt = line_gt()
        pred = gt * 0.8
        pred[30, 3:8] = 0.6  # false positives
        expected = run(ContourMetric(), [dict(pred_contour=torch.tensor(pred),
                                              gt_contour=torch.tensor(gt))])
        assert expected['ods_f'] == pytest.approx(1.0)
        forms = [dict(pred_contour=torch.tensor(pred)[None], gt_contour=torch.tensor(gt)[None]),
                 dict(pred_contour=pred, gt_contour=gt),
                 dict(pred_contour=torch.tensor(pred).requires_grad_() * 1,
                      gt_contour=torch.tensor(gt))]
        for sample in forms:
            assert run(ContourMetric(), [sample]) == pytest.approx(expected)

    def test_ground_truth_is_binarised_at_one_half(self):
        """As in the contour loss, a ground-truth value >= 0.5 is a contour pixel."""
        gt = line_gt() * 0.5
        m = run(ContourMetric(), [dict(pred_contour=line_gt(), gt_contour=gt)])
        assert m['ods_f'] == pytest.approx(1.0)

    def test_prediction_at_a_threshold_is_a_contour(self):
        """Predicted contours are pred >= t: with the single threshold 0.5, a contour scored
        exactly 0.5 is found."""
        m = run(ContourMetric(num_thresholds=1),
                [dict(pred_contour=line_gt() * 0.5, gt_contour=line_gt())])
        assert (m['ods_f'], m['ods_threshold']) == pytest.approx((1.0, 0.5))

    def test_zero_tolerance_keeps_exact_hits(self):
        """The tolerance is inclusive: with 0 px, pixels on the contour itself match."""
        m = run(ContourMetric(tolerance=0.), [dict(pred_contour=line_gt(),
                                                   gt_contour=line_gt())])
        assert m['ods_f'] == pytest.approx(1.0)

    def test_default_thresholds_are_k_over_34(self):
        """33 thresholds evenly spaced in (0, 1), k/34: a contour scored 0.03 is only found
        at the lowest one (1/34 = 0.029), one scored 0.98 against false positives at 0.95
        only at the highest (33/34 = 0.971); ods_threshold is where F is best."""
        gt = line_gt()
        m = run(ContourMetric(), [dict(pred_contour=gt * 0.03, gt_contour=gt)])
        assert (m['ods_f'], m['ods_threshold']) == pytest.approx((1.0, 1 / 34))
        pred = gt * 0.98
        pred[30, 5:35] = 0.95
        m = run(ContourMetric(), [dict(pred_contour=pred, gt_contour=gt)])
        assert (m['ods_f'], m['ods_threshold']) == pytest.approx((1.0, 33 / 34))

    def test_f_measure_of_a_poor_detector(self):
        """F = 2PR / (P + R) also when P + R < 1: one of four contour pixels found, with
        three false positives (P = R = 1/4)."""
        gt = np.zeros((40, 40), np.float32)
        gt[10, [5, 15, 25, 35]] = 1
        pred = np.zeros((40, 40), np.float32)
        pred[10, 5] = 0.9
        pred[30, [5, 15, 25]] = 0.9
        m = run(ContourMetric(), [dict(pred_contour=pred, gt_contour=gt)])
        assert m['ods_f'] == pytest.approx(0.25)

    def test_no_contour_message(self):
        with pytest.raises(ValueError,
                           match=r'^ContourMetric: the ground truth has no contour pixel$'):
            run(ContourMetric(), [dict(pred_contour=line_gt(),
                                       gt_contour=np.zeros((40, 40), np.float32))])
