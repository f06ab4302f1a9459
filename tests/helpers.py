# Copyright (c) synthssl contributors.
"""Helpers shared by the tests (subprocess runs of the tools, ports, cfg options)."""
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Dict, List, Optional

import pytest


REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_CLS_CFG = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_toy-shapes_cls.py')


def tool_env(**extra: str) -> Dict[str, str]:
    """Environment for tool subprocesses: this interpreter's bin first on PATH, one thread."""
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra)
    return env


def run_tool(args: List[str], env: Optional[Dict[str, str]] = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a command from the repo root; fail the test with its output if it fails."""
    proc = subprocess.run(args, cwd=REPO, env=env or tool_env(), capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f'{" ".join(args)} exited {proc.returncode}\n--- stdout\n'
                    f'{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}')
    return proc


def tool_fails(args: List[str], timeout: int = 300) -> str:
    """Run a command from the repo root that must fail; its stderr (fails the test if the
    command succeeds)."""
    proc = subprocess.run(args, cwd=REPO, env=tool_env(), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode == 0:
        pytest.fail(f'{" ".join(args)} succeeded; expected an error\n{proc.stdout[-3000:]}')
    return proc.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def first_batch(dataset, batch_size: int) -> Dict:
    """The first ``batch_size`` samples of ``dataset`` as mmengine's dataloader collates them
    (unshuffled, ``default_collate``)."""
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(dict(
        dataset=dataset, batch_size=batch_size, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate')))
    return next(iter(loader))


def data_root_options(root: str) -> List[str]:
    """--cfg-options pointing every dataloader of the toy config at ``root``."""
    return [f'{k}.dataset.data_root={root}'
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
