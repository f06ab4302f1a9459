# Copyright (c) synthssl contributors.
"""MaskedL1DepthLoss (AT/DT's depth loss) against a hand computation."""
import pytest
import torch

from synthssl.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def test_masked_l1_hand_computed():
    loss = MODELS.build(dict(type='MaskedL1DepthLoss', max_depth=10.))
    pred = torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]).view(1, 1, 2, 3)
    gt = torch.tensor([2.0, 0.0, 12.0, 3.0, 10.0, float('nan')]).view(1, 1, 2, 3)
    # valid: 2 m (|0.1-0.2|), 3 m (|0.3-0.3|), 10 m (|0.7-1.0|); 0, >max and NaN masked
    expected = (0.1 + 0.0 + 0.3) / 3
    assert loss(pred, gt).item() == pytest.approx(expected, abs=1e-6)
    assert loss(pred, gt.squeeze(1)).item() == pytest.approx(expected, abs=1e-6)
    none_valid = loss(pred.requires_grad_(), torch.zeros_like(gt))
    assert none_valid.item() == 0
    none_valid.backward()
    with pytest.raises(ValueError, match='differ in shape'):
        loss(pred, gt[..., :2])
