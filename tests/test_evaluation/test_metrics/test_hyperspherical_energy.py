# Copyright (c) synthssl contributors.
"""Hyperspherical energy (CSG Eq. 1) against hand computations."""
import math

import numpy as np
import pytest
import torch

from synthssl.evaluation import HypersphericalEnergy, hyperspherical_energy


def circle(*degrees, radius=1.0):
    a = np.radians(degrees)
    return torch.tensor(np.stack([np.cos(a), np.sin(a)], 1) * radius)


@pytest.mark.parametrize('s,mean', [
    # equilateral triangle on the unit circle: all 6 ordered pairs at distance sqrt(3)
    (0, math.log(1 / math.sqrt(3))), (1, 1 / math.sqrt(3)), (2, 1 / 3)])
def test_three_points_equilateral(s, mean):
    pts = circle(0, 120, 240, radius=3.0)  # normalised first: the radius does not matter
    assert hyperspherical_energy(pts, s) == pytest.approx(mean, rel=1e-9)
    assert hyperspherical_energy(pts, s, reduction='sum') == pytest.approx(6 * mean, rel=1e-9)


@pytest.mark.parametrize('s,total', [
    # 0, 90, 180 degrees: d = sqrt2, sqrt2, 2; each unordered pair counted twice (i != j)
    (0, 2 * (math.log(1 / math.sqrt(2)) * 2 + math.log(1 / 2))),
    (1, 2 * (2 / math.sqrt(2) + 1 / 2)),
    (2, 2 * (2 / 2 + 1 / 4))])
def test_three_points_right_angle(s, total):
    pts = circle(0, 90, 180) * torch.tensor([[1.0], [0.5], [7.0]], dtype=torch.float64)
    assert hyperspherical_energy(pts, s, reduction='sum') == pytest.approx(total, rel=1e-9)
    assert hyperspherical_energy(pts, s) == pytest.approx(total / 6, rel=1e-9)
    assert hyperspherical_energy(pts.numpy(), s, chunk_size=1) == pytest.approx(total / 6)


def test_spread_set_has_lower_energy_than_clumped_set():
    g = torch.Generator().manual_seed(0)
    spread = torch.randn(200, 16, generator=g)
    clumped = torch.ones(200, 16) + 0.3 * torch.randn(200, 16, generator=g)
    for s in (0, 1, 2):
        assert hyperspherical_energy(spread, s) < hyperspherical_energy(clumped, s), s
    # without normalisation the clumped set's vectors are long, not close on the sphere
    assert hyperspherical_energy(clumped * 5, 1) == pytest.approx(
        hyperspherical_energy(clumped, 1))


def test_bad_inputs():
    with pytest.raises(ValueError, match='at least 2'):
        hyperspherical_energy(torch.ones(1, 4))
    with pytest.raises(ValueError, match=r'\(N, C\)'):
        hyperspherical_energy(torch.ones(4))
    with pytest.raises(ValueError, match='all zero'):
        hyperspherical_energy(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match='s must be >= 0'):
        hyperspherical_energy(torch.eye(3), s=-1)
    # coincident points: clamped, finite
    assert math.isfinite(hyperspherical_energy(torch.ones(3, 2), 2))


def test_metric_over_samples_and_per_class():
    pts = circle(0, 120, 240, 0, 90, 180).float()
    samples = [dict(pred_feat=p.reshape(1, 2), gt_label=torch.tensor([c]))
               for p, c in zip(pts, [0, 0, 0, 1, 1, 1])]
    metric = HypersphericalEnergy(s=[0, 2], per_class=True)
    metric.dataset_meta = dict(classes=('triangle', 'right'))
    metric.process({}, samples[:4])
    metric.process({}, samples[4:])
    out = metric.evaluate(6)
    assert out['hse/E_s0'] == pytest.approx(hyperspherical_energy(pts, 0), rel=1e-6)
    assert out['hse/E_s2_triangle'] == pytest.approx(1 / 3, rel=1e-6)
    assert out['hse/E_s2_right'] == pytest.approx(2.5 / 6, rel=1e-6)
    assert out['hse/E_s2_class_mean'] == pytest.approx((1 / 3 + 2.5 / 6) / 2, rel=1e-6)
    assert set(out) == {f'hse/E_s{s}{k}' for s in (0, 2)
                        for k in ('', '_triangle', '_right', '_class_mean')}


def test_metric_subset_and_errors():
    g = torch.Generator().manual_seed(1)
    feats = torch.randn(50, 8, generator=g)
    metric = HypersphericalEnergy(s=1, feat_key='feat', max_samples=10, seed=3)
    metric.process({}, [dict(feat=f) for f in feats])
    keep = np.sort(np.random.default_rng(3).choice(50, 10, replace=False))
    assert metric.evaluate(50)['hse/E_s1'] == pytest.approx(
        hyperspherical_energy(feats[keep], 1), rel=1e-6)
    with pytest.raises(KeyError, match="needs 'pred_feat'"):
        HypersphericalEnergy().process({}, [dict(feat=feats[0])])
    with pytest.raises(KeyError, match='gt_label'):
        HypersphericalEnergy(per_class=True).process({}, [dict(pred_feat=feats[0])])


def test_analysis_tool_on_visda_layout(tmp_path):
    """tools/analysis_tools/hyperspherical_energy.py: config + checkpoint -> JSON, equal to
    the energy of the GAP'ed last-stage features computed here."""
    import json
    import os
    import os.path as osp
    import sys

    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from PIL import Image

    import mmpretrain.models  # noqa: F401  (registers ImageClassifier & co.)
    from mmpretrain.registry import MODELS

    from helpers import run_tool

    rng = np.random.default_rng(0)
    split = tmp_path / 'validation'
    lines = []
    for i, (folder, label) in enumerate([('bus', 2), ('bus', 2), ('car', 3), ('car', 3),
                                         ('truck', 11)]):
        os.makedirs(split / folder, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(
            split / folder / f'{i}.jpg')
        lines.append(f'{folder}/{i}.jpg {label}')
    (split / 'image_list.txt').write_text('\n'.join(lines) + '\n')
    pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(32, 32)),
                dict(type='PackInputs')]
    cfg = Config(dict(
        default_scope='mmpretrain',
        model=dict(type='ImageClassifier',
                   data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=12,
                                          mean=[123.675, 116.28, 103.53],
                                          std=[58.395, 57.12, 57.375], to_rgb=True),
                   backbone=dict(type='ResNet', depth=18),
                   neck=dict(type='GlobalAveragePooling'),
                   head=dict(type='LinearClsHead', num_classes=12, in_channels=512)),
        val_dataloader=dict(batch_size=2, num_workers=0,
                            dataset=dict(type='synthssl.VisDA17Dataset',
                                         data_root=str(split), pipeline=pipeline),
                            sampler=dict(type='DefaultSampler', shuffle=False),
                            collate_fn=dict(type='default_collate'))))
    cfg_path = str(tmp_path / 'hse_cfg.py')
    cfg.dump(cfg_path)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.eval()
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=0)), ckpt)

    out = str(tmp_path / 'hse.json')
    proc = run_tool([sys.executable, 'tools/analysis_tools/hyperspherical_energy.py', cfg_path,
                     ckpt, '--per-class', '--s', '0', '2', '--device', 'cpu', '--out', out])
    result = json.loads(proc.stdout[proc.stdout.index('{'):])
    assert result == json.load(open(out))
    assert result['num_samples'] == 5 and result['feature_dim'] == 512
    assert result['backbone'] == 'backbone'  # ImageClassifier; synthssl.CSG: model.backbone

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        loader = Runner.build_dataloader(cfg.val_dataloader)
    feats = []
    with torch.no_grad():
        for data in loader:
            data = model.data_preprocessor(data, False)
            feats.append(model.backbone(data['inputs'])[-1].mean(dim=(2, 3)))
    feats = torch.cat(feats)
    e = result['energies']
    assert e['E_s0'] == pytest.approx(hyperspherical_energy(feats, 0), rel=1e-5)
    assert e['E_s2'] == pytest.approx(hyperspherical_energy(feats, 2), rel=1e-5)
    assert e['E_s2_bus'] == pytest.approx(hyperspherical_energy(feats[:2], 2), rel=1e-5)
    assert e['E_s0_car'] == pytest.approx(hyperspherical_energy(feats[2:4], 0), rel=1e-5)
    assert 'E_s0_truck' not in e  # a single sample has no pair
    assert osp.basename(result['checkpoint']) == 'model.pth'
