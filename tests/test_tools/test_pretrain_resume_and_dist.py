# Copyright (c) synthssl contributors.
"""alexnet_3task through the tools: a run killed mid-training resumes where it stopped
(backbone, heads, discriminator, both optimisers, schedulers, history pools), and the
two-optimiser algorithm trains under DDP (2 CPU processes, gloo, separate DDP wrappers)."""
import os
import os.path as osp
import sys

import torch

from helpers import (assert_finite_metrics, free_port, kill_when_file_appears, logged_scalars,
                     run_tool, tool_env)
from pretrain_helpers import adam_steps


#: what alexnet_3task logs every iteration (rank 0's values under DDP)
LOSSES = ['loss', 'loss_normal', 'loss_depth', 'loss_contour', 'loss_d', 'loss_adv', 'acc_d_syn',
          'acc_d_real']


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_killed_run_resumes_where_it_stopped(tiny_pretrain_cfg, tmp_path):
    work = str(tmp_path / 'work')
    cmd = [sys.executable, 'tools/train.py', tiny_pretrain_cfg, '--work-dir', work, '--cfg-options',
           'train_cfg.max_iters=1000', 'default_hooks.checkpoint.interval=2']
    # Killed as soon as the file appears: with the atomic backend it is complete.
    kill_when_file_appears(cmd, osp.join(work, 'iter_2.pth'))
    saved = sorted(int(f[5:-4]) for f in os.listdir(work) if f.startswith('iter_'))
    last = saved[-1]
    state = _load(osp.join(work, f'iter_{last}.pth'))
    assert adam_steps(state) == last
    assert int(state['state_dict']['pool_syn.count']) == min(4, 2 * last)

    target = last + 2
    proc = run_tool([sys.executable, 'tools/train.py', tiny_pretrain_cfg, '--work-dir', work, '--resume',
                     '--cfg-options', f'train_cfg.max_iters={target}',
                     'default_hooks.checkpoint.interval=2'])
    log = proc.stdout + proc.stderr
    assert f'resumed epoch: 0, iter: {last}' in log
    assert f'Iter(train) [{last + 1}/{target}]' in log  # continues, no restart at 1
    resumed = assert_finite_metrics(logged_scalars(work, last_run=True), keys=LOSSES)
    assert len(resumed['loss_adv']) == 2  # the two resumed iterations
    final = _load(osp.join(work, f'iter_{target}.pth'))
    assert final['meta']['iter'] == target
    assert adam_steps(final) == target  # the generator's Adam state was restored
    d_state = final['optimizer']['discriminator']['state']
    assert d_state and all('momentum_buffer' in v for v in d_state.values())
    assert set(final['param_schedulers']) == {'generator', 'discriminator'}


def test_two_process_ddp_training(tiny_pretrain_cfg, tmp_path):
    work = str(tmp_path / 'dist')
    proc = run_tool(['bash', 'tools/dist_train.sh', tiny_pretrain_cfg, '2', '--work-dir', work],
                    env=tool_env(PORT=str(free_port())))
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert 'MMSeparateDistributedDataParallel' in log
    ckpt = _load(osp.join(work, 'iter_2.pth'))
    assert ckpt['meta']['iter'] == 2 and adam_steps(ckpt) == 2
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.dtype.is_floating_point)
    logged = assert_finite_metrics(logged_scalars(work), keys=LOSSES)
    assert len(logged['loss']) == 2
