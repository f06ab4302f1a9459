# Copyright (c) synthssl contributors.
"""BF16OptimWrapper: bfloat16 autocast on the CPU, float32 parameters and optimiser state."""
import torch
import torch.nn as nn

from synthssl.engine.optimizers import BF16OptimWrapper


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
