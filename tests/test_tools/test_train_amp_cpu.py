# Copyright (c) synthssl contributors.
"""``tools/train.py --amp`` on a CPU-only machine: bfloat16 autocast for both of Ren & Lee's
optimisers (with domain adaptation) and for the single-optimiser ablation, and a resume."""
import os.path as osp
import sys

import torch

from helpers import assert_finite_metrics, logged_scalars, run_tool
from pretrain_helpers import adam_steps


def test_amp_trains_and_resumes_both_wrappers(tiny_pretrain_cfg, tmp_path):
    work = str(tmp_path / 'amp')
    args = [sys.executable, 'tools/train.py', tiny_pretrain_cfg, '--work-dir', work, '--amp',
            '--cfg-options', 'default_hooks.checkpoint.interval=2']
    run_tool(args + ['train_cfg.max_iters=2'])
    with open(osp.join(work, osp.basename(tiny_pretrain_cfg))) as f:
        dumped = f.read()
    assert dumped.count("synthssl.BF16OptimWrapper") == 2, dumped  # generator + discriminator
    assert_finite_metrics(logged_scalars(work), keys=['loss', 'loss_d', 'loss_adv'])
    run_tool(args + ['train_cfg.max_iters=4', '--resume'])
    ckpt = torch.load(osp.join(work, 'iter_4.pth'), map_location='cpu', weights_only=False)
    assert adam_steps(ckpt) == 4
    assert set(ckpt['optimizer']) == {'generator', 'discriminator'}
    assert all(v.dtype == torch.float32 for v in ckpt['state_dict'].values()
               if v.is_floating_point())


def test_amp_single_optimiser_ablation(tiny_pretrain_cfg, tmp_path):
    """The no-DA ablation trains with one optimiser wrapper through mmengine's train_step."""
    from mmengine.config import Config
    cfg = Config.fromfile(tiny_pretrain_cfg)
    cfg.model.discriminator = None
    cfg.optim_wrapper = dict(type='OptimWrapper',
                             optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999)))
    cfg.param_scheduler = None
    path = str(tmp_path / 'noda.py')
    cfg.dump(path)
    work = str(tmp_path / 'work')
    run_tool([sys.executable, 'tools/train.py', path, '--work-dir', work, '--amp',
              '--cfg-options', 'train_cfg.max_iters=2'])
    with open(osp.join(work, 'noda.py')) as f:
        assert "type='synthssl.BF16OptimWrapper'" in f.read()
    assert_finite_metrics(logged_scalars(work), keys=['loss', 'loss_normal', 'loss_depth',
                                                      'loss_contour'])
