# Copyright (c) synthssl contributors.
"""The three pretext losses against values computed by hand."""
import math

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
