# Copyright (c) synthssl contributors.
"""BF16OptimWrapper: bfloat16 autocast on the CPU, float32 parameters and optimiser state."""
import pytest
import torch
import torch.nn as nn

from synthssl.engine.optimizers import BF16OptimWrapper
from synthssl.engine.optimizers.bf16_optim_wrapper import bfloat16_to_float32


def test_forward_runs_in_bf16_and_the_update_matches_fp32_to_bf16_precision():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 1, 1))
    ref = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 1, 1))
    ref.load_state_dict(net.state_dict())
    wrapper = BF16OptimWrapper(optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
                               device_type='cpu')
    x = torch.randn(2, 3, 9, 9)
    with wrapper.optim_context(net):
        out = net(x)
    assert out.dtype == torch.bfloat16
    loss = out.float().pow(2).mean()
    wrapper.update_params(loss)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    ref(x).pow(2).mean().backward()
    opt.step()
    for (name, p), q in zip(net.named_parameters(), ref.parameters()):
        assert p.dtype == torch.float32, name
        assert not torch.equal(p, q) or name.endswith('bias')  # bf16 rounding shows
        torch.testing.assert_close(p, q, atol=2e-3, rtol=2e-2, msg=name)
    assert net[1].running_mean.dtype == torch.float32
    # state round trip (no loss scaler to save)
    state = wrapper.state_dict()
    assert set(state) == {'state', 'param_groups'}
    again = BF16OptimWrapper(optimizer=torch.optim.SGD(net.parameters(), lr=0.1))
    again.load_state_dict(state)
    assert again.device_type == 'cpu'


class _TwoParts(nn.Module):
    """``a`` (conv + linear) feeds ``b``; the dtypes each layer computed in are recorded."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 7 * 7, 6))
        self.b = nn.Linear(6, 2)
        self.seen = {}
        for name, m in (('a.conv', self.a[0]), ('a.fc', self.a[2]), ('b', self.b)):
            m.register_forward_hook(lambda mod, i, o, name=name: self.seen.update({name: o.dtype}))

    def forward(self, x):
        return self.b(self.a(x))


def test_autocast_modules_scope_bf16_to_the_named_submodules():
    torch.manual_seed(0)
    net = _TwoParts()
    wrapper = BF16OptimWrapper(optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
                               device_type='cpu', autocast_modules=['a'])
    x = torch.randn(2, 3, 9, 9)
    with wrapper.optim_context(net):
        out = net(x)
    # a's layers ran in bf16, its output came back as float32, b ran in float32
    assert net.seen == {'a.conv': torch.bfloat16, 'a.fc': torch.bfloat16, 'b': torch.float32}
    assert out.dtype == torch.float32
    wrapper.update_params(out.pow(2).mean())
    assert all(p.grad is None or p.dtype == torch.float32 for p in net.parameters())
    # outside optim_context (validation, test) everything is float32, and the hooks are
    # registered once however often the context is entered
    net.seen.clear()
    with torch.no_grad():
        net(x)
    assert set(net.seen.values()) == {torch.float32}
    with wrapper.optim_context(net):
        net(x)
    assert len(net.a._forward_pre_hooks) == 1
    assert net.seen['a.fc'] == torch.bfloat16 and net.seen['b'] == torch.float32
    # an exception inside the region leaves no autocast behind
    with wrapper.optim_context(net):
        try:
            net(torch.randn(2, 5, 9, 9))  # wrong channel count
        except RuntimeError:
            pass
    assert not torch.is_autocast_enabled('cpu')
    net.seen.clear()
    net(x)
    assert set(net.seen.values()) == {torch.float32}


def test_autocast_modules_unknown_name_is_a_clear_error():
    net = _TwoParts()
    wrapper = BF16OptimWrapper(optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
                               device_type='cpu', autocast_modules=['a', 'backbone'])
    with pytest.raises(ValueError, match="'backbone'.*_TwoParts"):
        with wrapper.optim_context(net):
            pass


def test_bfloat16_to_float32_walks_containers():
    from collections import namedtuple
    Pair = namedtuple('Pair', 'x y')
    bf = torch.ones(2, dtype=torch.bfloat16)
    out = bfloat16_to_float32(dict(p=Pair(bf, [bf, 3]), i=torch.ones(2, dtype=torch.int64)))
    assert isinstance(out['p'], Pair) and out['p'].x.dtype == torch.float32
    assert out['p'].y[0].dtype == torch.float32 and out['p'].y[1] == 3
    assert out['i'].dtype == torch.int64
