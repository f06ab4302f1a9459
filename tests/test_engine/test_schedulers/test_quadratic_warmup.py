# Copyright (c) synthssl contributors.
"""QuadraticWarmupLR + PolyLR: the authors' lr_poly with its warm-up (CSG)."""
import pytest
import torch


def test_warmup_poly_matches_authors_lr_poly():
    from mmengine.optim.scheduler import PolyLR

    from synthssl.engine.schedulers import QuadraticWarmupLR
    base, max_iters = 1e-3, 400
    w = torch.nn.Parameter(torch.zeros(1))
    b = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([dict(params=[w], lr=base * 0.1), dict(params=[b], lr=base)],
                          lr=base, momentum=0.9)
    scheds = [QuadraticWarmupLR(opt, start_factor=0.01, begin=0, end=101, by_epoch=False),
              # mmengine's poly reaches 0 at end - 1: end = max + 1 gives (1 - it/max)^0.9
              PolyLR(opt, power=0.9, eta_min=0., begin=0, end=max_iters + 1, by_epoch=False)]

    def authors(it, lr):  # utils/utils.py lr_poly with its warm-up
        return min(0.01 + 0.99 * (float(it) / 100)**2, 1.0) * lr * (1 - float(it) / max_iters)**0.9

    checked = 0
    for it in range(max_iters):
        if it in (0, 1, 2, 50, 99, 100, 101, 250, 399):
            for group, lr in zip(opt.param_groups, (base * 0.1, base)):
                assert group['lr'] == pytest.approx(authors(it, lr), rel=1e-9, abs=1e-15)
            checked += 1
        opt.step()
        for s in scheds:
            s.step()
    assert checked == 9
    with pytest.raises(ValueError, match='finite'):
        QuadraticWarmupLR(opt, begin=0, by_epoch=False)
