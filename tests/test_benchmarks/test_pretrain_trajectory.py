# Copyright (c) synthssl contributors.
"""tools/benchmarks/pretrain_throughput.py --trajectory: fp32 vs bf16 (``--amp``) runs of the
quick-start config, their loss windows and the pretext metrics after ``--metrics-at``
iterations, end to end at a tiny size; the agreement rule on hand-made values."""
import json
import math

import pytest

from helpers import assert_finite_metrics, load_tool, run_tool, tool_env

TOOL = 'tools/benchmarks/pretrain_throughput.py'


@pytest.fixture(scope='module')
def bench():
    return load_tool(TOOL, 'pretrain_throughput')


def test_metric_agreement_rule(bench):
    metrics = {'fp32_seed0': {'depth/abs_rel': 0.40, 'normal/mean': 40.0},
               'bf16_seed0': {'depth/abs_rel': 0.43, 'normal/mean': 42.5},
               'fp32_seed1': {'depth/abs_rel': 0.44, 'normal/mean': 41.0},
               'fp32_seed2': {'depth/abs_rel': 0.39, 'normal/mean': 39.0}}
    out = bench.metric_agreement(metrics, 'fp32_seed0', 'bf16_seed0',
                                 ['fp32_seed1', 'fp32_seed2'])
    # 0.03 <= max(0.04, 0.01): within; 2.5 > max(1.0, 1.0): not within
    assert out['depth/abs_rel']['bf16_vs_fp32'] == pytest.approx(0.03)
    assert out['depth/abs_rel']['fp32_seed_spread'] == pytest.approx([0.04, 0.01])
    assert out['depth/abs_rel']['bf16_within_fp32_spread'] is True
    assert out['normal/mean']['bf16_within_fp32_spread'] is False
    assert out['normal/mean']['values']['bf16_seed0'] == 42.5
    # without a second fp32 seed there is no spread, and no agreement is claimed
    alone = bench.metric_agreement(metrics, 'fp32_seed0', 'bf16_seed0', [])
    assert not any(m['bf16_within_fp32_spread'] for m in alone.values())


def test_trajectory_end_to_end(tmp_path):
    proc = run_tool(['python', TOOL, '--trajectory', '--trajectory-iters', '2',
                     '--metrics-at', '2', '--window', '1', '--views', '8', '--val-scenes', '1',
                     '--seeds', '0', '1', '--data', str(tmp_path / 'data'),
                     '--work-dir', str(tmp_path / 'work')], env=tool_env(), timeout=1200)
    report = json.loads(proc.stdout.strip().splitlines()[-1])  # the report is the last line
    assert set(report['wall_seconds']) == {'fp32_seed0', 'bf16_seed0', 'fp32_seed1'}
    assert report['metrics_at'] == 2
    for key in ('loss', 'loss_depth', 'loss_normal', 'loss_contour', 'loss_d'):
        wm = report['losses'][key]['window_means']
        assert all(len(v) == 2 for v in wm.values()), (key, wm)  # 2 windows of 1 iteration
        assert_finite_metrics({f'{n}/{key}': v for n, v in wm.items()})
    for key in ('depth/abs_rel', 'normal/mean', 'contour/ods_f'):
        m = report['metrics'][key]
        assert set(m['values']) == {'fp32_seed0', 'bf16_seed0', 'fp32_seed1'}, key
        assert all(math.isfinite(v) for v in m['values'].values()), m
        assert m['bf16_vs_fp32'] == pytest.approx(
            abs(m['values']['bf16_seed0'] - m['values']['fp32_seed0']), abs=1e-3)
    assert isinstance(report['metrics_agree'], bool)
    # the seeds change the run: fp32 with seed 1 is not fp32 with seed 0
    assert report['losses']['loss']['fp32_seed_spread'][0] > 0
    # again with a second bf16 seed: the three finished runs are reused, one run trains, and
    # the two precisions' seed distributions are compared
    proc = run_tool(['python', TOOL, '--trajectory', '--trajectory-iters', '2',
                     '--metrics-at', '2', '--window', '1', '--views', '8', '--val-scenes', '1',
                     '--seeds', '0', '1', '--amp-seeds', '1', '--data', str(tmp_path / 'data'),
                     '--work-dir', str(tmp_path / 'work')], env=tool_env(), timeout=1200)
    again = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(again['reused_runs']) == ['bf16_seed0', 'fp32_seed0', 'fp32_seed1']
    assert set(again['wall_seconds']) == {'bf16_seed1'}
    for key, m in report['metrics'].items():  # the reused runs' own values
        for name, value in m['values'].items():
            assert again['metrics'][key]['values'][name] == value, (key, name)
    dist = again['seed_distributions']['depth/abs_rel']
    assert dist['n'] == [2, 2]
    assert dist['bf16_minus_fp32'] == pytest.approx(dist['bf16_mean'] - dist['fp32_mean'],
                                                    abs=2e-4)


def test_seed_distributions_welch(bench):
    metrics = {'fp32_seed0': {'m': 1.0}, 'fp32_seed1': {'m': 3.0},
               'bf16_seed0': {'m': 4.0}, 'bf16_seed1': {'m': 6.0}}
    out = bench.seed_distributions(metrics, ['fp32_seed0', 'fp32_seed1'],
                                   ['bf16_seed0', 'bf16_seed1'])['m']
    # means 2 and 5, sample std sqrt(2) each: se = sqrt(2/2 + 2/2) = sqrt(2), t = 3 / sqrt(2)
    assert out['fp32_mean'] == 2.0 and out['bf16_mean'] == 5.0 and out['n'] == [2, 2]
    assert out['fp32_std'] == pytest.approx(math.sqrt(2), abs=1e-4)
    assert out['welch_t'] == pytest.approx(3 / math.sqrt(2), abs=0.01)


def test_throughput_end_to_end():
    """The throughput mode at a tiny size: every variant runs in its own child with the
    malloc setting it names, and the report's ratios come from the same run."""
    proc = run_tool(['python', TOOL, '--batch', '2', '--size', '67', '--iters', '1',
                     '--repeats', '1', '--peak-size', '256', '--profile', '3'],
                    env=tool_env(), timeout=1200)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(report['variants']) == {
        'plain_fp32', 'framework_fp32', 'plain_bf16', 'framework_bf16',
        'framework_fp32_channels_last', 'framework_bf16_channels_last',
        'framework_fp32_glibc_default', 'framework_bf16_glibc_default'}
    for name, v in report['variants'].items():
        assert v['images_per_s'] > 0 and v['gflop_per_iter'] > 0, name
        assert 0 < v['fraction_of_matmul_peak'], name
    # the framework and the plain loop count the same FLOPs in each precision (same model,
    # batch and crop); bf16's rewritten deconvolutions (sub-pixel phases) add a few
    v = report['variants']
    for p in ('fp32', 'bf16'):
        assert v[f'framework_{p}']['gflop_per_iter'] == v[f'plain_{p}']['gflop_per_iter']
    assert v['framework_bf16']['gflop_per_iter'] == pytest.approx(
        v['framework_fp32']['gflop_per_iter'], rel=0.05)
    for key in ('bf16_speedup', 'bf16_speedup_glibc_default'):
        assert len(report[key]) == 1 and report[key][0] > 0, key
    assert set(report['malloc_tuning_speedup']) == {'fp32', 'bf16'}
    assert len(report['profile']['bf16']['top_self_ms']) == 3
