# Copyright (c) synthssl contributors.
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from synthssl.models.backbones import SynthAlexNet

# Output (C, S) of every layer for a 227x227 input: the appendix table of Ren & Lee.
# (The table's "S" for pool1 repeats conv1's 55; a 3x3/2 pool maps 55 to 27.)
TABLE = {
    'conv1': (96, 55), 'pool1': (96, 27), 'conv2': (256, 27), 'pool2': (256, 13),
    'conv3': (384, 13), 'conv4': (384, 13), 'conv5': (256, 13), 'pool5': (256, 13),
    'fc6': (4096, 13), 'fc7': (4096, 13),
}
KERNELS = {  # name: (kernel, stride, padding, dilation)
    'conv1': (11, 4, 0, 1), 'conv2': (5, 1, 2, 1), 'conv3': (3, 1, 1, 1),
    'conv4': (3, 1, 1, 1), 'conv5': (3, 1, 1, 1), 'fc6': (6, 1, 5, 2), 'fc7': (1, 1, 0, 1),
}


@pytest.fixture(scope='module')
def net227():
    torch.manual_seed(0)
    net = SynthAlexNet(out_indices=tuple(range(7)))
    net.init_weights()
    return net.eval()


def test_every_layer_matches_the_appendix_table(net227):
    shapes = {}
    hooks = [
        getattr(net227, name).register_forward_hook(
            lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape)))
        for name in TABLE
    ]
    with torch.no_grad():
        outs = net227(torch.randn(2, 3, 227, 227))
    for h in hooks:
        h.remove()
    for name, (c, s) in TABLE.items():
        assert shapes[name] == (2, c, s, s), name
    assert [tuple(o.shape[1:]) for o in outs] == [
        (TABLE[n][0], TABLE[n][1], TABLE[n][1]) for n in SynthAlexNet.stage_names]
    for name, (k, s, p, d) in KERNELS.items():
        conv = getattr(net227, name).conv
        assert (conv.kernel_size, conv.stride, conv.padding, conv.dilation) == \
            ((k, k), (s, s), (p, p), (d, d)), name
        assert conv.groups == 1
        assert isinstance(getattr(net227, name).bn, _BatchNorm)
    assert net227.pool5.stride == 1 and net227.pool5.kernel_size == 3


def test_pre_and_post_activation_taps():
    torch.manual_seed(0)
    pre = SynthAlexNet(out_indices=('conv5', 'fc7'), tap='pre').eval()
    post = SynthAlexNet(out_indices=('conv5', 'fc7'), tap='post').eval()
    post.load_state_dict(pre.state_dict())
    x = torch.randn(2, 3, 99, 99)
    with torch.no_grad():
        p, q = pre(x), post(x)
    assert p[0].shape == (2, 256, 5, 5) and p[1].shape == (2, 4096, 5, 5)
    assert (p[0] < 0).any() and (q[0] >= 0).all()
    torch.testing.assert_close(q[0], p[0].clamp(min=0))
    torch.testing.assert_close(q[1], p[1].clamp(min=0))
    assert pre.out_channels == (256, 4096)


def test_out_indices_order_names_and_errors():
    net = SynthAlexNet(out_indices=(4, 'conv1', -1)).eval()
    with torch.no_grad():
        outs = net(torch.randn(1, 3, 67, 67))
    assert [o.shape[1] for o in outs] == [256, 96, 4096]
    with pytest.raises(ValueError, match='unknown stage'):
        SynthAlexNet(out_indices=('conv6', ))
    with pytest.raises(IndexError):
        SynthAlexNet(out_indices=(7, ))
    with pytest.raises(ValueError, match='tap'):
        SynthAlexNet(tap='middle')
    with pytest.raises(ValueError, match='frozen_stages'):
        SynthAlexNet(frozen_stages=8)


def test_frozen_stages_and_norm_eval():
    net = SynthAlexNet(out_indices=(4, ), frozen_stages=3)
    net.train()
    for i, name in enumerate(SynthAlexNet.stage_names):
        stage = getattr(net, name)
        frozen = i < 3
        assert all(p.requires_grad != frozen for p in stage.parameters()), name
        assert stage.bn.training != frozen, name
    before = net.conv1.bn.running_mean.clone()
    out = net(torch.randn(2, 3, 67, 67))[0]
    out.sum().backward()
    assert net.conv1.conv.weight.grad is None and net.conv4.conv.weight.grad is not None
    torch.testing.assert_close(net.conv1.bn.running_mean, before)  # eval BN: unchanged

    net = SynthAlexNet(norm_eval=True).train()
    assert all(not m.training for m in net.modules() if isinstance(m, _BatchNorm))
    assert all(p.requires_grad for p in net.parameters())


def test_default_init_follows_the_authors():
    torch.manual_seed(0)
    net = SynthAlexNet()
    net.init_weights()
    w = net.conv3.conv.weight  # xavier_normal(gain=0.02): std = 0.02*sqrt(2/(fan_in+fan_out))
    fan_in, fan_out = 256 * 9, 384 * 9
    expected = 0.02 * (2.0 / (fan_in + fan_out))**0.5
    assert abs(w.std().item() / expected - 1) < 0.05
    assert abs(net.conv3.bn.weight.mean().item() - 1) < 0.01
    assert 0.01 < net.conv3.bn.weight.std().item() < 0.03


def test_per_output_taps_and_per_call_indices():
    torch.manual_seed(0)
    net = SynthAlexNet(out_indices=('conv5', 'fc7'), tap=('pre', 'post')).eval()
    x = torch.randn(2, 3, 99, 99)
    with torch.no_grad():
        conv5_pre, fc7_post = net(x)
        (only_conv5, ) = net(x, out_indices=('conv5', ), taps=('pre', ))
        (conv5_post, ) = net(x, out_indices=('conv5', ))
    assert (conv5_pre < 0).any() and (fc7_post >= 0).all()
    torch.testing.assert_close(only_conv5, conv5_pre)
    torch.testing.assert_close(conv5_post, conv5_pre.clamp(min=0))
    with pytest.raises(ValueError, match='tap'):
        SynthAlexNet(out_indices=('conv5', 'fc7'), tap=('pre', ))


def test_caffe_alexnet_shapes_and_freezing():
    from synthssl.models.backbones import CaffeAlexNet
    net = CaffeAlexNet(out_indices=('conv1', 'conv5', 'fc6', 'fc7'), frozen_stages=2).eval()
    with torch.no_grad():
        c1, c5, f6, f7 = net(torch.randn(2, 3, 227, 227))
    assert c1.shape == (2, 96, 55, 55) and c5.shape == (2, 256, 13, 13)
    assert f6.shape == (2, 4096) and f7.shape == (2, 4096)
    assert not any(p.requires_grad for p in net.conv2.parameters())
    assert all(p.requires_grad for p in net.conv3.parameters())
    with pytest.raises(ValueError, match='6x6'):
        net(torch.randn(1, 3, 99, 99))
