# Copyright (c) synthssl contributors.
"""tools/benchmarks/compare_transfer_runs.py on results written in renlee_transfer.py's own
format (its ``summarize``): a candidate that behaves like more seeds of the reference is
called equivalent, a shifted one is not, a flipped conclusion is caught, other knobs are
refused with both folders named."""
import json
import os.path as osp
import subprocess

from helpers import REPO, load_tool, run_tool, tool_env

LAYERS = ('conv1', 'conv2', 'conv3', 'conv4', 'conv5')
KNOBS = dict(iters=300, crop=99)


def _write(folder, values, amp, knobs=KNOBS):
    """values: variant -> (probe top-1 per seed, AP50 per seed); every layer the same."""
    bench = load_tool('tools/benchmarks/renlee_transfer.py', 'renlee_transfer')
    runs = {v: {str(s): dict(probe={n: dict(top1=p[s] + i) for i, n in enumerate(LAYERS)},
                             det=dict(ap50=d[s]))
                for s in range(len(p))} for v, (p, d) in values.items()}
    folder.mkdir()
    with open(folder / 'results.json', 'w') as f:
        json.dump(dict(meta=dict(knobs=knobs, amp=amp, command=f'renlee amp={amp}'),
                       runs=runs, summary=bench.summarize(runs, list(values))), f)
    return str(folder)


def _compare(ref, cand, out=None):
    cmd = ['python', 'tools/benchmarks/compare_transfer_runs.py', ref, cand]
    return run_tool(cmd + (['--out', out] if out else []), env=tool_env())


REF = {'random': ([85.0, 85.4], [28.0, 26.0]), 'edge': ([80.0, 80.6], [8.0, 10.0]),
       'surf': ([81.0, 80.2], [5.0, 3.0])}


def test_more_seeds_of_the_reference_are_equivalent(tmp_path):
    ref = _write(tmp_path / 'fp32', REF, amp=False)
    cand = _write(tmp_path / 'bf16', {'random': ([85.3, 84.9], [27.0, 29.0]),
                                      'edge': ([80.5, 79.9], [9.0, 7.0]),
                                      'surf': ([80.4, 81.0], [4.0, 5.0])}, amp=True)
    out = str(tmp_path / 'cmp')
    _compare(ref, cand, out)
    with open(osp.join(out, 'comparison.json')) as f:
        res = json.load(f)
    probe, det = res['families']['probe'], res['families']['det']
    assert probe['cells'] == 15 and probe['within_2se'] == 15 and probe['equivalent']
    assert det['cells'] == 3 and det['equivalent']
    assert probe['signs'] == 10 and probe['signs_agree'] == 10
    cell = [c for c in res['cells'] if c['variant'] == 'edge' and c['number'] == 'det_ap50'][0]
    assert abs(cell['d'] - (8.0 - 9.0)) < 1e-9  # candidate mean - reference mean
    with open(osp.join(out, 'comparison.md')) as f:
        md = f.read()
    assert 'renlee amp=True' in md and '| probe | 15 | 15 |' in md


def test_a_shift_and_a_flipped_conclusion_are_not_equivalent(tmp_path):
    ref = _write(tmp_path / 'fp32', REF, amp=False)
    # probes 3 points lower everywhere but random; edge now beats random on detection
    cand = _write(tmp_path / 'bf16', {'random': ([85.1, 85.3], [27.0, 27.5]),
                                      'edge': ([77.0, 77.6], [30.0, 31.0]),
                                      'surf': ([78.0, 77.2], [4.0, 4.5])}, amp=True)
    proc = _compare(ref, cand)
    fam = json.loads(proc.stdout)
    assert not fam['probe']['equivalent'] and fam['probe']['within_2se'] < 15
    assert fam['probe']['mean_d'] < -1.5
    assert not fam['det']['equivalent'] and fam['det']['signs_agree'] == 1


def test_runs_of_another_scale_are_refused(tmp_path):
    ref = _write(tmp_path / 'fp32', REF, amp=False)
    cand = _write(tmp_path / 'bf16', REF, amp=True, knobs=dict(iters=1200, crop=99))
    proc = subprocess.run(['python', 'tools/benchmarks/compare_transfer_runs.py', ref, cand],
                          cwd=REPO, env=tool_env(), capture_output=True, text=True)
    assert proc.returncode != 0
    assert ref in proc.stderr and cand in proc.stderr
    assert "'iters': (300, 1200)" in proc.stderr
