# Copyright (c) synthssl contributors.
"""FeatureTransferNetwork (AT/DT's G_{1->2}): layout, shapes and the released size."""
import math

import pytest
import torch

from synthssl.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def test_transfer_network_layout_and_shapes():
    g = MODELS.build(dict(type='FeatureTransferNetwork', in_channels=6, out_channels=10,
                          channels=16))
    for hw in [(8, 8), (5, 7), (1, 1)]:
        assert g(torch.rand(2, 6, *hw)).shape == (2, 10, *hw)
    convs = [m for m in g.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 6 and [c.stride[0] for c in convs] == [2, 2, 1, 1, 1, 1]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in g.modules())
    assert sum(isinstance(m, torch.nn.ELU) for m in g.modules()) == 6  # last one included
    # the released size, built with the defaults on the meta device (no memory): six
    # 3x3 2048 -> 2048 convs with biases, ~226 M parameters
    with torch.device('meta'):
        released = MODELS.build(dict(type='FeatureTransferNetwork'))
    shapes = [tuple(c.weight.shape) for c in released.modules()
              if isinstance(c, torch.nn.Conv2d)]
    assert shapes == [(2048, 2048, 3, 3)] * 6
    n = sum(p.numel() for p in released.parameters())
    assert n == 6 * (9 * 2048 * 2048 + 2048)
    assert math.isclose(n / 1e6, 226.5, abs_tol=0.5)
    g_bn = MODELS.build(dict(type='FeatureTransferNetwork', in_channels=6, out_channels=6,
                             channels=8, norm_cfg=dict(type='BN'), last_act=False))
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in g_bn.modules()) == 5
    assert g_bn(torch.rand(2, 6, 4, 4)).min() < 0  # linear output without the last ELU
