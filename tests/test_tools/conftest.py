# Copyright (c) synthssl contributors.
import os.path as osp
import sys

import pytest

from helpers import TINY_CLS_CFG, data_root_options, run_tool


@pytest.fixture(scope='session')
def trained(toy_shapes_root, tmp_path_factory):
    """Two iterations of the tiny classification config through tools/train.py; returns
    (work_dir, checkpoint). Tests read it and never write to the work dir."""
    work_dir = str(tmp_path_factory.mktemp('train'))
    run_tool([sys.executable, 'tools/train.py', TINY_CLS_CFG, '--work-dir', work_dir,
              '--cfg-options', *data_root_options(toy_shapes_root)])
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)
    return work_dir, ckpt


@pytest.fixture(scope='session')
def tiny_pretrain_cfg(tmp_path_factory):
    """configs/renlee/alexnet_3task.py shrunk to tiny renders (history pools of 4, no
    validation), dumped to a file for the tools; returns its path."""
    from mmengine.config import Config

    from helpers import REPO
    from pretrain_helpers import render_tiny_data, shrink
    root = tmp_path_factory.mktemp('pretrain_tools')
    paths = render_tiny_data(str(root / 'data'))
    cfg = shrink(Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')),
                 paths, str(root / 'unused'))
    cfg.model.pool_size = 4
    cfg.train_cfg.val_interval = 1000  # no validation in these runs
    cfg.pop('experiment_name')
    path = str(root / 'alexnet_3task_tiny.py')
    cfg.dump(path)
    return path
