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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def data_root_options(root: str) -> List[str]:
    """--cfg-options pointing every dataloader of the toy config at ``root``."""
    return [f'{k}.dataset.data_root={root}'
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
