# Copyright (c) synthssl contributors.
"""Every shipped AT/DT stage config, shrunk (tiny ResNet-18, 64x64 renders, B's test views
56x88), trains one iteration with mmengine's Runner and tests to finite metrics on the
domain it names; stage 3 from task-network checkpoints of its own N1/N2 configs. Plus what
the configs must say (focal ratios, transfer levels, no-BN networks)."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner import Runner

from atdt_helpers import CONFIG_DIR, all_configs, load_stage
from helpers import assert_finite_metrics

FULL = {'depth_AB', 'depth_A', 'depth_B', 'semantic_AB', 'semantic_A', 'semantic_B',
        'dep2sem_transfer', 'sem2dep_transfer'}
#: the §6 ablations (Fig. 4 transfer level, Tab. 5 non-shared N1, Tab. 6 no BN)
ABLATIONS = {'dep2sem_transfer_level0', 'dep2sem_transfer_level1', 'dep2sem_transfer_level2',
             'depth_A_nonshared', 'depth_B_nonshared', 'dep2sem_transfer_nonshared',
             'depth_AB_nobn', 'semantic_A_nobn', 'dep2sem_transfer_nobn'}
LEVELS = {'dep2sem_transfer_level0', 'dep2sem_transfer_level1', 'dep2sem_transfer_level2'}
#: pair -> its stage configs (paper: Tab. 1, 2, Fig. 4, Tab. 5, 6)
SHIPPED = {
    'render-indoor2warm': FULL | ABLATIONS,  # everything on the built-in pair
    # the built-in pair with ResNet-18 task networks (the CPU plateau schedule) and Fig. 4
    'render-indoor2warm_r18': FULL | LEVELS,
    'carla2cityscapes': FULL,  # Tab. 1c, 2b
    'synthia2carla': FULL,  # Tab. 1a, 2a
    # Tab. 1b (Dep.->Sem. only) and the ablations
    'synthia2cityscapes': {'depth_AB', 'semantic_A', 'semantic_B', 'dep2sem_transfer'}
    | ABLATIONS,
    'carla2kitti': {'semantic_AB', 'depth_A', 'depth_B', 'sem2dep_transfer'},  # Tab. 2c
}
CONFIGS = all_configs()
#: released focal table (pixels)
FOCAL = dict(cityscapes=2262.52, carla=859.238, synthia=847.63)


def _finite(metrics, semantic):
    # a class absent from 2 tiny views (in ground truth and prediction) has IoU NaN by
    # definition; every other metric must be finite
    assert_finite_metrics(metrics, ignore=['IoU.*'])
    if semantic:
        assert_finite_metrics(metrics, keys=['aAcc', 'mIoU'])
        ious = [v for k, v in metrics.items() if k.startswith('IoU.')]
        assert len(ious) == 10  # the rendered classes
        finite = [v for v in ious if math.isfinite(v)]
        assert finite and metrics['mIoU'] == pytest.approx(sum(finite) / len(finite), abs=0.01)
    else:
        assert_finite_metrics(metrics, keys=['depth/abs_rel', 'depth/rmse', 'depth/a1'])


def _train_domains(name):
    """The tiny domains a stage config trains on, from its name."""
    if 'transfer' in name:
        return ['domain_a_train']  # G sees A only
    part = name.split('_')[1]
    return {'AB': ['domain_a_train', 'domain_b_train'], 'A': ['domain_a_train'],
            'B': ['domain_b_train']}[part]


def _save_net(net_cfg, path):
    """A task-network checkpoint as stages 1/2 write it ({'state_dict': backbone.*,
    decode_head.*}), from the (shrunk) network config."""
    from mmengine.registry import MODELS
    init_default_scope('mmseg')
    with DefaultScope.overwrite_default_scope('mmseg'):
        net = MODELS.build(net_cfg)
    net.init_weights()
    torch.save(dict(state_dict=net.state_dict()), path)
    return str(path)


def test_shipped_configs():
    found = {}
    for c in CONFIGS:
        pair, name = c.split('/')
        found.setdefault(pair, set()).add(name)
    assert found == SHIPPED


@pytest.mark.parametrize('config', CONFIGS)
def test_stage_runs(config, atdt_pair, tmp_path):
    pair, name = config.split('/')
    cfg = load_stage(pair, name, atdt_pair, str(tmp_path), iters=1, checkpoint=False)
    train = cfg.train_dataloader.dataset
    roots = [d.data_root for d in train.datasets] if 'datasets' in train else [train.data_root]
    assert roots == [atdt_pair[k] for k in _train_domains(name)]
    # tested on B, except carla2kitti's semantic N1 (KITTI 2012 has no semantic labels)
    test_dom = 'domain_a_val' if config == 'carla2kitti/semantic_AB' else 'domain_b_val'
    assert cfg.test_dataloader.dataset.data_root == atdt_pair[test_dom]
    model = cfg.model
    if model.type.endswith('ATDTTransfer'):
        model.source_checkpoint = _save_net(model.source, tmp_path / 'n1.pth')
        model.target_checkpoint = _save_net(model.target, tmp_path / 'n2.pth')
        if model.get('separate_test_source'):
            model.test_source_checkpoint = _save_net(model.source, tmp_path / 'n1b.pth')
        semantic = model.target.decode_head.task == 'semantic'
    else:
        semantic = model.decode_head.task == 'semantic'
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert_finite_metrics(runner.message_hub.log_scalars, keys=['train/loss*'])
    metrics = runner.test()
    _finite(metrics, semantic)
    assert not osp.exists(osp.join(str(tmp_path), 'iter_1.pth'))  # no checkpoint written


# ----------------------------------------------------------------------------- what they say
def _cfg(config):
    return Config.fromfile(osp.join(CONFIG_DIR, config + '.py'))


@pytest.mark.parametrize('pair,a,b', [('carla2cityscapes', 'carla', 'cityscapes'),
                                      ('synthia2carla', 'synthia', 'carla')])
def test_focal_ratio_of_depth_trained_on_a(pair, a, b):
    """N2^A (baseline) and D2(G(E1)) are scaled by focal(B) / focal(A) on B, not on A; the
    oracle (trained on B) and N1^{A u B} are not scaled."""
    ratio = FOCAL[b] / FOCAL[a]
    for name in ('depth_A', 'sem2dep_transfer'):
        cfg = _cfg(f'{pair}/{name}')
        assert cfg.test_evaluator.pred_scale == pytest.approx(ratio)
        assert cfg.val_evaluator.get('pred_scale', 1) == 1
    for name in ('depth_B', 'depth_AB'):
        assert _cfg(f'{pair}/{name}').test_evaluator.get('pred_scale', 1) == 1


def test_carla2kitti_focal_per_image_and_padding():
    for name in ('depth_A', 'sem2dep_transfer'):
        cfg = _cfg(f'carla2kitti/{name}')
        ev = cfg.test_evaluator
        assert ev.type == 'synthssl.FocalRatioDepthMetric' and ev.train_focal == FOCAL['carla']
        pack = cfg.test_dataloader.dataset.pipeline[-1]
        assert 'focal_length' in pack.meta_keys and cfg.test_dataloader.dataset.calib_dir
        net = cfg.model if name == 'depth_A' else cfg.model.target
        assert net.data_preprocessor.test_cfg == dict(size_divisor=64)
    oracle = _cfg('carla2kitti/depth_B')
    assert oracle.test_evaluator.type == 'synthssl.DepthMetric'
    assert oracle.train_dataloader.dataset.depth_dir.endswith('disp_occ_0')


@pytest.mark.parametrize('pair,depth', [('synthia2cityscapes', 50), ('render-indoor2warm', 50),
                                        ('render-indoor2warm_r18', 18)])
@pytest.mark.parametrize('level', [0, 1, 2, 3])
def test_transfer_level_configs_match_the_encoder(level, pair, depth):
    """Fig. 4: G's channels are those of the encoder's (ResNet-50's, or ResNet-18's)
    residual stage `level` (4 = the main config), checked on the real encoder."""
    from mmengine.registry import MODELS

    from synthssl.models.utils.mmseg_adapter import resnet_encode
    name = 'dep2sem_transfer' + (f'_level{level}' if level < 3 else '')
    cfg = _cfg(f'{pair}/{name}')
    assert cfg.model.transfer_level % 4 == level
    assert cfg.model.source.backbone.depth == cfg.model.target.backbone.depth == depth
    init_default_scope('mmseg')
    with DefaultScope.overwrite_default_scope('mmseg'):
        enc = MODELS.build(cfg.model.source.backbone)
    enc.eval()  # (mmseg's ResNet.train returns None)
    with torch.no_grad():
        f = resnet_encode(enc, torch.zeros(1, 3, 64, 64), level)
    assert cfg.model.transfer.in_channels == cfg.model.transfer.out_channels == f.shape[1]
    # released G width (512 on the rendered pair)
    assert cfg.model.transfer.channels == (2048 if pair == 'synthia2cityscapes' else 512)


@pytest.mark.parametrize('pair', ['synthia2cityscapes', 'render-indoor2warm'])
def test_nobn_configs_have_no_batch_norm(pair):
    """Tab. 6: no BN anywhere in the no-BN task networks (encoder and decoder), BN in the
    default ones; both N1 and N2 of the transfer config."""
    from mmengine.registry import MODELS
    from torch.nn.modules.batchnorm import _BatchNorm

    from synthssl.models.utils import IdentityNorm
    init_default_scope('mmseg')
    cfg = _cfg(f'{pair}/dep2sem_transfer_nobn')
    ref = _cfg(f'{pair}/dep2sem_transfer')
    with DefaultScope.overwrite_default_scope('mmseg'):
        for net in ('source', 'target'):
            no, bn = MODELS.build(cfg.model[net]), MODELS.build(ref.model[net])
            assert not any(isinstance(m, _BatchNorm) for m in no.modules())
            n_id = sum(isinstance(m, IdentityNorm) for m in no.modules())
            assert n_id == sum(isinstance(m, _BatchNorm) for m in bn.modules()) > 50
    for name in ('depth_AB_nobn', 'semantic_A_nobn'):
        c = _cfg(f'{pair}/{name}')
        assert c.model.backbone.norm_cfg == c.model.decode_head.norm_cfg == \
            dict(type='synthssl.IdentityNorm', bias=True)


def _networks(cfg):
    """The task networks of a stage config (stage 3: source and target)."""
    m = cfg.model
    return [m.source, m.target] if 'source' in m else [m]


@pytest.mark.parametrize('name', sorted(SHIPPED['render-indoor2warm_r18']))
def test_r18_configs_differ_only_in_the_networks(name):
    """Each ResNet-18 stage config is the built-in pair's config of that name with ResNet-18
    encoders (512 channels into the decoder; G at the same residual stage, with that stage's
    channels): data, crops, losses, optimiser and schedule are the same."""
    r18, r50 = _cfg(f'render-indoor2warm_r18/{name}'), _cfg(f'render-indoor2warm/{name}')
    for net18, net50 in zip(_networks(r18), _networks(r50), strict=True):
        assert (net18.backbone.depth, net50.backbone.depth) == (18, 50)
        assert (net18.decode_head.in_channels, net50.decode_head.in_channels) == (512, 2048)
        net18.backbone.depth, net18.decode_head.in_channels = 50, 2048
    if 'transfer' in r50.model:
        t18, t50 = r18.model.transfer, r50.model.transfer
        assert t18.in_channels == t18.out_channels == t50.in_channels // 4
        t18.in_channels, t18.out_channels = t50.in_channels, t50.out_channels
    skip = {'r18', 'filename', '_base_'}
    d18 = {k: v for k, v in r18.to_dict().items() if k not in skip}
    d50 = {k: v for k, v in r50.to_dict().items() if k not in skip}
    assert d18 == d50
