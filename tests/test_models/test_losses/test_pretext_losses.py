# Copyright (c) synthssl contributors.
"""The three pretext losses against values computed by hand."""
import math

import numpy as np
import pytest
import torch

from synthssl.models.losses import (ClassBalancedBCELoss, NormalDotLoss,
                                    ScaleInvariantDepthLoss)

LN2 = math.log(2)


def sp(x):  # softplus = BCE-with-logits of a negative
    return math.log1p(math.exp(x))


class TestClassBalancedBCE:

    def test_hed_weights(self):
        # One 2x2 image, one edge pixel: beta = 3/4 for the edge, 1/4 for the rest.
        logits = torch.tensor([[[[2., -1.], [0., 1.]]]])
        target = torch.tensor([[[[1., 0.], [0., 0.]]]])
        expected = (0.75 * sp(-2) + 0.25 * (sp(-1) + sp(0) + sp(1))) / 4
        loss = ClassBalancedBCELoss()(logits, target)
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        assert ClassBalancedBCELoss(loss_weight=2.)(logits, target).item() == \
            pytest.approx(2 * expected, rel=1e-5)

    def test_invalid_pixels_are_ignored(self):
        logits = torch.zeros(1, 1, 2, 2)
        target = torch.tensor([[[[1., 0.], [0., 0.]]]])
        valid = torch.tensor([[[[True, True], [True, False]]]])
        # 3 valid pixels, 1 edge: beta = 2/3 -> (2/3 + 2 * 1/3) ln2 / 3
        expected = (2 / 3 + 2 / 3) * LN2 / 3
        loss = ClassBalancedBCELoss()(logits, target, valid)
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        logits2 = logits.clone()
        logits2[0, 0, 1, 1] = 50.  # changing an ignored pixel changes nothing
        assert ClassBalancedBCELoss()(logits2, target, valid).item() == pytest.approx(expected)

    def test_released_variant_is_a_per_image_scale(self):
        logits = torch.zeros(1, 1, 2, 2)
        target = torch.tensor([[[[1., 0.], [0., 0.]]]])
        # w = (4 - 1) / 1 = 3 multiplies every pixel's BCE (ln 2)
        assert ClassBalancedBCELoss(variant='released')(logits, target).item() == \
            pytest.approx(3 * LN2, rel=1e-5)

    def test_gradient_pushes_edges_up(self):
        logits = torch.zeros(1, 1, 3, 3, requires_grad=True)
        target = torch.zeros(1, 1, 3, 3)
        target[0, 0, 1, 1] = 1
        ClassBalancedBCELoss()(logits, target).backward()
        assert logits.grad[0, 0, 1, 1] < 0 < logits.grad[0, 0, 0, 0]


class TestScaleInvariantDepth:

    def test_paper_formula(self):
        gt = torch.ones(1, 1, 2, 2)
        pred = torch.tensor([[[[LN2, 0.], [0., 0.]]]])
        # d = (ln2, 0, 0, 0): 1/n sum d^2 - 1/(2 n^2) (sum d)^2
        expected = LN2**2 / 4 - 0.5 * LN2**2 / 16
        assert ScaleInvariantDepthLoss()(pred, gt).item() == pytest.approx(expected, rel=1e-5)

    def test_released_variant_adds_the_mean_term(self):
        gt = torch.ones(1, 1, 2, 2)
        pred = torch.tensor([[[[LN2, 0.], [0., 0.]]]])
        expected = 0.5 * (LN2**2 / 4 + 0.5 * LN2**2 / 16)
        loss = ScaleInvariantDepthLoss(variant='released')(pred, gt)
        assert loss.item() == pytest.approx(expected, rel=1e-5)

    def test_invalid_depth_is_masked_and_lambda_one_is_scale_invariant(self):
        gt = torch.tensor([[[[2., 3.], [0., float('nan')]]]])
        pred = torch.log(torch.tensor([[[[4., 6.], [1e-3, 7.]]]]))  # 2x the valid depths
        loss = ScaleInvariantDepthLoss(lam=1.0)(pred, gt)
        assert torch.isfinite(loss) and loss.item() == pytest.approx(0., abs=1e-6)
        # with lambda = 1/2 a global scale error costs (1 - 1/2) ln(2)^2
        assert ScaleInvariantDepthLoss()(pred, gt).item() == pytest.approx(0.5 * LN2**2, rel=1e-5)

    def test_per_image_average_and_empty_image(self):
        gt = torch.stack([torch.ones(1, 2, 2), torch.zeros(1, 2, 2)])  # 2nd image: no depth
        pred = torch.zeros(2, 1, 2, 2, requires_grad=True)
        pred_v = pred + torch.tensor([LN2, 0.]).view(2, 1, 1, 1)
        loss = ScaleInvariantDepthLoss()(pred_v, gt)
        assert loss.item() == pytest.approx(LN2**2 - 0.5 * LN2**2, rel=1e-5)
        loss.backward()
        assert pred.grad[1].abs().sum() == 0


class TestNormalDot:

    def test_negative_mean_dot_on_valid_pixels(self):
        pred = torch.zeros(1, 3, 1, 3)
        pred[0, :, 0, 0] = torch.tensor([2., 0., 0.])  # normalised to (1, 0, 0): dot 1
        pred[0, :, 0, 1] = torch.tensor([0., 5., 0.])  # orthogonal: dot 0
        pred[0, :, 0, 2] = torch.tensor([1., 0., 0.])  # gt invalid: ignored
        gt = torch.zeros(1, 3, 1, 3)
        gt[0, 0, 0, :2] = 1.
        assert NormalDotLoss()(pred, gt).item() == pytest.approx(-0.5, rel=1e-6)
        assert NormalDotLoss(offset=1.0)(pred, gt).item() == pytest.approx(0.5, rel=1e-6)
        valid = torch.tensor([[[True, False, True]]])
        assert NormalDotLoss()(pred, gt, valid).item() == pytest.approx(-1.0, rel=1e-6)

    def test_perfect_prediction_reaches_minus_one(self):
        gt = torch.nn.functional.normalize(torch.randn(2, 3, 4, 4), dim=1)
        assert NormalDotLoss()(3 * gt, gt).item() == pytest.approx(-1.0, abs=1e-6)


# ---------------------------------------------------------------------------------------
# Per-image semantics. Each batch below has images with different numbers of valid pixels
# and different edge densities, so a loss pooled over the batch gives another number than
# the per-image one; the expected values are computed here with NumPy from the formulas.


def np_softplus(x):
    return np.log1p(np.exp(x))


def hed_bce_image(logits, target, valid):
    """HED's class-balanced BCE of one image: β = |E-|/|E| over its valid pixels, edge
    pixels weighted β, the others 1 - β, mean over its valid pixels."""
    x, t = logits[valid], target[valid]
    beta = 1 - (t >= 0.5).sum() / t.size
    # -log σ(x) = softplus(-x), -log(1 - σ(x)) = softplus(x)
    per_pixel = beta * t * np_softplus(-x) + (1 - beta) * (1 - t) * np_softplus(x)
    return per_pixel.mean()


class TestPerImageSemantics:

    def test_balanced_bce_beta_is_per_image(self):
        """β is each image's own non-edge fraction: 1 edge of 8 pixels in one image
        (β = 7/8), 4 of 8 in the other (β = 1/2); not the batch's 11/16."""
        logits = np.array([[[1.5, -0.5, 0.2, -2.0], [0.7, -1.0, 0.0, 2.5]],
                           [[-0.3, 1.2, -1.7, 0.4], [2.0, -0.8, 0.9, -0.1]]])
        target = np.zeros((2, 2, 4))
        target[0, 0, 0] = 1
        target[1, 0, :2] = 1
        target[1, 1, 1:3] = 1
        valid = np.ones((2, 2, 4), bool)
        expected = np.mean([hed_bce_image(logits[i], target[i], valid[i]) for i in range(2)])
        # the test can tell: the batch's β gives another value
        beta_batch = 1 - target.sum() / target.size
        pooled = np.mean([(beta_batch * t * np_softplus(-x)
                           + (1 - beta_batch) * (1 - t) * np_softplus(x)).mean()
                          for x, t in zip(logits, target)])
        assert abs(pooled - expected) > 0.01
        loss = ClassBalancedBCELoss()(torch.tensor(logits, dtype=torch.float32)[:, None],
                                      torch.tensor(target, dtype=torch.float32)[:, None])
        assert loss.item() == pytest.approx(expected, rel=1e-5)

    def test_balanced_bce_counts_edges_on_valid_pixels_only(self):
        """Edge pixels in the masked-out region neither weigh nor count for β: image 0 has
        5 valid pixels with 1 edge (β = 4/5) and 2 masked-out edges; image 1 has 8 valid
        pixels with 2 edges (β = 3/4)."""
        logits = np.array([[[0.4, -1.1, 2.2, -0.6], [1.3, 0.8, -0.2, -1.9]],
                           [[-0.7, 0.5, 1.1, -1.4], [0.3, -0.9, 1.8, 0.6]]])
        target = np.zeros((2, 2, 4))
        target[0, 0, 1] = 1  # valid edge
        target[0, 1, 2:] = 1  # edges in the masked-out region
        target[1, 0, 0] = target[1, 1, 3] = 1
        valid = np.ones((2, 2, 4), bool)
        valid[0, 1, 1:] = False
        expected = np.mean([hed_bce_image(logits[i], target[i], valid[i]) for i in range(2)])
        loss = ClassBalancedBCELoss()(torch.tensor(logits, dtype=torch.float32)[:, None],
                                      torch.tensor(target, dtype=torch.float32)[:, None],
                                      torch.tensor(valid)[:, None])
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        # the mask alone decides: flipping a masked-out edge to non-edge changes nothing
        target2 = target.copy()
        target2[0, 1, 2] = 0
        loss2 = ClassBalancedBCELoss()(torch.tensor(logits, dtype=torch.float32)[:, None],
                                       torch.tensor(target2, dtype=torch.float32)[:, None],
                                       torch.tensor(valid)[:, None])
        assert loss2.item() == pytest.approx(expected, rel=1e-5)

    def test_scale_invariant_depth_is_per_image(self):
        """L_d = 1/n Σ d² - λ/n² (Σ d)² with n each image's own valid pixels, averaged over
        the images: image 0 has 6 valid pixels, image 1 only 2."""
        d0 = np.array([0.3, -0.1, 0.5, 0.2, 0.0, 0.4])
        d1 = np.array([0.9, -0.2])
        gt = np.zeros((2, 1, 2, 3))
        gt[0] = np.array([1., 2., 3., 4., 5., 6.]).reshape(1, 2, 3)
        gt[1, 0, 0, :2] = [2., 4.]  # the rest: 0 = no depth
        pred = np.zeros_like(gt)
        pred[0] = np.log(gt[0]) + d0.reshape(1, 2, 3)
        pred[1, 0, 0, :2] = np.log(gt[1, 0, 0, :2]) + d1
        pred[1, 0, 0, 2:] = 1.7  # where gt is invalid: must not count

        def si(d, lam=0.5):
            return np.mean(d**2) - lam * np.sum(d)**2 / d.size**2

        expected = (si(d0) + si(d1)) / 2
        assert abs(si(np.concatenate([d0, d1])) - expected) > 0.01  # pooling would differ
        loss = ScaleInvariantDepthLoss()(torch.tensor(pred, dtype=torch.float32),
                                         torch.tensor(gt, dtype=torch.float32))
        assert loss.item() == pytest.approx(expected, rel=1e-5)
        # the same with an extra mask that removes pixels of image 0 only
        valid = np.ones_like(gt, bool)
        valid[0, 0, 1, :] = False
        expected = (si(d0[:3]) + si(d1)) / 2
        loss = ScaleInvariantDepthLoss()(torch.tensor(pred, dtype=torch.float32),
                                         torch.tensor(gt, dtype=torch.float32),
                                         torch.tensor(valid))
        assert loss.item() == pytest.approx(expected, rel=1e-5)

    def test_normal_loss_is_per_image(self):
        """L_s = -1/n Σ S·S' with n each image's own valid pixels, averaged over the images:
        image 0 has 4 valid pixels, image 1 one (the other three have gt (0, 0, 0))."""
        angles = np.radians([[0., 60., 90., 120.], [180., 0., 0., 0.]])
        pred = np.zeros((2, 3, 1, 4))
        pred[:, 0, 0] = 2.5 * np.sin(angles)  # any length: the loss normalises
        pred[:, 2, 0] = 2.5 * np.cos(angles)
        gt = np.zeros((2, 3, 1, 4))
        gt[0, 2] = 1.
        gt[1, 2, 0, 0] = 1.
        dots = np.cos(angles)
        expected = -(dots[0].mean() + dots[1, :1].mean()) / 2
        pooled = -np.concatenate([dots[0], dots[1, :1]]).mean()
        assert abs(pooled - expected) > 0.1
        loss = NormalDotLoss()(torch.tensor(pred, dtype=torch.float32),
                               torch.tensor(gt, dtype=torch.float32))
        assert loss.item() == pytest.approx(expected, abs=1e-6)
        # with an extra mask that leaves image 0 two pixels
        valid = np.ones((2, 1, 4), bool)
        valid[0, 0, 2:] = False
        expected = -(dots[0, :2].mean() + dots[1, :1].mean()) / 2
        loss = NormalDotLoss()(torch.tensor(pred, dtype=torch.float32),
                               torch.tensor(gt, dtype=torch.float32), torch.tensor(valid))
        assert loss.item() == pytest.approx(expected, abs=1e-6)
