# Copyright (c) synthssl contributors.
"""tools/dist_train.sh: two CPU processes (gloo) train, checkpoint, and resume."""
import os.path as osp

import torch

from helpers import (TINY_CLS_CFG, assert_finite_metrics, data_root_options, free_port,
                     logged_scalars, run_tool, tool_env)


def test_two_process_training_and_resume(toy_shapes_root, tmp_path):
    work_dir = str(tmp_path / 'dist')
    opts = data_root_options(toy_shapes_root)
    proc = run_tool(['bash', 'tools/dist_train.sh', TINY_CLS_CFG, '2', '--work-dir', work_dir,
                     '--cfg-options', *opts], env=tool_env(PORT=str(free_port())))
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size, CPU processes here
    ckpt = osp.join(work_dir, 'iter_2.pth')
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert state['meta']['iter'] == 2

    proc = run_tool(['bash', 'tools/dist_train.sh', TINY_CLS_CFG, '2', '--work-dir', work_dir,
                     '--resume', '--cfg-options', *opts, 'train_cfg.max_iters=4'],
                    env=tool_env(PORT=str(free_port())))
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    state4 = torch.load(osp.join(work_dir, 'iter_4.pth'), map_location='cpu', weights_only=False)
    assert state4['meta']['iter'] == 4
    # Training went on from the saved weights, so they moved.
    w2 = state['state_dict']['backbone.fc7.conv.weight']
    w4 = state4['state_dict']['backbone.fc7.conv.weight']
    assert not torch.equal(w2, w4)
    # both runs' losses, every iteration (logger interval 1)
    assert len(assert_finite_metrics(logged_scalars(work_dir), keys=['loss'])['loss']) == 4
