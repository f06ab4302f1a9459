# Copyright (c) synthssl contributors.
"""A killed and resumed alexnet_3task run ends exactly where an uninterrupted one does.

Same seed, same config: N iterations straight, versus a run killed after its first
checkpoint and resumed to N. The final weights (backbone, heads, discriminator), the history
pools, both optimisers' states and both schedulers' states must be bit-identical on the CPU:
every random draw after the resume (data augmentation, dropout, the pools' swaps) has to be
the one the straight run made."""
import os.path as osp
import sys

import torch

from helpers import kill_when_file_appears, run_tool

N = 6


def _assert_same(a, b, where=''):
    """Recursive bit-exact comparison of checkpoint parts (tensors, containers, numbers)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a, b), f'{where}: max |diff| {(a.double() - b.double()).abs().max()}'
    elif isinstance(a, dict):
        assert set(a) == set(b), f'{where}: keys {set(a) ^ set(b)}'
        for k in a:
            _assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


def _cmd(cfg, work):
    # History pools of 2: full after the first iteration, so iteration 2 already swaps at
    # random and the draws before the checkpoint matter; one data worker (see
    # RandomStateHook for num_workers=0).
    return [sys.executable, 'tools/train.py', cfg, '--work-dir', work, '--cfg-options',
            f'train_cfg.max_iters={N}', 'default_hooks.checkpoint.interval=2',
            'model.pool_size=2', 'train_dataloader.num_workers=1']


def test_killed_and_resumed_run_matches_the_straight_run(tiny_pretrain_cfg, tmp_path):
    straight, killed = str(tmp_path / 'straight'), str(tmp_path / 'killed')
    run_tool(_cmd(tiny_pretrain_cfg, straight))

    kill_when_file_appears(_cmd(tiny_pretrain_cfg, killed), osp.join(killed, 'iter_2.pth'))
    assert not osp.exists(osp.join(killed, f'iter_{N}.pth')), 'killed too late to test'
    log = run_tool(_cmd(tiny_pretrain_cfg, killed) + ['--resume'])
    assert 'resumed epoch: 0, iter:' in log.stdout + log.stderr

    a = torch.load(osp.join(straight, f'iter_{N}.pth'), map_location='cpu', weights_only=False)
    b = torch.load(osp.join(killed, f'iter_{N}.pth'), map_location='cpu', weights_only=False)
    assert int(a['state_dict']['pool_syn.count']) == 2  # the pools are full and swapping
    _assert_same(a['state_dict'], b['state_dict'], 'state_dict')
    assert set(a['optimizer']) == {'generator', 'discriminator'}
    _assert_same(a['optimizer'], b['optimizer'], 'optimizer')
    _assert_same(a['param_schedulers'], b['param_schedulers'], 'param_schedulers')
    assert 'random_state' in b
