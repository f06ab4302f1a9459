# Copyright (c) synthssl contributors.
"""What a longer schedule changed: two results folders of ``tools/atdt/run_pipeline.py``
(same pair, different ``--iters``), stage by stage. With ``--other-pair`` the two folders may
be two pairs run on the same data, e.g. a pair and its variant with other task networks
(``render-indoor2warm`` and ``render-indoor2warm_r18``): what the change of network changed.

A stage trained to a plateau gains little when its schedule is lengthened. Within one run
that is hard to see, because the poly learning rate goes to zero at the end of any schedule
and flattens every curve there; between two schedules it is measured directly. For every
direction, stage (N1, N2 = the baseline, G = AT/DT, the oracle, G at levels 0-2) and metric,
over the seeds both folders hold:

* ``own``: the mean of the last third of the stage's validation curve on its own
  validation set (N1, N2, G: A's; the oracle: B's), the plateau metric of ``results.md``
  (mIoU for semantics, δ<1.25 for depth);
* ``B``: the tested metrics on B of the results table (N1 is not tested on B).

Each gives mean ± sample std over the seeds per schedule, the change of the mean, and that
change over the larger of the two seed spreads (``|Δ| / spread``: below 1, lengthening the
schedule moved the stage less than changing the seed does).

Example (the 1200 / 1200 / 2400 and 2400 / 2400 / 4800 runs of docs/atdt.md)::

    python tools/atdt/compare_schedules.py docs/results/atdt_render-indoor2warm \\
        docs/results/atdt_render-indoor2warm_plateau --out-md schedules.md
    # ResNet-50 against ResNet-18 task networks, same schedule and data
    python tools/atdt/compare_schedules.py docs/results/atdt_render-indoor2warm_plateau \\
        docs/results/atdt_render-indoor2warm_r18 --other-pair --out-md networks.md
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from run_pipeline import (DIRECTION_TITLES, PLATEAU_METRIC, TABLE_METRICS,  # noqa: E402
                          _stats, curve_thirds, stage_task, still_training)

#: stage key in results.json -> its title here
STAGE_TITLES = dict(n1='N1 (task 1 on A ∪ B)', baseline='N2 = baseline (task 2 on A)',
                    atdt='G = AT/DT (level 3)', oracle='oracle (task 2 on B)',
                    atdt_level0='G at level 0', atdt_level1='G at level 1',
                    atdt_level2='G at level 2')


def load_results(folder: str) -> Dict:
    """``folder/results.json`` of run_pipeline (or that file itself)."""
    path = folder if folder.endswith('.json') else osp.join(folder, 'results.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'compare_schedules: {path} does not exist (a results '
                                'folder of tools/atdt/run_pipeline.py --results-dir)')
    with open(path, encoding='utf-8') as f:
        res = json.load(f)
    for key in ('pair', 'iters', 'runs'):
        if key not in res:
            raise ValueError(f'compare_schedules: {path} has no {key!r}: not a results.json '
                             'of tools/atdt/run_pipeline.py')
    res['_path'] = path
    return res


def last_third(info: Dict, metric: str) -> Optional[float]:
    """Mean of the last third of a stage's validation curve of ``metric`` (None below 3
    points, or while the stage is still training: its curve is not yet its schedule's)."""
    if still_training(info):
        return None
    thirds = curve_thirds(info, metric)
    return None if thirds is None else sum(thirds[2]) / len(thirds[2])


def compare(short: Dict, long: Dict, other_pair: bool = False) -> Dict:
    """Rows of (direction, stage, metric): both runs' stats over the common seeds, the
    change of the mean and ``|Δ| / spread``. Two pairs only with ``other_pair``."""
    if short['pair'] != long['pair'] and not other_pair:
        raise ValueError(f"compare_schedules: {short['_path']} is pair {short['pair']!r}, "
                         f"{long['_path']} is {long['pair']!r} (--other-pair compares two "
                         'pairs run on the same data)')
    rows: List[Dict] = []
    for direction in DIRECTION_TITLES:
        s_runs, l_runs = short['runs'].get(direction, {}), long['runs'].get(direction, {})
        seeds = sorted(set(s_runs) & set(l_runs), key=lambda s: int(s[len('seed'):]))
        stages = [k for k in STAGE_TITLES
                  if any(k in s_runs[s] and k in l_runs[s] for s in seeds)]
        for stage in stages:
            own_key, own_title = PLATEAU_METRIC[stage_task(direction, stage)]
            metrics = [('own', own_key, f'{own_title} (own val., last third)', 2)]
            metrics += [('B', mk, f'{title} on B', dec)
                        for mk, title, dec in TABLE_METRICS[direction]]
            for where, mk, title, dec in metrics:
                vals = {'short': [], 'long': []}
                used = []
                for seed in seeds:
                    pair = []
                    for res_runs in (s_runs, l_runs):
                        info = res_runs[seed].get(stage, {})
                        v = last_third(info, mk) if where == 'own' else \
                            info.get('metrics_B', {}).get(mk)
                        pair.append(v)
                    if None in pair:
                        continue
                    used.append(int(seed[len('seed'):]))
                    vals['short'].append(pair[0])
                    vals['long'].append(pair[1])
                if not used:
                    continue
                st = {k: _stats(v) for k, v in vals.items()}
                delta = st['long']['mean'] - st['short']['mean']
                spreads = [s['std'] for s in st.values() if s['std'] is not None]
                spread = max(spreads) if spreads else None
                rows.append(dict(direction=direction, stage=stage, where=where, metric=mk,
                                 title=title, decimals=dec, seeds=used, short=st['short'],
                                 long=st['long'], delta=delta,
                                 delta_over_spread=(abs(delta) / spread
                                                    if spread else None)))
    return dict(pair=long['pair'],
                short=dict(results=short['_path'], iters=short['iters'], pair=short['pair'],
                           task_iters=short.get('task_iters') or {}),
                long=dict(results=long['_path'], iters=long['iters'], pair=long['pair'],
                          task_iters=long.get('task_iters') or {}),
                rows=rows)


def _cell(st: Dict, dec: int) -> str:
    if st['std'] is None:
        return f"{st['mean']:.{dec}f}"
    return f"{st['mean']:.{dec}f} ± {st['std']:.{dec}f}"


def _schedule(side: Dict) -> str:
    """'2400 / 2400 / 4800', with run_pipeline's per-task counts: '… (depth 4800)'."""
    text = ' / '.join(map(str, side['iters']))
    per_task = side['task_iters']
    if per_task:
        text += ' (' + ', '.join(f'{t} {n}' for t, n in sorted(per_task.items())) + ')'
    return text


def to_markdown(cmp: Dict) -> str:
    s_it, l_it = _schedule(cmp['short']), _schedule(cmp['long'])
    s_pair, l_pair = cmp['short']['pair'], cmp['long']['pair']
    if s_pair == l_pair:
        title = f'# AT/DT on {l_pair}: {s_it} against {l_it} iterations'
        first, second, what = 'Short', 'long', 'the longer schedule'
    else:  # two pairs: the columns name them
        title = (f'# AT/DT: {s_pair} ({s_it} iterations) against {l_pair} '
                 f'({l_it} iterations)')
        s_it, l_it = f'{s_pair}, {s_it}', f'{l_pair}, {l_it}'
        first, second, what = 'First', 'second', 'the second run'
    lines = [title, '',
             f"{first}: `{cmp['short']['results']}`; {second}: `{cmp['long']['results']}`. "
             f'Mean ± sample std over the seeds both hold; Δ = {second} − {first.lower()}; '
             '|Δ| / spread: the change over the larger seed std (below 1: '
             f'{what} moved the stage less than the seed does).', '']
    for direction in DIRECTION_TITLES:
        rows = [r for r in cmp['rows'] if r['direction'] == direction]
        if not rows:
            continue
        lines += [f'## {DIRECTION_TITLES[direction]}', '',
                  f'| stage | metric | {s_it} | {l_it} | Δ | \\|Δ\\| / spread | seeds |',
                  '|---|---|---|---|---|---|---|']
        for r in rows:
            ratio = '—' if r['delta_over_spread'] is None else f"{r['delta_over_spread']:.1f}"
            dec = r['decimals']
            lines.append(f"| {STAGE_TITLES[r['stage']]} | {r['title']} | "
                         f"{_cell(r['short'], dec)} | {_cell(r['long'], dec)} | "
                         f"{r['delta']:+.{dec}f} | {ratio} | "
                         f"{', '.join(map(str, r['seeds']))} |")
        lines.append('')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('short', help='results folder (or results.json) of the shorter schedule')
    p.add_argument('long', help='results folder (or results.json) of the longer schedule')
    p.add_argument('--out', help='also write the JSON here')
    p.add_argument('--out-md', help='also write the markdown table here')
    p.add_argument('--other-pair', action='store_true',
                   help='the folders may hold two pairs run on the same data (e.g. '
                   'render-indoor2warm and its ResNet-18 variant render-indoor2warm_r18)')
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    cmp = compare(load_results(args.short), load_results(args.long), args.other_pair)
    md = to_markdown(cmp)
    print(md, flush=True)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(cmp, f, indent=1)
    if args.out_md:
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(md + '\n')
    return cmp


if __name__ == '__main__':
    main()
