# Copyright (c) synthssl contributors.
"""Every shipped pretraining config trains (and validates) for a few iterations on tiny
rendered data through mmengine's Runner."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import REPO, assert_finite_metrics
from pretrain_helpers import TINY, render_tiny_data, shrink, tiny_size

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'renlee', '*.py')))


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return render_tiny_data(str(tmp_path_factory.mktemp('pretrain_data')))


def test_the_paper_config_is_the_paper_setting():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py'))
    assert cfg.train_dataloader.batch_size * 8 == 224
    # the paper's Adam, run by torch's fused kernel (the same update, faster on the CPU)
    assert cfg.optim_wrapper.generator.optimizer == dict(type='Adam', lr=1e-3,
                                                         betas=(0.5, 0.999), fused=True)
    assert cfg.optim_wrapper.discriminator.optimizer == dict(
        type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4)
    assert (cfg.model.da_layer, cfg.model.adv_weight) == ('conv5', 0.05)
    crops = [t['crop_size'] for t in cfg.train_dataloader.dataset.syn.pipeline
             if 'crop_size' in t]
    assert crops == [227]
    assert any(t['type'] == 'RandomGrayscaleChannel'
               for t in cfg.train_dataloader.dataset.real.pipeline)


def test_the_vgg16_config_is_the_paper_setting():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'vgg16_3task.py'))
    alex = Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py'))
    assert cfg.optim_wrapper == alex.optim_wrapper
    assert cfg.train_dataloader.batch_size * 8 == 64
    assert (cfg.model.da_layer, cfg.model.da_tap, cfg.model.adv_weight) == ('conv5_3', 'pre', 0.05)
    assert cfg.model.head_layer == ('conv5_3', 'conv4_3', 'conv3_3', 'conv2_2')
    for key in ('syn', 'real'):
        crops = [t['crop_size'] for t in cfg.train_dataloader.dataset[key].pipeline
                 if 'crop_size' in t]
        assert crops == [224], key
    assert [t['scale'] for t in cfg.val_dataloader.dataset.pipeline if 'scale' in t] == \
        [(224, 224)]
    assert tiny_size(cfg) == 64 and tiny_size(alex) == TINY == 67


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_pretrain_config_runs(path, tiny_data, tmp_path):
    cfg = shrink(Config.fromfile(path), tiny_data, str(tmp_path / 'work'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = torch.load(osp.join(cfg.work_dir, 'iter_2.pth'), map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['iter'] == 2
    scalars = runner.message_hub.log_scalars
    tasks = cfg.model.heads.get('tasks', ('normal', 'depth', 'contour'))
    for task in tasks:
        assert f'train/loss_{task}' in scalars, task
    if cfg.model.get('discriminator'):
        assert {'train/loss_d', 'train/loss_adv', 'train/acc_d_real', 'train/acc_d_syn',
                'train/generator.lr', 'train/discriminator.lr'} <= set(scalars)
        assert set(ckpt['optimizer']) == {'generator', 'discriminator'}
        if cfg.get('param_scheduler'):
            assert set(ckpt['param_schedulers']) == {'generator', 'discriminator'}
    # the validation loop ran the three pretext metrics on held-out renders
    expected = dict(depth=('abs_rel', 'rmse', 'a1'), normal=('mean', 'median', 'within_11.25'),
                    contour=('ods_f', 'ap'))
    for task in tasks:
        for name in expected[task]:
            assert f'val/{task}/{name}' in scalars, (task, name)
    # every value logged (each iteration's losses, D's accuracies, lrs, the val metrics)
    checked = assert_finite_metrics(scalars)
    assert len(checked['train/loss']) == 2
