# Copyright (c) synthssl contributors.
"""tools/atdt/run_pipeline.py's repeated runs at their tiny size (the path of the CPU evidence
run of docs/atdt.md): both directions x two seeds with baseline and oracle, the transfer-level
ablation, validation + checkpoint every iteration; results.json / results.md across the seeds
must hold finite numbers equal to the tested stages' own metrics, and a second run of the same
command trains nothing."""
import json
import math
import os
import os.path as osp
import re

import pytest
from mmengine.config import Config

from atdt_helpers import TINY_FEAT, TINY_NET_OPTIONS
from helpers import REPO, assert_finite_metrics, load_tool, logged_scalars

PAIR = osp.join(REPO, 'configs', 'atdt', 'render-indoor2warm')


@pytest.fixture(scope='module')
def pipeline():
    return load_tool('tools/atdt/run_pipeline.py', 'atdt_run_pipeline_repeated')


def _tiny_pair_configs(root):
    """The pair's stage configs with G's channels sized for the tiny nets (ResNet-18 with 4
    base channels: residual stage k outputs 4 * 2^k channels), bases by absolute path."""
    out = root / 'render-indoor2warm'
    out.mkdir(parents=True)
    base = repr(osp.abspath(osp.join(PAIR, '..', '..', '_base_')) + '/')[:-1]
    for name in ('depth_AB', 'semantic_AB', 'semantic_A', 'depth_A', 'semantic_B', 'depth_B',
                 'dep2sem_transfer', 'sem2dep_transfer', 'dep2sem_transfer_level0',
                 'dep2sem_transfer_level1', 'dep2sem_transfer_level2'):
        text = open(osp.join(PAIR, name + '.py')).read().replace("'../../_base_/", base)
        if name == 'dep2sem_transfer':
            text = text.replace('channels=512)', f'channels=8, in_channels={TINY_FEAT}, '
                                f'out_channels={TINY_FEAT})')
        for k in range(3):
            text = text.replace(f'in_channels={256 * 2**k}, out_channels={256 * 2**k}',
                                f'in_channels={4 * 2**k}, out_channels={4 * 2**k}')
        (out / (name + '.py')).write_text(text)
    return str(root)


def test_repeated_runs_write_results_across_seeds(pipeline, atdt_pair, tmp_path, capsys,
                                                  monkeypatch):
    import torch
    work, res = tmp_path / 'work', tmp_path / 'results'
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OMP_WAIT_POLICY'):
        monkeypatch.setenv(key, 'unset-by-test')  # restored after the test
    monkeypatch.setattr(torch, 'set_num_threads', lambda n: calls.append(n))
    calls = []
    argv = ['--pair', 'render-indoor2warm', '--config-dir', _tiny_pair_configs(tmp_path / 'c'),
            '--directions', 'dep2sem', 'sem2dep', '--seeds', '0', '1', '--baseline',
            '--oracle', '--levels', '--iters', '1', '1', '2', '--val-interval', '1',
            '--work-dir', str(work), '--results-dir', str(res), '--in-process',
            '--threads', '1', '--data-root-a', atdt_pair['domain_a_train'],
            '--data-root-b', atdt_pair['domain_b_train'],
            '--data-root-a-val', atdt_pair['domain_a_val'],
            '--data-root-b-val', atdt_pair['domain_b_val'],
            '--net-options', *TINY_NET_OPTIONS,
            '--cfg-options', 'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False', 'default_hooks.logger.interval=1']
    results = pipeline.main(argv)
    on_disk = json.loads((res / 'results.json').read_text())
    assert on_disk == json.loads(json.dumps(results))
    assert on_disk['command'].startswith('python tools/atdt/run_pipeline.py --pair')
    assert '--seeds 0 1' in on_disk['command']
    # --threads: this process and the stages it starts, recorded with the results
    assert on_disk['threads'] == 1 and calls[:1] == [1]
    assert (os.environ['OMP_NUM_THREADS'], os.environ['MKL_NUM_THREADS'],
            os.environ['OMP_WAIT_POLICY']) == ('1', '1', 'PASSIVE')

    metric_keys = dict(dep2sem=['mIoU', 'aAcc'],
                       sem2dep=['depth/abs_rel', 'depth/rmse', 'depth/a1'])
    stage_of = dict(dep2sem=dict(baseline='n2_semantic_A', atdt='transfer_dep2sem_transfer',
                                 oracle='oracle_semantic_B'),
                    sem2dep=dict(baseline='n2_depth_A', atdt='transfer_sem2dep_transfer',
                                 oracle='oracle_depth_B'))
    for lv in range(3):
        stage_of['dep2sem'][f'atdt_level{lv}'] = f'transfer_dep2sem_transfer_level{lv}'
    md = (res / 'results.md').read_text()
    for direction, rows in stage_of.items():
        table = on_disk['table'][direction]
        for row, stage in rows.items():
            doms = ['B', 'A'] if row.startswith('atdt') and direction == 'dep2sem' else ['B']
            for dom in doms:
                cell = table[row if dom == 'B' else row + '_A']
                assert cell['seeds'] == [0, 1]
                for key in metric_keys[direction]:
                    # the table's values are the logged runs' own metrics, seed by seed
                    per_seed = [json.loads((work / direction / f'seed{s}' / stage /
                                            f'metrics_{dom}.json').read_text())[key]
                                for s in (0, 1)]
                    st = cell[key]
                    assert st['values'] == pytest.approx(per_seed)
                    assert all(math.isfinite(v) for v in per_seed)
                    assert st['mean'] == pytest.approx(sum(per_seed) / 2)
                    assert st['std'] == pytest.approx(abs(per_seed[0] - per_seed[1]) /
                                                      math.sqrt(2))
                    if row in ('baseline', 'atdt', 'oracle') and dom == 'B':
                        dec = 2 if direction == 'dep2sem' else 3
                        assert f"{st['mean']:.{dec}f} ± {st['std']:.{dec}f} (n=2)" in md
        # seeds are real: each stage ran with its seed, the configs differ only there
        for s in (0, 1):
            cfg = Config.fromfile(str(work / direction / f'seed{s}' / rows['atdt'] /
                                      'config.py'))
            assert cfg.randomness.seed == s
            # validation every iteration: the curve has one point per iteration (2)
            curve = on_disk['runs'][direction][f'seed{s}']['atdt']['curves']
            assert [it for it, _ in curve[metric_keys[direction][0]]] == [1, 2]
            assert [it for it, _ in curve['loss']] == [1, 2]
            logs = on_disk['runs'][direction][f'seed{s}']['baseline']['logs']
            assert on_disk['runs'][direction][f'seed{s}']['atdt']['command'] == \
                on_disk['command']
            assert logs and all((res / p).is_file() for p in logs)
        # different seeds gave different training losses
        losses = [logged_scalars(str(work / direction / f'seed{s}' / rows['baseline']))['loss']
                  for s in (0, 1)]
        assert_finite_metrics(dict(loss=losses[0] + losses[1]))
        assert losses[0] != losses[1]
    assert '## Dep.→Sem.' in md and '## Sem.→Dep.' in md and 'Transfer level' in md
    assert len(re.findall(r'^\| [0-3] \(stage [1-4]\) \|', md, re.M)) == 4
    # resumable: the same command again trains and tests nothing, same results
    capsys.readouterr()
    again = pipeline.main(argv)
    out = capsys.readouterr().out
    assert '+ ' not in out
    assert again['table'] == results['table']
    # --summary-only rewrites the results from disk (e.g. while the run goes on), recording
    # the run's command
    only = pipeline.main(argv + ['--summary-only'])
    assert only['table'] == results['table'] and only['command'] == results['command']
    assert '+ ' not in capsys.readouterr().out


def test_published_runs_of_other_directions_and_seeds_are_kept(pipeline, tmp_path):
    """A later command (another machine: the work dir is gone) that runs only sem2dep keeps
    the published dep2sem results of the same schedule in results.json / results.md; a
    published file of another schedule is not mixed in."""
    res_dir = tmp_path / 'results'
    res_dir.mkdir()
    schedule = ['--iters', '3', '3', '5', '--val-interval', '1']
    metrics = dict(mIoU=13.13, aAcc=57.93)
    published = dict(pair='render-indoor2warm', iters=[3, 3, 5], val_interval=1,
                     runs=dict(dep2sem=dict(seed0=dict(
                         atdt=dict(stage='transfer_dep2sem', trained=True,
                                   metrics_B=metrics)))))
    (res_dir / 'results.json').write_text(json.dumps(published))
    argv = ['--pair', 'render-indoor2warm', '--directions', 'sem2dep', '--seeds', '1',
            '--work-dir', str(tmp_path / 'work'), '--results-dir', str(res_dir),
            '--summary-only'] + schedule
    out = pipeline.main(argv)
    assert out['directions'] == ['dep2sem', 'sem2dep'] and out['seeds'] == [0, 1]
    assert out['table']['dep2sem']['atdt']['seeds'] == [0]
    assert out['runs']['dep2sem']['seed0']['atdt']['metrics_B'] == metrics
    md = (res_dir / 'results.md').read_text()
    assert '| AT/DT (D2(G(E1(x_B)))) | 13.13 (n=1) | 57.93 (n=1) | 0 |' in md
    # the carried seed was published before commands were recorded per stage: said so,
    # and not attributed to this command
    assert '- Dep.→Sem. seed 0: an earlier command, not recorded per seed' in md
    assert out['command'].endswith('--seeds 1 --work-dir ' + str(tmp_path / 'work') +
                                   ' --results-dir ' + str(res_dir) + ' --iters 3 3 5 '
                                   '--val-interval 1')
    # re-running a published seed whose work dir is gone (here: nothing on disk yet) keeps
    # its published rows until its stages are tested again
    again = pipeline.main(argv[:argv.index('--directions')] + [
        '--directions', 'dep2sem', '--seeds', '0'] + argv[argv.index('--work-dir'):])
    assert again['table']['dep2sem']['atdt']['seeds'] == [0]
    assert again['runs']['dep2sem']['seed0']['atdt']['metrics_B'] == metrics
    # another schedule: the published runs are not comparable and are dropped
    other = pipeline.main(argv[:-len(schedule)] +
                          ['--iters', '4', '3', '5', '--val-interval', '1'])
    assert other['directions'] == ['sem2dep'] and 'dep2sem' not in other['runs']


def test_plateau_rows_split_each_curve_in_thirds(pipeline):
    """The plateau table: per stage the metric of the task it learns (N1 of Dep.→Sem.
    learns depth, its other stages semantics), the curve in thirds of its points, sorted by
    iteration; curves of fewer than 3 points are left out, a stage still training is marked."""
    results = dict(runs=dict(dep2sem=dict(seed0=dict(
        n1=dict(trained=True,
                curves={'depth/a1': [[300, 30.], [600, 40.], [900, 41.], [1200, 42.]],
                        'mIoU': [[300, 99.]]}),
        baseline=dict(curves={'mIoU': [[600, 12.], [300, 10.], [900, 13.], [1200, 13.],
                                       [1500, 14.], [1800, 14.]]}),
        oracle=dict(curves={'mIoU': [[300, 5.], [600, 6.]]})),
        seed1=dict(baseline=dict(trained=False,
                                 curves={'mIoU': [[300, 1.], [600, 2.], [900, 3.]]})))))
    rows = pipeline.plateau_rows(results)
    assert [r[2] for r in rows] == ['n1', 'baseline', 'baseline (still training)']
    # n1: thirds of 4 points: [30], [40], [41, 42]
    assert rows[0][3:] == ['δ<1.25 (%)', '4', '30.00', '40.00', '41.50', '+1.50', '42.00']
    # baseline sorted by iteration: [10, 12], [13, 13], [14, 14]
    assert rows[1][3:] == ['mIoU', '6', '10.00', '13.00', '14.00', '+1.00', '14.00']
    md = pipeline.results_markdown(dict(results, pair='p', command='c', git_commit='h',
                                        written='w', directions=[], table={},
                                        val_interval=300), None)
    assert '## Plateau check' in md and '| Dep.→Sem. | seed0 | baseline | mIoU | 6 |' in md


def test_results_name_the_command_of_each_direction_and_seed(pipeline):
    """results.md lists, per command, the directions and seeds whose stages it produced:
    a seed carried over from an earlier command keeps that command, a seed with stages from
    two commands (a later one added a stage) is listed under both."""
    runs = dict(dep2sem=dict(seed1=dict(n1=dict(command='python a'), atdt=dict(command='python b')),
                             seed0=dict(n1=dict(command='python a'))),
                sem2dep=dict(seed0=dict(n1=dict(command='python b')),
                             seed10=dict(n1=dict(command='python b')),
                             seed2=dict(n1=dict())))
    made_by = pipeline.run_commands(dict(runs=runs))
    assert made_by == {'python a': ['Dep.→Sem. seed 0', 'Dep.→Sem. seed 1'],
                       'python b': ['Dep.→Sem. seed 1', 'Sem.→Dep. seed 0', 'Sem.→Dep. seed 10'],
                       '': ['Sem.→Dep. seed 2']}
    md = pipeline.results_markdown(dict(runs=runs, pair='p', command='python b', git_commit='h',
                                        written='w', directions=[], table={}), None)
    assert 'Last command: `python b`' in md
    assert '- Dep.→Sem. seed 0, Dep.→Sem. seed 1: `python a`' in md
    assert '- Dep.→Sem. seed 1, Sem.→Dep. seed 0, Sem.→Dep. seed 10: `python b`' in md
    assert '- Sem.→Dep. seed 2: an earlier command, not recorded per seed' in md
