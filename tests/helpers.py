# Copyright (c) synthssl contributors.
"""Helpers shared by the tests (subprocess runs of the tools, ports, cfg options, finite
losses and metrics)."""
import fnmatch
import glob
import json
import math
import numbers
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional

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


def kill_when_file_appears(args: List[str], path: str, timeout: int = 600) -> None:
    """Start a command from the repo root and SIGKILL its process group as soon as ``path``
    exists (a job killed right after writing its first checkpoint); fail the test if the
    command dies first or ``path`` does not appear within ``timeout`` seconds."""
    proc = subprocess.Popen(args, cwd=REPO, env=tool_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + timeout
        while not osp.isfile(path):
            assert proc.poll() is None, f'the job died before writing {path}'
            assert time.time() < deadline, f'no {path} after {timeout} s'
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


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


def _numbers(value: Any) -> List[float]:
    """Every number in ``value``: a Python/NumPy number, a tensor or array (all elements), a
    list/tuple of those, or an mmengine ``HistoryBuffer`` (every value it logged, not only the
    last one). Anything else is a ``TypeError``: a smoke test must not silently check
    nothing."""
    import numpy as np
    import torch
    from mmengine.logging import HistoryBuffer
    if isinstance(value, HistoryBuffer):
        return [float(v) for v in value.data[0]]
    if isinstance(value, torch.Tensor):
        return value.detach().double().flatten().tolist()
    if isinstance(value, np.ndarray):
        return value.astype(np.float64).ravel().tolist()
    if isinstance(value, bool):
        raise TypeError(f'a boolean is not a loss or metric: {value!r}')
    if isinstance(value, numbers.Real):
        return [float(value)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _numbers(v)]
    raise TypeError(f'not a number, array, tensor or HistoryBuffer: {type(value).__name__}')


def assert_finite_metrics(metrics: Mapping[str, Any], keys: Optional[Iterable[str]] = None,
                          ignore: Iterable[str] = ()) -> Dict[str, List[float]]:
    """Fail the test unless every loss/metric in ``metrics`` is finite (NaN and +-inf fail,
    which range checks such as ``0 <= v <= 100`` let through).

    Args:
        metrics: name -> value: an evaluator's metrics, a ``train_step`` log, a MessageHub's
            ``log_scalars`` (every logged value is checked) or :func:`logged_scalars`.
        keys: names or ``fnmatch`` patterns to check; each must match at least one entry.
            Default: every entry (and there must be at least one).
        ignore: patterns left out; every caller says why next to the call.

    Returns:
        dict: the checked name -> list of its values.
    """
    names = [k for k in metrics if not any(fnmatch.fnmatchcase(k, p) for p in ignore)]
    if keys is not None:
        wanted = []
        for pattern in keys:
            hits = [k for k in names if fnmatch.fnmatchcase(k, pattern)]
            assert hits, f'no loss/metric matches {pattern!r}; have {sorted(metrics)}'
            wanted += [k for k in hits if k not in wanted]
        names = wanted
    assert names, f'no losses/metrics to check in {sorted(metrics)}'
    checked, bad = {}, {}
    for k in names:
        checked[k] = _numbers(metrics[k])
        assert checked[k], f'{k}: no value logged'
        if not all(math.isfinite(v) for v in checked[k]):
            bad[k] = checked[k]
    assert not bad, f'non-finite losses/metrics: {bad}'
    return checked


def logged_scalars(work_dir: str, last_run: bool = False) -> Dict[str, List[float]]:
    """name -> every value the runs under ``work_dir`` logged (mmengine's LocalVisBackend:
    ``<work_dir>/<timestamp>/vis_data/scalars.json``, one JSON object per logging step; a
    NaN is written as ``NaN``). ``last_run``: only the newest run's (e.g. after a run that
    was killed mid-write). Fails the test if there is none."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert files, f'no vis_data/scalars.json under {work_dir}'
    files = files[-1:] if last_run else files
    out: Dict[str, List[float]] = {}
    for path in files:
        with open(path) as f:
            for line in f:
                if line.strip():
                    for k, v in json.loads(line).items():
                        if k not in ('step', 'epoch', 'iter'):
                            out.setdefault(k, []).append(v)
    return out


def np_depth_errors(p, g) -> Dict[str, float]:
    """The Eigen et al. depth errors of one image, written out in float64 NumPy for the
    metric tests (independent of ``DepthMetric``)."""
    import numpy as np
    p, g = np.asarray(p, np.float64), np.asarray(g, np.float64)
    ratio = np.maximum(p / g, g / p)
    return dict(abs_rel=np.mean(np.abs(p - g) / g), sq_rel=np.mean((p - g)**2 / g),
                rmse=np.sqrt(np.mean((p - g)**2)),
                rmse_log=np.sqrt(np.mean((np.log(p) - np.log(g))**2)),
                a1=100 * np.mean(ratio < 1.25), a2=100 * np.mean(ratio < 1.25**2),
                a3=100 * np.mean(ratio < 1.25**3))


def load_tool(relpath: str, name: str):
    """A script under tools/ imported as a module (tools/ is not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, relpath))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
