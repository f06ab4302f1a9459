# Copyright (c) synthssl contributors.
"""Properties of the losses that the formula tests in test_pretext_losses.py leave open
(found by mutation testing, tools/quality/mutation_test.py): input shapes and dtypes the
docstrings accept, the edge cases of the per-image means (one valid pixel, none at all),
the documented defaults, and the argument checks. Expected values are computed here."""
import math

import numpy as np
import pytest
import torch

from synthssl.models.losses import (ClassBalancedBCELoss, InfoNCELoss, MaskedL1DepthLoss,
                                    NormalDotLoss, ScaleInvariantDepthLoss)
from synthssl.models.losses.utils import combine_masks

LN2 = math.log(2)


def softplus(x):
    return np.log1p(np.exp(x))


def hed_image(logits, target, valid):
    """HED's class-balanced BCE of one image (β = non-edge fraction of its valid pixels,
    targets >= 0.5 count as edges, soft targets interpolate the weights)."""
    x, t = logits[valid], target[valid]
    beta = 1 - (t >= 0.5).sum() / t.size
    bce = t * softplus(-x) + (1 - t) * softplus(x)
    return ((beta * t + (1 - beta) * (1 - t)) * bce).mean()


# ------------------------------------------------------------------ ClassBalancedBCELoss
class TestClassBalancedBCEProperties:

    def test_unknown_variant_is_named(self):
        with pytest.raises(ValueError, match=r"variant must be 'paper' or 'released'.*'hed'"):
            ClassBalancedBCELoss(variant='hed')

    def test_n_h_w_input_equals_n_1_h_w(self):
        """The docstring accepts (N, 1, H, W) or (N, H, W) logits/targets."""
        g = torch.Generator().manual_seed(0)
        logits = torch.randn(2, 3, 4, generator=g)
        target = (torch.rand(2, 3, 4, generator=g) > 0.7).float()
        expected = np.mean([hed_image(logits[i].numpy(), target[i].numpy(),
                                      np.ones((3, 4), bool)) for i in range(2)])
        assert ClassBalancedBCELoss()(logits, target).item() == pytest.approx(expected, rel=1e-5)
        assert ClassBalancedBCELoss()(logits[:, None], target[:, None]).item() == \
            pytest.approx(expected, rel=1e-5)

    def test_integer_edge_map_gives_the_float_loss(self):
        """A {0, 1} uint8 contour map (as decoded from a PNG) is a valid target."""
        logits = torch.tensor([[[[1.5, -0.5], [0.3, -2.0]]]])
        target = torch.tensor([[[[1, 0], [0, 1]]]], dtype=torch.uint8)
        expected = ClassBalancedBCELoss()(logits, target.float()).item()
        assert ClassBalancedBCELoss()(logits, target).item() == pytest.approx(expected)

    def test_soft_target_of_one_half_counts_as_an_edge(self):
        """'soft targets count as edges where >= 0.5': one pixel at 0.5 of four makes
        β = 3/4; its weight is β/2 + (1 - β)/2 = 1/2, the three 0-pixels weigh 1/4. With
        zero logits every BCE is ln 2."""
        logits = torch.zeros(1, 1, 2, 2)
        target = torch.tensor([[[[0.5, 0.], [0., 0.]]]])
        expected = (0.5 * LN2 + 3 * 0.25 * LN2) / 4
        assert ClassBalancedBCELoss()(logits, target).item() == pytest.approx(expected, rel=1e-6)

    def test_image_with_a_single_valid_pixel(self):
        """β = |E-|/|E| also for an image with one valid pixel, an edge: β = 0, so that
        image's loss is 0 and the batch mean is half the other image's."""
        logits = np.array([[[0.8, -0.3], [1.1, 0.2]], [[-0.4, 0.9], [0.6, -1.2]]])
        target = np.array([[[1., 0.], [0., 0.]], [[1., 0.], [1., 0.]]])
        valid = np.ones((2, 2, 2), bool)
        valid[0] = [[True, False], [False, False]]
        expected = np.mean([hed_image(logits[i], target[i], valid[i]) for i in range(2)])
        assert hed_image(logits[0], target[0], valid[0]) == 0
        loss = ClassBalancedBCELoss()(torch.tensor(logits, dtype=torch.float32),
                                      torch.tensor(target, dtype=torch.float32),
                                      torch.tensor(valid))
        assert loss.item() == pytest.approx(expected, rel=1e-5)

    def test_released_weight_is_per_image(self):
        """Released variant: BCE of every valid pixel times the image's own
        (n_pixels - n_edge) / n_edge, mean per image, then over the batch: 2 edges of 6
        (w = 2) and 1 edge of 6 (w = 5)."""
        logits = np.array([[[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]],
                           [[-2.0, 0.3, 0.7], [1.0, -0.2, 0.4]]])
        target = np.array([[[1., 0., 1.], [0., 0., 0.]], [[0., 0., 0.], [0., 1., 0.]]])
        bce = target * softplus(-logits) + (1 - target) * softplus(logits)
        expected = (2 * bce[0].mean() + 5 * bce[1].mean()) / 2
        loss = ClassBalancedBCELoss(variant='released')(
            torch.tensor(logits, dtype=torch.float32)[:, None],
            torch.tensor(target, dtype=torch.float32)[:, None])
        assert loss.item() == pytest.approx(expected, rel=1e-5)

    def test_image_without_valid_pixels_does_not_count(self):
        """The batch mean is over the images with valid pixels: an all-masked image changes
        nothing."""
        g = torch.Generator().manual_seed(1)
        logits = torch.randn(2, 1, 3, 3, generator=g)
        target = (torch.rand(2, 1, 3, 3, generator=g) > 0.6).float()
        target[0, 0, 0, 0] = 1
        valid = torch.ones(2, 1, 3, 3, dtype=torch.bool)
        valid[1] = False
        alone = ClassBalancedBCELoss()(logits[:1], target[:1]).item()
        assert ClassBalancedBCELoss()(logits, target, valid).item() == pytest.approx(alone)

    @pytest.mark.parametrize('variant', ['paper', 'released'])
    def test_no_valid_pixel_gives_zero_with_a_zero_gradient(self, variant):
        logits = torch.tensor([[[[2., -1.], [0.5, 3.]]]], requires_grad=True)
        target = torch.tensor([[[[1., 0.], [0., 1.]]]])
        loss = ClassBalancedBCELoss(variant=variant)(logits, target,
                                                     torch.zeros(1, 1, 2, 2, dtype=torch.bool))
        assert loss.item() == 0
        loss.backward()
        assert torch.equal(logits.grad, torch.zeros_like(logits))


def test_combine_masks_ands_the_masks_that_are_given():
    a = torch.tensor([True, True, False, True])
    b = torch.tensor([1, 0, 1, 1], dtype=torch.uint8)
    assert combine_masks(None, None) is None
    assert torch.equal(combine_masks(None, a, None, b), torch.tensor([True, False, False, True]))
    assert torch.equal(combine_masks(b, None), b.bool())


# ------------------------------------------------------------------ InfoNCELoss
def info_nce_by_hand(q, k, neg, tau):
    out = []
    for qi, ki in zip(q, k):
        pos = math.exp(float(np.dot(qi, ki)) / tau)
        negs = sum(math.exp(float(np.dot(qi, n)) / tau) for n in neg)
        out.append(-math.log(pos / (pos + negs)))
    return float(np.mean(out))


class TestInfoNCEProperties:

    def test_default_is_moco_temperature_and_unit_weight(self):
        """Defaults τ = 0.07, λ = 1; two queries (the mean over N), three negatives."""
        q = np.array([[0.6, 0.8], [1.0, 0.0]])
        k = np.array([[0.8, 0.6], [0.6, -0.8]])
        neg = np.array([[0.0, 1.0], [-1.0, 0.0], [0.28, 0.96]])
        expected = info_nce_by_hand(q, k, neg, 0.07)
        loss = InfoNCELoss()(*(torch.tensor(a, dtype=torch.float32) for a in (q, k, neg)))
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        loss = InfoNCELoss(temperature=0.2, loss_weight=0.5)(
            *(torch.tensor(a, dtype=torch.float32) for a in (q, k, neg)))
        assert loss.item() == pytest.approx(0.5 * info_nce_by_hand(q, k, neg, 0.2), rel=1e-5)

    @pytest.mark.parametrize('tau', [0., -0.1])
    def test_temperature_must_be_positive(self, tau):
        with pytest.raises(ValueError, match='temperature must be > 0'):
            InfoNCELoss(temperature=tau)

    @pytest.mark.parametrize('shapes', [((2, 4), (3, 4), (5, 4)),   # query vs key
                                        ((2, 4), (2, 4), (5, 4, 1)),  # negatives not 2-D
                                        ((2, 4), (2, 4), (5, 3))])   # feature sizes
    def test_each_shape_mismatch_is_named(self, shapes):
        q, k, n = (torch.zeros(s) for s in shapes)
        with pytest.raises(ValueError, match='do not fit'):
            InfoNCELoss()(q, k, n)


# ------------------------------------------------------------------ MaskedL1DepthLoss
class TestMaskedL1DepthProperties:

    def test_default_max_depth_is_100m(self):
        """Default d_max = 100 (AT/DT): GT 100 m counts, 100.5 m and 0 do not; the
        prediction is compared with GT / 100."""
        gt = torch.tensor([[[[50., 100., 100.5, 0.]]]])
        pred = torch.tensor([[[[0.4, 1.0, 0.3, 0.9]]]])
        assert MaskedL1DepthLoss()(pred, gt).item() == pytest.approx((0.1 + 0.) / 2, rel=1e-5)

    @pytest.mark.parametrize('max_depth', [0., -5.])
    def test_max_depth_must_be_positive(self, max_depth):
        with pytest.raises(ValueError, match='max_depth must be > 0'):
            MaskedL1DepthLoss(max_depth=max_depth)

    def test_any_positive_max_depth_works(self):
        """A max depth below 1 m: GT 0.25 m is valid (-> 0.5), 0.6 m is not."""
        loss = MaskedL1DepthLoss(max_depth=0.5)(torch.tensor([[[[0.4, 0.]]]]),
                                                torch.tensor([[[[0.25, 0.6]]]]))
        assert loss.item() == pytest.approx(0.1, rel=1e-5)

    def test_weights_give_a_weighted_mean_over_valid_pixels(self):
        """Σ w |p - y/100| / Σ w over the valid pixels; float64 weights and GT leave the
        loss in the prediction's dtype."""
        gt = torch.tensor([[[10., 20., 0., 30.]]], dtype=torch.float64)  # (N, H, W)
        pred = torch.tensor([[[[0.2, 0.2, 0.5, 0.1]]]])
        weight = torch.tensor([[[1., 3., 5., 0.5]]], dtype=torch.float64)
        expected = (1 * 0.1 + 3 * 0. + 0.5 * 0.2) / (1 + 3 + 0.5)
        loss = MaskedL1DepthLoss()(pred, gt, weight=weight)
        assert loss.dtype == torch.float32
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        assert MaskedL1DepthLoss()(pred, gt).dtype == torch.float32

    def test_a_single_valid_pixel_is_its_error(self):
        loss = MaskedL1DepthLoss(loss_weight=2.)(torch.tensor([[[[0.3, 0.7]]]]),
                                                 torch.tensor([[[[40., 0.]]]]))
        assert loss.item() == pytest.approx(2 * 0.1, rel=1e-5)


# ------------------------------------------------------------------ NormalDotLoss
class TestNormalDotProperties:

    def test_short_predictions_are_normalised_too(self):
        """Any length: predictions of length 0.5 and 1e-3 give the unit vectors' loss."""
        angles = np.radians([0., 60., 135.])
        pred = np.zeros((1, 3, 1, 3))
        pred[0, 0, 0] = np.sin(angles)
        pred[0, 2, 0] = np.cos(angles)
        pred[0, :, 0, 1] *= 0.5
        pred[0, :, 0, 2] *= 1e-3
        gt = np.zeros((1, 3, 1, 3))
        gt[0, 2] = 1.
        loss = NormalDotLoss()(torch.tensor(pred, dtype=torch.float32),
                               torch.tensor(gt, dtype=torch.float32))
        assert loss.item() == pytest.approx(-np.cos(angles).mean(), abs=1e-6)

    def test_non_finite_ground_truth_pixel_is_ignored(self):
        """A NaN/inf in one pixel's normal removes that pixel only."""
        pred = torch.tensor([[[[1., 0., 0.]], [[0., 1., 0.]], [[0., 0., 1.]]]])  # (1,3,1,3)
        gt = torch.tensor([[[[1., 0., float('nan')]], [[0., 0., 0.]], [[0., 1., 1.]]]])
        # pixel 0: dot 1; pixel 1: gt (0, 0, 1) vs pred (0, 1, 0): dot 0; pixel 2: NaN
        assert NormalDotLoss()(pred, gt).item() == pytest.approx(-0.5, abs=1e-6)

    def test_vanishing_prediction_has_a_bounded_gradient(self):
        """The prediction is normalised as p / max(|p|, 1e-6): a vanishing prediction is
        not blown up to unit length, so its gradient stays at most 1/1e-6 (here divided by
        the 4 pixels of the mean) instead of growing like 1/|p|."""
        pred = torch.full((1, 3, 2, 2), 1e-10, requires_grad=True)
        gt = torch.zeros(1, 3, 2, 2)
        gt[:, 2] = 1.
        NormalDotLoss()(pred, gt).backward()
        assert torch.isfinite(pred.grad).all()
        assert pred.grad.norm(dim=1).max().item() <= 1e6 / 4 * 1.001


# ------------------------------------------------------------------ ScaleInvariantDepthLoss
class TestScaleInvariantDepthProperties:

    def test_unknown_variant_is_named(self):
        with pytest.raises(ValueError, match=r"variant must be 'paper' or 'released'.*'eigen'"):
            ScaleInvariantDepthLoss(variant='eigen')

    def test_image_with_a_single_valid_pixel_counts(self):
        """Paper: an image with one valid pixel has 1/1 d² - λ/1 d² = (1 - λ) d² and counts
        in the mean over images like any other (the other image: 3 valid pixels)."""
        d = np.array([0.4, 0.1, -0.3, 0.2])
        gt = np.array([[[[2., 0., 0., 0.]]], [[[1., 3., 5., 0.]]]])
        pred = np.log(np.where(gt > 0, gt, 1.))
        pred[0, 0, 0, 0] += d[0]
        pred[1, 0, 0, :3] += d[1:]
        per_image = [(1 - 0.5) * d[0]**2,
                     np.mean(d[1:]**2) - 0.5 * np.sum(d[1:])**2 / 9]
        loss = ScaleInvariantDepthLoss()(torch.tensor(pred, dtype=torch.float32),
                                         torch.tensor(gt, dtype=torch.float32))
        assert loss.item() == pytest.approx(np.mean(per_image), rel=1e-5)

    def test_released_variant_with_a_single_valid_pixel(self):
        """Released: 0.5 (mean d² + 0.5 mean(d)²) over the batch's one valid pixel."""
        gt = torch.tensor([[[[0., 4.], [0., 0.]]]])
        pred = torch.log(torch.tensor([[[[1., 2.], [1., 1.]]]]))
        d = math.log(2.) - math.log(4.)
        loss = ScaleInvariantDepthLoss(variant='released')(pred, gt)
        assert loss.item() == pytest.approx(0.5 * (d**2 + 0.5 * d**2), rel=1e-5)

    @pytest.mark.parametrize('value', [0., 1.])
    def test_no_valid_pixel_gives_zero_with_a_zero_gradient(self, value):
        """Whatever the prediction (0 = log 1 m included)."""
        pred = torch.full((2, 1, 2, 2), value, requires_grad=True)
        loss = ScaleInvariantDepthLoss()(pred, torch.zeros(2, 1, 2, 2))
        assert loss.item() == 0
        loss.backward()
        assert torch.equal(pred.grad, torch.zeros_like(pred))
