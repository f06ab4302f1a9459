# Copyright (c) synthssl contributors.
"""tools/atdt/compare_schedules.py: what a longer schedule changed, on a two-seed pair of
results.json files written here, and on the two published CPU runs of docs/atdt.md."""
import json
import os.path as osp

import pytest

from helpers import REPO, load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/atdt/compare_schedules.py', 'atdt_compare_schedules')


def _results(iters, own, b, pair='render-indoor2warm'):
    """results.json of Dep.->Sem. with N2's validation curve ``own[seed]`` and its mIoU on
    B ``b[seed]``."""
    runs = {f'seed{s}': dict(baseline=dict(
        curves=dict(mIoU=[[300 * (i + 1), v] for i, v in enumerate(own[s])]),
        metrics_B=dict(mIoU=b[s], aAcc=10. * b[s]))) for s in own}
    return dict(pair=pair, iters=iters, runs=dict(dep2sem=runs))


def test_change_and_spread_per_stage(tool, tmp_path):
    """Seed 0: last third of [1, 2, 3, 4, 5, 6] = 5.5 -> of [.., 7, 9] = 8 (+2.5); seed 1:
    3.5 -> 4.5 (+1); B mIoU 2, 4 -> 3, 7. A seed only one folder holds is left out."""
    short = _results([2, 2, 4], {0: [1, 2, 3, 4, 5, 6], 1: [1, 2, 3, 3, 3, 4], 2: [1, 1, 1]},
                     {0: 2., 1: 4., 2: 9.})
    long = _results([4, 4, 8], {0: [1, 2, 3, 4, 7, 9], 1: [1, 2, 3, 4, 4, 5]},
                    {0: 3., 1: 7.})
    for name, res in (('short', short), ('long', long)):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'results.json').write_text(json.dumps(res))
    md_path, json_path = tmp_path / 'cmp.md', tmp_path / 'cmp.json'
    cmp = tool.main([str(tmp_path / 'short'), str(tmp_path / 'long'),
                     '--out', str(json_path), '--out-md', str(md_path)])
    rows = {(r['stage'], r['where'], r['metric']): r for r in cmp['rows']}
    assert set(rows) == {('baseline', 'own', 'mIoU'), ('baseline', 'B', 'mIoU'),
                         ('baseline', 'B', 'aAcc')}
    own = rows['baseline', 'own', 'mIoU']
    assert own['seeds'] == [0, 1]
    assert own['short']['values'] == [5.5, 3.5] and own['long']['values'] == [8., 4.5]
    assert own['delta'] == pytest.approx(1.75)
    # larger seed std: long's, |8 - 4.5| / sqrt(2)
    assert own['delta_over_spread'] == pytest.approx(1.75 / (3.5 / 2 ** 0.5))
    b = rows['baseline', 'B', 'mIoU']
    assert b['delta'] == pytest.approx(2.) and b['long']['std'] == pytest.approx(4 / 2 ** .5)
    assert cmp['short']['iters'] == [2, 2, 4] and cmp['long']['iters'] == [4, 4, 8]
    md = md_path.read_text()
    assert '2 / 2 / 4 against 4 / 4 / 8 iterations' in md
    assert '| N2 = baseline (task 2 on A) | mIoU on B | 3.00 ± 1.41 | 5.00 ± 2.83 | +2.00 |' \
        in md
    assert json.loads(json_path.read_text())['rows'][0]['delta'] == pytest.approx(1.75)


def test_a_stage_still_training_is_not_compared(tool, tmp_path):
    """results written while a stage runs: its half curve is not its schedule's last third;
    its own-curve row leaves that seed out (its B metrics are compared once tested)."""
    short = _results([2, 2, 4], {0: [1, 2, 3], 1: [4, 5, 6]}, {0: 2., 1: 4.})
    long = _results([4, 4, 8], {0: [1, 2, 9], 1: [1, 1, 1]}, {0: 3., 1: 5.})
    long['runs']['dep2sem']['seed1']['baseline']['trained'] = False
    del long['runs']['dep2sem']['seed1']['baseline']['metrics_B']
    long['runs']['dep2sem']['seed0']['baseline']['trained'] = True
    rows = {(r['stage'], r['where'], r['metric']): r
            for r in tool.compare(dict(short, _path='s'), dict(long, _path='l'))['rows']}
    assert rows['baseline', 'own', 'mIoU']['seeds'] == [0]
    assert rows['baseline', 'own', 'mIoU']['delta'] == pytest.approx(6.)
    assert rows['baseline', 'B', 'mIoU']['seeds'] == [0]


def test_bad_inputs_name_the_file(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / 'nowhere' / 'results.json')):
        tool.main([str(tmp_path / 'nowhere'), str(tmp_path)])
    (tmp_path / 'a.json').write_text(json.dumps(dict(pair='p', iters=[1, 1, 1])))
    with pytest.raises(ValueError, match=f"{tmp_path / 'a.json'} has no 'runs'"):
        tool.main([str(tmp_path / 'a.json'), str(tmp_path / 'a.json')])
    (tmp_path / 'b.json').write_text(json.dumps(_results([1, 1, 1], {0: [1]}, {0: 1.})))
    (tmp_path / 'c.json').write_text(json.dumps(_results([2, 2, 2], {0: [1]}, {0: 1.},
                                                         pair='other')))
    with pytest.raises(ValueError, match="is pair 'render-indoor2warm'.*c.json is 'other'"):
        tool.main([str(tmp_path / 'b.json'), str(tmp_path / 'c.json')])


def test_published_cpu_runs(tool):
    """The two published schedules of docs/atdt.md: every B row's means are the tables' own
    means of each results.json (both seeds)."""
    folders = [osp.join(REPO, 'docs', 'results', d) for d in
               ('atdt_render-indoor2warm', 'atdt_render-indoor2warm_plateau')]
    short, long = (json.load(open(osp.join(f, 'results.json'), encoding='utf-8'))
                   for f in folders)
    cmp = tool.compare(tool.load_results(folders[0]), tool.load_results(folders[1]))
    b_rows = [r for r in cmp['rows'] if r['where'] == 'B']
    assert {(r['direction'], r['stage']) for r in b_rows} >= {
        (d, s) for d in ('dep2sem', 'sem2dep') for s in ('baseline', 'atdt', 'oracle')}
    for r in b_rows:
        if r['seeds'] != [0, 1]:
            continue
        for res, side in ((short, 'short'), (long, 'long')):
            assert r[side]['mean'] == pytest.approx(
                res['table'][r['direction']][r['stage']][r['metric']]['mean'])


def test_two_pairs_only_with_other_pair(tool, tmp_path):
    """The published ResNet-50 and ResNet-18 runs (same data and schedule, two pairs): refused
    without --other-pair; with it, every B row's means are each results.json's own and the
    markdown names the pairs."""
    folders = [osp.join(REPO, 'docs', 'results', d) for d in
               ('atdt_render-indoor2warm_plateau', 'atdt_render-indoor2warm_r18')]
    with pytest.raises(ValueError, match='--other-pair'):
        tool.main(folders)
    md_path = tmp_path / 'networks.md'
    cmp = tool.main(folders + ['--other-pair', '--out-md', str(md_path)])
    first, second = (json.load(open(osp.join(f, 'results.json'), encoding='utf-8'))
                     for f in folders)
    assert (cmp['short']['pair'], cmp['long']['pair']) == (first['pair'], second['pair'])
    b_rows = [r for r in cmp['rows'] if r['where'] == 'B' and r['seeds'] == [0, 1]]
    assert {(r['direction'], r['stage']) for r in b_rows} >= {
        (d, s) for d in ('dep2sem', 'sem2dep') for s in ('baseline', 'atdt', 'oracle')}
    for r in b_rows:
        for res, side in ((first, 'short'), (second, 'long')):
            assert r[side]['mean'] == pytest.approx(
                res['table'][r['direction']][r['stage']][r['metric']]['mean'])
    md = md_path.read_text()
    assert ('# AT/DT: render-indoor2warm (2400 / 2400 / 4800 iterations) against '
            'render-indoor2warm_r18 (2400 / 2400 / 4800 iterations)') in md
    assert '| render-indoor2warm, 2400 / 2400 / 4800 | render-indoor2warm_r18, 2400' in md


def test_per_task_counts_are_named(tool, tmp_path):
    """A schedule with run_pipeline's --task-iters names them in the columns."""
    short = _results([2, 2, 4], {0: [1, 2, 3]}, {0: 2.})
    long = dict(_results([2, 2, 4], {0: [1, 2, 4]}, {0: 3.}), task_iters=dict(depth=8))
    for name, res in (('short', short), ('long', long)):
        (tmp_path / f'{name}.json').write_text(json.dumps(res))
    md_path = tmp_path / 'cmp.md'
    cmp = tool.main([str(tmp_path / 'short.json'), str(tmp_path / 'long.json'),
                     '--out-md', str(md_path)])
    assert cmp['long']['task_iters'] == {'depth': 8} and cmp['short']['task_iters'] == {}
    assert '2 / 2 / 4 against 2 / 2 / 4 (depth 8) iterations' in md_path.read_text()
