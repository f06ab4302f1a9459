# Copyright (c) synthssl contributors.
"""CSG's pooling: the A-pool and GAP by hand on 2x2 maps, and the chunking order."""
import pytest
import torch

from synthssl.models.utils import attention_pool, chunk_feature, global_avg_pool


def test_attention_pool_hand_computed_2x2():
    f = torch.tensor([[[1., 0.], [0., 1.]], [[2., 2.], [0., 0.]]])[None]  # (1, 2, 2, 2)
    # GAP = (0.5, 1); a = 0.5 f0 + f1 = [[2.5, 2], [0, 0.5]] / 5
    assert torch.allclose(attention_pool(f), torch.tensor([[0.6, 1.8]]))
    teacher = torch.tensor([[1., 2.], [3., 4.]]).expand(1, 2, 2, 2)
    # attention from f applied to other features: 1*.5 + 2*.4 + 3*0 + 4*.1 = 1.7
    assert torch.allclose(attention_pool(teacher, f), torch.tensor([[1.7, 1.7]]))
    assert torch.allclose(global_avg_pool(teacher), torch.tensor([[2.5, 2.5]]))
    zero = torch.zeros(1, 2, 2, 2)  # no attention at all -> uniform weights (GAP)
    assert torch.allclose(attention_pool(teacher, zero), torch.tensor([[2.5, 2.5]]))
    with pytest.raises(ValueError, match='negative'):
        attention_pool(f - 1)
    with pytest.raises(ValueError, match='same shape'):
        attention_pool(f, f[..., :1])


def test_chunk_feature_order_and_errors():
    x = torch.arange(2 * 16, dtype=torch.float).view(2, 1, 4, 4)
    tiles = chunk_feature(x, 2)
    assert tiles.shape == (8, 1, 2, 2)
    for i in range(2):
        for j in range(2):
            for n in range(2):  # sample (i * c + j) * N + n = tile (i, j) of image n
                assert torch.equal(tiles[(i * 2 + j) * 2 + n, 0],
                                   x[n, 0, 2 * i:2 * i + 2, 2 * j:2 * j + 2])
    assert chunk_feature(x, 1) is x
    with pytest.raises(ValueError, match='3x3 equal tiles'):
        chunk_feature(x, 3)
