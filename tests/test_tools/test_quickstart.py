# Copyright (c) synthssl contributors.
"""The README's main command, end to end through the script a user runs, at a tiny size:
render, write the real photos, pretrain alexnet_3task (2 iterations), evaluate the
checkpoint with tools/test.py and draw the panels."""
import json
import math
import os.path as osp
import subprocess

import pytest

from helpers import REPO, run_tool, tool_env


@pytest.mark.parametrize('amp', [None, '1'])
def test_quickstart_script_end_to_end(tmp_path, amp):
    work, data = str(tmp_path / 'work'), str(tmp_path / 'data')
    env = tool_env(QUICKSTART_VIEWS='8', QUICKSTART_ITERS='2', QUICKSTART_VAL_SCENES='2',
                   QUICKSTART_DATA=data, WORK_DIR=work)
    env.pop('QUICKSTART_AMP', None)
    if amp:
        env['QUICKSTART_AMP'] = amp
    proc = run_tool(['bash', 'tools/quickstart.sh'], env=env, timeout=1200)
    log = proc.stdout + proc.stderr
    assert '[quickstart] done' in log
    if amp:  # QUICKSTART_AMP=1: the bf16 optimiser wrappers of the --amp path train
        assert 'mixed precision (--amp)' in log
        assert 'synthssl.BF16OptimWrapper' in log
    else:  # fp32 by default
        assert 'for 2 iterations, fp32' in log
        assert 'BF16OptimWrapper' not in log
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    with open(osp.join(work, 'metrics.json')) as f:
        metrics = json.load(f)
    for key in ('depth/abs_rel', 'normal/mean', 'contour/ods_f'):
        assert key in metrics, sorted(metrics)
    bad = {k: v for k, v in metrics.items() if not math.isfinite(v)}
    assert not bad, f'non-finite metrics: {bad}'
    for panel in ('renders.png', 'predictions.png'):
        assert osp.getsize(osp.join(work, panel)) > 1000, panel
    for sub in ('render_train', 'render_val', 'real_photos'):  # QUICKSTART_DATA was used
        assert osp.isdir(osp.join(data, sub)), sub


def test_quickstart_rejects_unknown_precision(tmp_path):
    """A mistyped QUICKSTART_AMP stops before any work, naming the variable and the value."""
    env = tool_env(QUICKSTART_AMP='bf16', QUICKSTART_DATA=str(tmp_path / 'data'),
                   WORK_DIR=str(tmp_path / 'work'))
    proc = subprocess.run(['bash', 'tools/quickstart.sh'], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "QUICKSTART_AMP must be 1 (mixed precision) or 0 (fp32), not 'bf16'" in proc.stderr
    assert not (tmp_path / 'data').exists() and not (tmp_path / 'work').exists()
