# Copyright (c) synthssl contributors.
import torch

from synthssl.models.utils import FeatureHistoryPool


def test_fills_then_swaps_and_survives_a_checkpoint():
    torch.manual_seed(0)
    pool = FeatureHistoryPool(pool_size=4)
    first = torch.arange(4.).view(4, 1, 1, 1).expand(4, 2, 3, 3).contiguous()
    out = pool(first)
    torch.testing.assert_close(out, first)  # filling: returned as is
    assert int(pool.count) == 4
    later = (100 + torch.arange(64.)).view(64, 1, 1, 1).expand(64, 2, 3, 3).contiguous()
    out = pool(later)
    swapped = (out[:, 0, 0, 0] != later[:, 0, 0, 0]).sum().item()
    assert 16 < swapped < 48  # about half were swapped for a stored sample (p = 0.5)
    assert (pool.items[:, 0, 0, 0] >= 100).any()  # and the pool took new ones in
    # every output is either the input itself or something that was in the pool
    seen = set(range(4)) | set(range(100, 164))
    assert set(out[:, 0, 0, 0].tolist()) <= seen

    state = pool.state_dict()
    restored = FeatureHistoryPool(pool_size=4)
    restored.load_state_dict(state)
    torch.testing.assert_close(restored.items, pool.items)
    assert int(restored.count) == 4


def test_zero_size_passes_through():
    x = torch.randn(3, 2, 2, 2)
    assert FeatureHistoryPool(0)(x) is x
