# Copyright (c) synthssl contributors.
"""configs/benchmarks/nyud/vgg16_fcn_nyud-normals.py: initialised from a VGG16 pretraining
checkpoint, trained 2 iterations with tools/train.py and evaluated with tools/test.py on a
tiny NYUD stand-in (converted layout)."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from helpers import REPO, assert_finite_metrics, logged_scalars, run_tool
from nyud_testdata import write_layout
from pretrain_helpers import render_tiny_data, shrink

CFG = osp.join(REPO, 'configs', 'benchmarks', 'nyud', 'vgg16_fcn_nyud-normals.py')
PRETRAIN_CFG = osp.join(REPO, 'configs', 'renlee', 'vgg16_3task.py')
METRICS = ('mean', 'median', 'rmse', 'within_11.25', 'within_22.5', 'within_30')


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """iter_1.pth of the shipped VGG16 pretraining config, shrunk to 64x64 renders."""
    root = tmp_path_factory.mktemp('vgg_pretrain')
    cfg = shrink(Config.fromfile(PRETRAIN_CFG), render_tiny_data(str(root / 'data')),
                 str(root / 'work'), iters=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert_finite_metrics(runner.message_hub.log_scalars,
                          keys=['train/loss_normal', 'train/loss_adv', 'train/loss*',
                                'train/acc_d_*'])
    return osp.join(cfg.work_dir, 'iter_1.pth')


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


def test_config_matches_the_pretraining_network():
    cfg = Config.fromfile(CFG)
    pre = Config.fromfile(PRETRAIN_CFG)
    bb = cfg.model.backbone
    assert bb.type == 'SynthVGG16' and bb.norm_cfg == pre.model.backbone.norm_cfg
    assert bb.out_indices == ('conv3_3', 'conv4_3', 'conv5_3')
    assert bb.init_cfg == dict(type='Pretrained', checkpoint='', prefix='backbone.')
    assert cfg.model.head.in_channels == (256, 512, 512)
    assert cfg.model.head.loss.type == 'NormalDotLoss'
    pp, pre_pp = cfg.model.data_preprocessor, pre.model.data_preprocessor
    assert (pp.mean, pp.std, pp.bgr_to_rgb) == (pre_pp.mean, pre_pp.std, pre_pp.bgr_to_rgb)
    assert cfg.val_evaluator == dict(type='NormalMetric')
    assert [d.dataset.split for d in (cfg.train_dataloader, cfg.test_dataloader)] == \
        ['train', 'test']
    crops = [t['crop_size'] for t in cfg.train_dataloader.dataset.pipeline if 'crop_size' in t]
    assert crops == [224]  # the VGG16 network's input size (appendix)


def test_backbone_is_initialised_from_the_pretraining_checkpoint(pretrained):
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg.checkpoint = pretrained
    with DefaultScope.overwrite_default_scope('synthssl'):
        from synthssl.registry import MODELS
        model = MODELS.build(cfg.model)
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    model.init_weights()
    ckpt = {k[len('backbone.'):]: v for k, v in _state(pretrained).items()
            if k.startswith('backbone.')}
    own = model.backbone.state_dict()
    assert set(ckpt) == set(own)
    for k, v in ckpt.items():
        assert torch.equal(own[k], v), k
    assert not torch.equal(before['conv1_1.conv.weight'], own['conv1_1.conv.weight'])


def test_train_and_test_tools_give_finite_metrics(pretrained, tmp_path):
    data = write_layout(str(tmp_path / 'nyud'))
    work = str(tmp_path / 'work')
    opts = ['model.backbone.init_cfg.checkpoint=' + pretrained, 'model.head.channels=16',
            'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
            'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
            'log_processor.window_size=1',
            # tiny images: 64x48 kept, 32x32 crops; test input 32x24, ground truth 64x48
            'train_dataloader.dataset.pipeline.1.scale=(64,48)',
            'train_dataloader.dataset.pipeline.2.crop_size=32',
            'test_dataloader.dataset.pipeline.1.scale=(32,24)',
            'val_dataloader.dataset.pipeline.1.scale=(32,24)']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [f'{key}.dataset.data_root={data}', f'{key}.batch_size=2',
                 f'{key}.num_workers=0', f'{key}.persistent_workers=False']
    proc = run_tool(['python', 'tools/train.py', CFG, '--work-dir', work,
                     '--cfg-options'] + opts)
    log = proc.stdout + proc.stderr
    assert 'Iter(train) [2/2]' in log
    # both iterations' losses (logger interval 1) and the validation at iteration 2
    logged = assert_finite_metrics(
        logged_scalars(work), keys=['loss', 'loss_normal'] + [f'normal/{m}' for m in METRICS])
    assert len(logged['loss_normal']) == 2
    # the backbone (and nothing else) came from the pretraining checkpoint, every key found
    # (mmengine's init-weights report, written to the run's log file)
    (log_file, ) = glob.glob(osp.join(work, '*', '*.log'))
    with open(log_file) as f:
        assert 'PretrainedInit: load from ' + pretrained in f.read()
    assert 'missing keys in source state_dict' not in log
    ckpt = osp.join(work, 'iter_2.pth')
    assert osp.isfile(ckpt)
    proc = run_tool(['python', 'tools/test.py', CFG, ckpt, '--work-dir', work,
                     '--cfg-options'] + opts)
    log = proc.stdout + proc.stderr
    values = {}
    for name in METRICS:
        found = re.findall(rf'normal/{re.escape(name)}: ([-0-9.naife]+)', log)
        assert found, (name, log[-3000:])
        values[name] = float(found[-1])
    assert_finite_metrics(values)
    assert 0 <= values['mean'] <= 180 and 0 <= values['median'] <= 180
    assert values['mean'] <= values['rmse']
    assert values['within_11.25'] <= values['within_22.5'] <= values['within_30'] <= 100
