# Copyright (c) synthssl contributors.
"""tools/atdt/feature_gap.py: the domain gap of the features D2 receives, on a tiny stage 3
(random task networks, the tiny renders of both domains)."""
import json
import math

import pytest
import torch
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement

from synthssl.models.utils.mmseg_adapter import resnet_encode

from atdt_helpers import load_stage
from helpers import load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/atdt/feature_gap.py', 'atdt_feature_gap')


def test_mean_gap_streamed_equals_the_formula(tool):
    """A = {(1, 0), (-1, 0)}, B = {(3, 0), (1, 0)}: means 2 apart, both total variances 1 ->
    gap 4; random sets fed in pieces give the one-shot formula."""
    a, b = tool.MomentStats(), tool.MomentStats()
    a.update(torch.tensor([[1., 0.]]))
    a.update(torch.tensor([[-1., 0.]]))
    b.update(torch.tensor([[3., 0.], [1., 0.]]))
    assert a.total_variance == pytest.approx(1.) and b.total_variance == pytest.approx(1.)
    assert tool.mean_gap(b, a) == pytest.approx(4.)
    assert tool.mean_gap(a, a) == 0.
    x = torch.randn(50, 7, dtype=torch.float64)
    y = torch.randn(30, 7, dtype=torch.float64) * 2 + 0.5
    sx, sy = tool.MomentStats(), tool.MomentStats()
    for chunk in x.split(8):
        sx.update(chunk)
    sy.update(y)
    expected = ((x.mean(0) - y.mean(0)) ** 2).sum() / (
        (x.var(0, unbiased=False).sum() + y.var(0, unbiased=False).sum()) / 2)
    assert tool.mean_gap(sy, sx) == pytest.approx(float(expected), rel=1e-12)
    with pytest.raises(ValueError, match='channels'):
        tool.mean_gap(sy, _stats(tool, torch.ones(2, 3)))


def _stats(tool, v):
    s = tool.MomentStats()
    s.update(v)
    return s


def test_padding_locations_are_left_out(tool):
    """A 56 x 88 image padded to 64 x 128 at output stride 16: 4 x 6 of the 4 x 8 feature
    locations are the image's; a full-size one keeps all."""
    feat = torch.arange(2 * 3 * 4 * 8, dtype=torch.float32).reshape(2, 3, 4, 8)
    samples = [BaseDataElement(metainfo=dict(img_shape=(56, 88))),
               BaseDataElement(metainfo=dict(img_shape=(64, 128)))]
    v = tool.valid_vectors(feat, samples, (64, 128))
    assert v.shape == (4 * 6 + 4 * 8, 3)
    assert torch.equal(v[:24], feat[0, :, :4, :6].flatten(1).t())
    assert torch.equal(v[24:], feat[1].flatten(1).t())


@pytest.fixture
def stage3(atdt_pair, tmp_path, mmseg_scope):
    """A tiny Dep.->Sem. stage 3 as run_pipeline leaves it: config.py and a checkpoint
    holding E1, N2 and G (random weights)."""
    cfg = load_stage('render-indoor2warm', 'dep2sem_transfer', atdt_pair, str(tmp_path),
                     iters=1, checkpoint=False)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'iter_1.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    path = tmp_path / 'config.py'
    cfg.dump(str(path))
    return cfg, str(path), str(ckpt)


def test_gaps_of_a_tiny_stage3(tool, stage3, tmp_path):
    """Every gap is finite and >= 0 on both domains' images, written to --out; G's own gap
    on A equals the formula over features computed here in one batch."""
    cfg, config, ckpt = stage3
    out = tmp_path / 'gap.json'
    res = tool.main([config, ckpt, '--batch-size', '1', '--out', str(out)])
    assert res['images'] == dict(A=2, B=2)
    assert set(res['gaps']) == {'E1', 'baseline', 'atdt', 'atdt_on_A'}
    assert all(math.isfinite(v) and v >= 0 for v in res['gaps'].values())
    assert all(math.isfinite(v) and v > 0 for v in res['variance_ratios'].values())
    assert out.read_text().startswith('{')
    # reference: G(E1(x_A)) against E2(x_A), A's two 64 x 64 views in one batch (no padding)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(ckpt)['state_dict'])
    model.eval()
    dl = dict(cfg.val_dataloader, batch_size=2)
    data = model.data_preprocessor(next(iter(Runner.build_dataloader(dl))), False)
    enc = resnet_encode
    with torch.no_grad():
        e2 = enc(model.target.backbone, data['inputs'], model.transfer_level)
        g = model.transfer(enc(model.source_encoder, data['inputs'], model.transfer_level))
    g, e2 = (f.double().permute(0, 2, 3, 1).reshape(-1, f.shape[1]) for f in (g, e2))
    expected = ((g.mean(0) - e2.mean(0)) ** 2).sum() / (
        (g.var(0, unbiased=False).sum() + e2.var(0, unbiased=False).sum()) / 2)
    assert res['gaps']['atdt_on_A'] == pytest.approx(float(expected), rel=1e-6)
    # a run_pipeline stage folder: done.json names config and checkpoint
    (tmp_path / 'done.json').write_text(json.dumps(dict(config=config, checkpoint=ckpt)))
    assert tool.main([str(tmp_path), '--batch-size', '1'])['gaps'] == res['gaps']


def test_non_shared_n1_uses_its_domain_b_encoder(tool, stage3, tmp_path):
    """§6.2 non-shared N1: on B the tool takes E1 from N1^B (the encoder AT/DT applies
    there), on A from the N1 that G was trained on."""
    cfg, _, _ = stage3
    model = MODELS.build(dict(cfg.model, separate_test_source=True,
                              test_source_checkpoint=str(tmp_path / 'n1_b.pth')))
    with torch.no_grad():
        for p in model.test_source_encoder.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.eval()
    dl = dict(cfg.test_dataloader, batch_size=2, num_workers=0, persistent_workers=False)
    data = model.data_preprocessor(next(iter(Runner.build_dataloader(dl))), False)
    stats = {}
    assert tool.collect(model, Runner.build_dataloader(dl), 'B', stats, max_images=None) == 2

    def mean(f):  # over the images' own feature locations, as the tool takes them
        return tool.valid_vectors(f, data['data_samples'], data['inputs'].shape[2:]).double() \
            .mean(0)

    with torch.no_grad():
        e1_b = resnet_encode(model.test_source_encoder, data['inputs'], model.transfer_level)
        e1_a = resnet_encode(model.source_encoder, data['inputs'], model.transfer_level)
        g_b = model.transfer(e1_b)
    assert torch.allclose(stats['E1_B'].mean, mean(e1_b), rtol=1e-4)
    assert not torch.allclose(stats['E1_B'].mean, mean(e1_a), rtol=1e-2)
    assert torch.allclose(stats['G_B'].mean, mean(g_b), rtol=1e-4, atol=1e-6)


def test_bad_inputs_name_the_file(tool, stage3, atdt_pair, tmp_path):
    cfg, config, ckpt = stage3
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        tool.main([config, str(tmp_path / 'missing.pth')])
    (tmp_path / 'n2').mkdir(exist_ok=True)
    with pytest.raises(FileNotFoundError, match=f'{tmp_path / "n2"} has no done.json'):
        tool.main([str(tmp_path / 'n2')])
    n2 = load_stage('render-indoor2warm', 'semantic_A', atdt_pair, str(tmp_path / 'n2'),
                    iters=1, checkpoint=False)
    n2_path = tmp_path / 'n2_config.py'
    n2.dump(str(n2_path))
    with pytest.raises(ValueError, match='n2_config.py is not a stage-3 config'):
        tool.main([str(n2_path), ckpt])
    no_g = tmp_path / 'no_g.pth'
    sd = {k: v for k, v in torch.load(ckpt)['state_dict'].items()
          if not k.startswith('transfer.')}
    torch.save(dict(state_dict=sd), no_g)
    with pytest.raises(ValueError, match=r'no_g.pth is not a stage-3 checkpoint: it holds no '
                       r'transfer weights'):
        tool.main([config, str(no_g)])
