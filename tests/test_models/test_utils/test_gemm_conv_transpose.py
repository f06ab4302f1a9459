# Copyright (c) synthssl contributors.
"""GemmConvTranspose2d: nn.ConvTranspose2d's result and gradients under CPU bf16 autocast as
GEMM + col2im (small kernels) or four sub-pixel convolutions (kernels >= 5), exactly
nn.ConvTranspose2d otherwise; DeconvDecoder uses it unchanged in keys and initialisation."""
import math

import pytest
import torch
import torch.nn as nn

from synthssl.models.heads.deconv_decoder import DeconvDecoder
from synthssl.models.utils import GemmConvTranspose2d

# (in, out, kernel, map size): the decoder's layers (3x3 from a wide input, 3x3, 5x5, 3x3 to
# few channels), an even kernel on each path (4: GEMM, 6: phases) and a non-square map
CASES = [(64, 8, 3, 5), (8, 8, 3, 11), (8, 8, 5, 9), (8, 3, 3, 13), (6, 4, 4, 5),
         (6, 4, 6, 5), (8, 8, 5, (4, 7))]


def _grads(fn, conv, x, g):
    y = fn(x)
    return [y] + list(torch.autograd.grad(y, [x, conv.weight, conv.bias], g))


@pytest.mark.parametrize('cin,cout,k,hw', CASES)
@pytest.mark.parametrize('bf16', [False, True])
def test_matches_conv_transpose2d_with_gradients(cin, cout, k, hw, bf16):
    torch.manual_seed(0)
    h, w = (hw, hw) if isinstance(hw, int) else hw
    conv = GemmConvTranspose2d(cin, cout, k, stride=2)
    x = torch.randn(3, cin, h, w, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        y = nn.ConvTranspose2d.forward(conv, x)
    assert y.shape[-2:] == (2 * h + k - 2, 2 * w + k - 2)
    g = torch.randn(y.shape).to(y.dtype)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        ref = _grads(lambda t: nn.ConvTranspose2d.forward(conv, t), conv, x, g)
        out = _grads(conv, conv, x, g)
    assert out[0].shape == ref[0].shape and out[0].dtype == ref[0].dtype
    tol = dict(rtol=3e-2, atol=3e-2) if bf16 else dict(rtol=0, atol=0)
    for name, a, b in zip(('output', 'dx', 'dw', 'db'), out, ref):
        scale = b.float().abs().max()
        torch.testing.assert_close(a.float() / scale, b.float() / scale, **tol,
                                   msg=lambda m: f'{name}: {m}')


def test_rewrite_runs_only_where_it_is_exact():
    """Padding, output padding, stride 1 and explicit output sizes keep oneDNN's kernel:
    bit-identical to nn.ConvTranspose2d even under autocast."""
    torch.manual_seed(0)
    x = torch.randn(2, 4, 6, 6)
    for kwargs in (dict(stride=2, padding=1), dict(stride=2, output_padding=1),
                   dict(stride=1)):
        conv = GemmConvTranspose2d(4, 5, 3, **kwargs)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            assert torch.equal(conv(x), nn.ConvTranspose2d.forward(conv, x)), kwargs
    conv = GemmConvTranspose2d(4, 5, 3, stride=2)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert torch.equal(conv(x, output_size=[14, 14]),
                           nn.ConvTranspose2d.forward(conv, x, output_size=[14, 14]))
        assert not torch.equal(conv(x), nn.ConvTranspose2d.forward(conv, x))  # rewritten


def test_deconv_decoder_keys_and_init_unchanged():
    head = DeconvDecoder(in_channels=32, out_channels=3)
    deconvs = [m for m in head.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(deconvs) == 4 and all(type(m) is GemmConvTranspose2d for m in deconvs)
    assert {'layers.0.weight', 'layers.0.bias', 'layers.9.weight'} <= set(head.state_dict())
    torch.manual_seed(0)
    head.init_weights()  # the authors' Xavier(normal, gain 0.02) reaches the deconvolutions
    w = head.layers[0].weight  # (in 32, out 64, 3, 3)
    fan_in, fan_out = 64 * 9, 32 * 9  # torch's fans of a ConvTranspose2d weight
    expected = 0.02 * math.sqrt(2. / (fan_in + fan_out))
    assert abs(w.std().item() / expected - 1) < 0.1 and head.layers[0].bias.abs().max() == 0
    x = torch.randn(2, 32, 5, 5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert head(x).shape == (2, 3, 99, 99)
