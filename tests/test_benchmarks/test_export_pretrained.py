# Copyright (c) synthssl contributors.
"""SynthAlexNet -> CaffeAlexNet conversion, Krähenbühl rescaling, and
tools/model_converters/export_pretrained.py."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import REPO, tool_env
from mmpretrain_bench_helpers import (EXPORT_TOOL, export_tool, make_pretrain_checkpoint,
                                      randomize_bn_alexnet)
from synthssl.models.backbones import CaffeAlexNet, SynthAlexNet
from synthssl.models.utils import fold_bn, krahenbuhl_rescale, synth_to_caffe_alexnet

torch.set_num_threads(2)


@pytest.fixture(scope='module')
def nets():
    """An eval-mode BN SynthAlexNet with O(1) activations and its converted CaffeAlexNet."""
    synth = randomize_bn_alexnet(SynthAlexNet(out_indices=tuple(range(7)), init_cfg=None))
    synth.eval()
    caffe = CaffeAlexNet(out_indices=tuple(range(7)), init_cfg=None)
    caffe.load_state_dict(synth_to_caffe_alexnet(synth.state_dict()), strict=True)
    caffe.eval()
    x = torch.randn(2, 3, 227, 227, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        fs, fc = synth(x), caffe(x)
    return synth, caffe, x, fs, fc


@pytest.fixture(scope='module')
def pretrain_ckpt(tmp_path_factory):
    return make_pretrain_checkpoint(str(tmp_path_factory.mktemp('pre') / 'iter_7.pth'))


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def test_fold_bn_is_exact():
    g = torch.Generator().manual_seed(0)
    conv = nn.Conv2d(8, 16, 3, padding=1)
    bn = nn.BatchNorm2d(16, eps=1e-3)
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(16, generator=g))
        bn.running_var.copy_(torch.rand(16, generator=g) + 0.1)
        bn.weight.copy_(torch.randn(16, generator=g))
        bn.bias.copy_(torch.randn(16, generator=g))
    bn.eval()
    w, b = fold_bn(conv, bn)  # eps taken from the module
    x = torch.randn(2, 8, 9, 9, generator=g)
    with torch.no_grad():
        ref = bn(conv(x))
    diff = (F.conv2d(x, w, b, padding=1) - ref).abs().max().item()
    assert diff < 1e-5 * ref.abs().max().item()
    # the wrong eps is detectably different: the test can fail
    w2, b2 = fold_bn(conv, bn, eps=1e-5)
    assert (F.conv2d(x, w2, b2, padding=1) - ref).abs().max().item() > 10 * diff
    # mappings, BN without affine, linear layer without bias
    lin = nn.Linear(5, 4, bias=False)
    bn1 = nn.BatchNorm1d(4, affine=False).eval()
    with torch.no_grad():
        bn1.running_mean.copy_(torch.randn(4, generator=g))
        bn1.running_var.copy_(torch.rand(4, generator=g) + 0.5)
    w, b = fold_bn(dict(weight=lin.weight), dict(bn1.named_buffers()))
    z = torch.randn(3, 5, generator=g)
    with torch.no_grad():
        assert torch.allclose(F.linear(z, w, b), bn1(lin(z)), atol=1e-6)


def test_conv1_to_conv5_equal_everywhere(nets):
    _, _, _, fs, fc = nets
    for i, name in enumerate(('conv1', 'conv2', 'conv3', 'conv4', 'conv5')):
        assert fs[i].shape == fc[i].shape, name
        assert fs[i].abs().max() > 0.1  # meaningful magnitudes
        assert _rel(fc[i], fs[i]) < 1e-5, name


def test_pool5_grid_is_the_odd_positions_of_stride1_pool5(nets):
    synth, caffe, _, fs, fc = nets
    p1 = synth.pool5(fs[4])  # (N, 256, 13, 13)
    p2 = caffe.pool5(fc[4])  # (N, 256, 6, 6)
    assert p2.shape[-2:] == (6, 6)
    assert _rel(p2, p1[..., 1::2, 1::2]) < 1e-5
    assert _rel(p2, p1[..., 0:12:2, 0:12:2]) > 1e-2


def test_fc6_fc7_equal_at_the_centre_only(nets):
    _, _, _, fs, fc = nets
    for i in (5, 6):  # fc6, fc7: synth (N, 4096, 13, 13), caffe (N, 4096)
        assert fs[i].shape[-2:] == (13, 13) and fc[i].shape[-1] == 4096
        assert fc[i].abs().max() > 0.1
        assert _rel(fc[i], fs[i][:, :, 6, 6]) < 1e-5
        for (y, x) in ((5, 5), (7, 7), (6, 5), (4, 6)):
            assert _rel(fc[i], fs[i][:, :, y, x]) > 1e-2, (i, y, x)


def test_synth_to_caffe_layout_and_errors(nets):
    synth = nets[0]
    sd = synth.state_dict()
    out = synth_to_caffe_alexnet({f'backbone.{k}': v for k, v in sd.items()})
    assert list(out) == [f'{n}.{p}' for n in ('conv1', 'conv2', 'conv3', 'conv4', 'conv5',
                                               'fc6', 'fc7') for p in ('weight', 'bias')]
    assert out['fc6.weight'].shape == (4096, 9216) and out['fc7.weight'].shape == (4096, 4096)
    # (C, H, W) flatten order: input c*36 + kh*6 + kw is kernel entry (c, kh, kw)
    w6, _ = fold_bn(synth.fc6.conv, synth.fc6.bn)
    assert torch.equal(out['fc6.weight'][:, 5 * 36 + 2 * 6 + 4], w6[:, 5, 2, 4])
    bad = dict(sd)
    del bad['conv3.bn.running_var']
    with pytest.raises(KeyError, match='conv3.bn.running_var'):
        synth_to_caffe_alexnet(bad)
    bad = dict(sd, **{'conv2.conv.weight': torch.zeros(256, 48, 5, 5)})
    with pytest.raises(ValueError, match='conv2.conv.weight has shape'):
        synth_to_caffe_alexnet(bad)


def test_krahenbuhl_rescale_equalises_ratios_and_keeps_the_function(nets):
    synth, _, x, _, _ = nets
    caffe = CaffeAlexNet(out_indices=tuple(range(7)), init_cfg=None)
    caffe.load_state_dict(synth_to_caffe_alexnet(synth.state_dict()))
    caffe.eval()
    with torch.no_grad():
        before = caffe(x)
    caffe.train()
    stats = krahenbuhl_rescale(caffe, x, iters=3, seed=0)
    assert caffe.training  # mode restored
    caffe.eval()
    with torch.no_grad():
        after = caffe(x)
    print('\nlog-ratio std before/after:', stats['log_spread_before'],
          stats['log_spread_after'], 'ratios', stats['before'], stats['after'])
    assert stats['iterations'] >= 1
    assert stats['log_spread_after'] < 0.25 * stats['log_spread_before']
    logs = torch.tensor(list(stats['after'].values())).log()
    assert float(logs.max() - logs.min()) < float(
        torch.tensor(list(stats['before'].values())).log().aminmax()[1] -
        torch.tensor(list(stats['before'].values())).log().aminmax()[0])
    scales = list(stats['feature_scales'].values())
    assert max(scales) / min(scales) > 1.01  # the layers really were rescaled
    for i, name in enumerate(('conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7')):
        c = stats['feature_scales'][name]
        assert c > 0
        # each layer's output is the old one times a positive constant: same ReLU pattern
        assert _rel(after[i], c * before[i]) < 1e-4, name
        # same ReLU pattern: units switched on/off only at float-rounding distance from 0
        flipped = (after[i] > 0) != (before[i] > 0)
        assert flipped.float().mean() < 1e-3, name
        if flipped.any():
            assert (c * before[i])[flipped].abs().max() < 1e-4 * after[i].abs().max(), name
    assert torch.equal(after[6].argmax(1), before[6].argmax(1))


def test_export_backbone_loads_with_weights_only_and_init_cfg(pretrain_ckpt, tmp_path):
    tool = export_tool()
    out = str(tmp_path / 'backbone.pth')
    tool.export(pretrain_ckpt, out, 'backbone')
    saved = torch.load(out, map_location='cpu', weights_only=True)
    src = torch.load(pretrain_ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert set(saved['state_dict']) == {k[9:] for k in src if k.startswith('backbone.')}
    meta = saved['meta']
    assert meta['source'] == osp.abspath(pretrain_ckpt) and meta['iter'] == 7
    assert meta['format'] == 'backbone' and 'CrossDomainMultiTask' in meta['config']
    model = SynthAlexNet(init_cfg=dict(type='Pretrained', checkpoint=out))
    model.init_weights()
    for k, v in model.state_dict().items():
        assert torch.equal(v, src['backbone.' + k]), k


def test_export_caffe_formats(pretrain_ckpt, tmp_path):
    tool = export_tool()
    src = torch.load(pretrain_ckpt, map_location='cpu', weights_only=False)['state_dict']
    exact = synth_to_caffe_alexnet(src)
    plain = str(tmp_path / 'plain.pth')
    tool.export(pretrain_ckpt, plain, 'caffe-alexnet', rescale=False)
    saved = torch.load(plain, map_location='cpu', weights_only=True)
    assert saved['meta']['rescale'] is None and saved['meta']['conv1_padding'] == 0
    assert all(torch.equal(saved['state_dict'][k], v) for k, v in exact.items())
    CaffeAlexNet(init_cfg=None).load_state_dict(saved['state_dict'], strict=True)

    rs = str(tmp_path / 'rs.pth')
    tool.export(pretrain_ckpt, rs, 'caffe-alexnet', rescale_num=2, rescale_iters=1)
    saved = torch.load(rs, map_location='cpu', weights_only=True)
    stats = saved['meta']['rescale']
    assert stats['images'] == 'builtin' and stats['num_images'] == 2
    assert stats['log_spread_after'] < stats['log_spread_before']
    # weights differ from the exact ones by exactly the reported per-layer scales
    for name, s in stats['weight_scales'].items():
        assert torch.allclose(saved['state_dict'][f'{name}.weight'],
                              exact[f'{name}.weight'] * s, rtol=1e-4, atol=1e-12)
    model = CaffeAlexNet(init_cfg=dict(type='Pretrained', checkpoint=rs))
    model.init_weights()
    assert torch.equal(model.fc6.weight, saved['state_dict']['fc6.weight'])

    det = str(tmp_path / 'det.pth')
    tool.export(pretrain_ckpt, det, 'caffe-alexnet-mmdet', rescale=False)
    sd = torch.load(det, map_location='cpu', weights_only=True)['state_dict']
    assert sorted(sd) == sorted(
        [f'backbone.conv{i}.{p}' for i in range(1, 6) for p in ('weight', 'bias')] +
        [f'roi_head.bbox_head.shared_fcs.{i}.{p}' for i in (0, 1) for p in ('weight', 'bias')])
    assert torch.equal(sd['roi_head.bbox_head.shared_fcs.0.weight'], exact['fc6.weight'])
    assert torch.equal(sd['backbone.conv5.bias'], exact['conv5.bias'])
    # mmdet's head flattens RoI features like CaffeAlexNet: same fc7 for the same pool5
    from mmdet.models.roi_heads.bbox_heads import Shared2FCBBoxHead
    head = Shared2FCBBoxHead(in_channels=256, roi_feat_size=6, fc_out_channels=4096,
                             num_classes=20)
    head.load_state_dict({k[len('roi_head.bbox_head.'):]: v for k, v in sd.items()
                          if k.startswith('roi_head.')}, strict=False)
    caffe = CaffeAlexNet(init_cfg=None).eval()
    caffe.load_state_dict(exact)
    roi = torch.rand(3, 256, 6, 6)
    with torch.no_grad():
        y = roi.flatten(1)
        for fc in head.shared_fcs:
            y = head.relu(fc(y))
        ref = F.relu(caffe.fc7(F.relu(caffe.fc6(roi.flatten(1)))))
    assert torch.allclose(y, ref, atol=1e-6)


def _write_bad(tmp_path, kind: str) -> str:
    p = str(tmp_path / f'{kind}.pth')
    if kind == 'garbage':
        with open(p, 'w') as f:
            f.write('this is not a checkpoint')
    elif kind == 'nostate':
        torch.save(dict(meta=dict(iter=1)), p)
    elif kind == 'nobackbone':
        torch.save(dict(state_dict={'head.fc.weight': torch.zeros(2, 2)}), p)
    elif kind == 'mmdet':  # a ResNet Faster R-CNN checkpoint
        torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(64, 3, 7, 7),
                                    'backbone.layer1.0.conv1.weight': torch.zeros(64, 64, 1, 1),
                                    'rpn_head.rpn_conv.weight': torch.zeros(1)}), p)
    return p


@pytest.mark.parametrize('kind,message', [
    ('missing', 'no such file'),
    ('dir', 'not a file'),
    ('garbage', 'not a torch checkpoint'),
    ('nostate', 'no "state_dict"'),
    ('nobackbone', 'no "backbone." keys'),
    ('mmdet', 'not a SynthAlexNet'),
])
def test_bad_inputs_are_named(tmp_path, capsys, kind, message):
    if kind == 'missing':
        path = str(tmp_path / 'nope.pth')
    elif kind == 'dir':
        path = str(tmp_path)
    else:
        path = _write_bad(tmp_path, kind)
    rc = export_tool().main([path, str(tmp_path / 'out.pth'), '--format', 'caffe-alexnet'])
    err = capsys.readouterr().err
    assert rc == 1 and path in err and message in err, err
    assert not osp.exists(tmp_path / 'out.pth')


def test_cli_subprocess(pretrain_ckpt, tmp_path):
    out = str(tmp_path / 'bb.pth')
    proc = subprocess.run([sys.executable, EXPORT_TOOL, pretrain_ckpt, out], cwd=REPO,
                          env=tool_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'backbone' in proc.stdout and '(iter 7)' in proc.stdout
    assert 'conv1.bn.running_mean' in torch.load(out, weights_only=True)['state_dict']
    bad = _write_bad(tmp_path, 'garbage')
    proc = subprocess.run([sys.executable, EXPORT_TOOL, bad, out], cwd=REPO, env=tool_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and f'{bad}: not a torch checkpoint' in proc.stderr
