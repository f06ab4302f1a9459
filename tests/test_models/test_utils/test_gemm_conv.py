# Copyright (c) synthssl contributors.
"""GemmConv2d: nn.Conv2d's result and gradients as one matrix product on the CPU (bf16
autocast, 1x1 kernels), a plain Conv2d otherwise; SynthAlexNet's fc6/fc7 use it unchanged
in keys and initialisation."""
import math

import pytest
import torch
import torch.nn as nn

from synthssl.models.backbones.synth_alexnet import SynthAlexNet
from synthssl.models.utils import GemmConv2d

# (in, out, kernel, stride, padding, dilation, map size): SynthAlexNet's fc6 and fc7, and a
# strided, padded kernel
CASES = [(16, 24, 6, 1, 5, 2, 5), (32, 24, 1, 1, 0, 1, 5), (8, 12, 3, 2, 1, 1, 9)]


def _grads(fn, conv, x, g):
    y = fn(x)
    return [y] + list(torch.autograd.grad(y, [x, conv.weight, conv.bias], g))


@pytest.mark.parametrize('cin,cout,k,s,p,d,hw', CASES)
@pytest.mark.parametrize('bf16', [False, True])
def test_matches_conv2d_with_gradients(cin, cout, k, s, p, d, hw, bf16):
    torch.manual_seed(0)
    conv = GemmConv2d(cin, cout, k, stride=s, padding=p, dilation=d)
    x = torch.randn(3, cin, hw, hw, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        y = nn.Conv2d.forward(conv, x)
    g = torch.randn(y.shape).to(y.dtype)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        ref = _grads(lambda t: nn.Conv2d.forward(conv, t), conv, x, g)
        out = _grads(conv, conv, x, g)
    assert out[0].shape == ref[0].shape and out[0].dtype == ref[0].dtype
    tol = dict(rtol=3e-2, atol=3e-2) if bf16 else dict(rtol=1e-4, atol=1e-5)
    for name, a, b in zip(('output', 'dx', 'dw', 'db'), out, ref):
        scale = b.float().abs().max()
        torch.testing.assert_close(a.float() / scale, b.float() / scale, **tol,
                                   msg=lambda m: f'{name}: {m}')
    if not bf16 and k > 1:  # float32 kxk: exactly nn.Conv2d (the same kernel runs)
        assert torch.equal(out[0], ref[0])


def test_synth_alexnet_keys_and_init_unchanged():
    net = SynthAlexNet()
    assert type(net.fc6.conv) is GemmConv2d and type(net.fc7.conv) is GemmConv2d
    assert type(net.conv5.conv) is nn.Conv2d
    assert isinstance(net.fc6.conv, nn.Conv2d)
    assert {'fc6.conv.weight', 'fc6.conv.bias', 'fc7.conv.weight'} <= set(net.state_dict())
    torch.manual_seed(0)
    net.init_weights()  # the authors' Xavier(normal, gain 0.02) reaches fc6/fc7
    w = net.fc7.conv.weight
    expected = 0.02 * math.sqrt(2. / (4096 + 4096))
    assert abs(w.std().item() / expected - 1) < 0.05 and net.fc7.conv.bias.abs().max() == 0
