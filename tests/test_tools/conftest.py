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
