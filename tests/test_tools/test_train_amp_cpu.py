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


# --------------------------------------------------------------------------------------------
# One shipped config per pretraining family: 2 iterations with --amp, then --resume to 4.
def _train_amp_and_resume(cfg_path: str, work: str, opts=()) -> dict:
    """``tools/train.py CFG --amp`` for 2 iterations (checkpoint at 2), then ``--resume`` to
    4; returns the iteration-4 checkpoint after checking the wrappers, the finite losses and
    that the resumed run started at iteration 3."""
    import glob
    import json
    args = [sys.executable, 'tools/train.py', cfg_path, '--work-dir', work, '--amp',
            '--cfg-options', 'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1', 'log_processor.window_size=1',
            'train_cfg.val_interval=100', *opts]
    run_tool(args + ['train_cfg.max_iters=2'])
    with open(osp.join(work, osp.basename(cfg_path))) as f:
        assert 'BF16OptimWrapper' in f.read()
    assert_finite_metrics(logged_scalars(work), keys=['loss'])
    run_tool(args + ['train_cfg.max_iters=4', '--resume'])
    last = sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')))[-1]
    with open(last) as f:
        logged = [json.loads(line) for line in f if line.strip()]
    assert [r['step'] for r in logged if 'loss' in r] == [3, 4]  # (the rest: validation)
    ckpt = torch.load(osp.join(work, 'iter_4.pth'), map_location='cpu', weights_only=False)
    assert all(v.dtype == torch.float32 for v in ckpt['state_dict'].values()
               if v.is_floating_point())
    for state in ckpt['optimizer']['state'].values():
        assert all(v.dtype == torch.float32 for v in state.values()
                   if torch.is_tensor(v) and v.is_floating_point())
    return ckpt


def test_amp_single_task_config_trains_and_resumes(tmp_path):
    """configs/renlee/alexnet_depth_noda.py (one optimiser, no DA)."""
    from mmengine.config import Config

    from helpers import REPO
    from pretrain_helpers import render_tiny_data, shrink
    cfg = shrink(Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_depth_noda.py')),
                 render_tiny_data(str(tmp_path / 'data')), str(tmp_path / 'unused'))
    cfg.pop('experiment_name')
    path = str(tmp_path / 'alexnet_depth_noda.py')
    cfg.dump(path)
    ckpt = _train_amp_and_resume(path, str(tmp_path / 'work'))
    # Adam's step count: the state saved at iteration 2 was loaded and stepped twice more
    assert {int(s['step']) for s in ckpt['optimizer']['state'].values()} == {4}


def test_amp_atdt_stage_trains_and_resumes(atdt_pair, tmp_path):
    """configs/atdt/render-indoor2warm/depth_A.py (an AT/DT task network)."""
    from atdt_helpers import load_stage
    work = str(tmp_path / 'work')
    cfg = load_stage('render-indoor2warm', 'depth_A', atdt_pair, work)
    path = str(tmp_path / 'depth_A.py')
    cfg.dump(path)
    ckpt = _train_amp_and_resume(path, work)
    assert {int(s['step']) for s in ckpt['optimizer']['state'].values()} == {4}


def test_amp_csg_config_trains_and_resumes(toy_shapes_root, tmp_path):
    """configs/csg/csg_r18-tiny_toy-shapes_cpu.py (SGD with momentum, queues, EMA teacher)."""
    from helpers import REPO, data_root_options
    cfg = osp.join(REPO, 'configs', 'csg', 'csg_r18-tiny_toy-shapes_cpu.py')
    work = str(tmp_path / 'work')
    ckpt = _train_amp_and_resume(cfg, work, data_root_options(toy_shapes_root) + [
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'])
    mid = torch.load(osp.join(work, 'iter_2.pth'), map_location='cpu', weights_only=False)
    states = ckpt['optimizer']['state']
    assert states and set(states) == set(mid['optimizer']['state'])
    assert all('momentum_buffer' in s for s in states.values())
