# Copyright (c) synthssl contributors.
"""InfoNCELoss (CSG's contrastive loss) against a hand computation."""
import math

import pytest
import torch


def test_info_nce_hand_computed():
    from synthssl.models.losses import InfoNCELoss
    q = torch.tensor([[1., 0.]])
    k = torch.tensor([[0.6, 0.8]])
    negatives = torch.tensor([[0., 1.], [-1., 0.]])
    # logits [0.6, 0, -1] / 0.5 = [1.2, 0, -2]
    expected = -math.log(math.exp(1.2) / (math.exp(1.2) + 1 + math.exp(-2)))
    loss = InfoNCELoss(temperature=0.5, loss_weight=2.0)(q, k, negatives)
    assert loss.item() == pytest.approx(2 * expected, rel=1e-6)
    with pytest.raises(ValueError):
        InfoNCELoss()(q, k, torch.zeros(3, 5))
