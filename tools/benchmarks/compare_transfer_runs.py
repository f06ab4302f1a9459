# Copyright (c) synthssl contributors.
"""Do two runs of ``renlee_transfer.py`` tell the same story? E.g. bf16 (``--amp``) against
fp32: the same variants, seeds and scale knobs, another precision.

Pretraining in another precision is a different floating-point trajectory from the first
step on, so the same seed does not give the same number: the question is whether the
candidate behaves like *more seeds of the reference*. For every variant and reported number
(probe top-1 per layer, trees AP50) the script computes

* ``d``: candidate mean - reference mean, and its standard error
  ``se = sqrt(s_ref^2 / n_ref + s_cand^2 / n_cand)`` (sample std over seeds);
* per family (probes, detection): the mean signed ``d`` (a systematic shift), the mean
  ``|d|`` against the mean seed-to-seed std of the reference, and how many cells have
  ``|d| <= 2 se``;
* the conclusions: for every pretrained variant and number, the sign of
  ``variant - random`` in both runs (a table "agrees" when every sign does).

A family is called equivalent at this resolution when at least 90 % of its cells have
``|d| <= 2 se``, its mean ``|d|`` is no larger than the reference's mean seed std, and every
conclusion sign agrees. With two seeds per side this is a coarse test (it can miss a shift of
about a seed std): the output says so. Prints the JSON; ``--out DIR`` also writes
``comparison.json`` and ``comparison.md``::

    python tools/benchmarks/compare_transfer_runs.py docs/benchmarks/renlee_transfer \\
        docs/benchmarks/renlee_transfer_amp --out docs/benchmarks/renlee_transfer_amp
"""
import argparse
import json
import math
import os
import os.path as osp
import statistics
import sys
from typing import List

FAMILIES = {'probe': ['probe_conv1', 'probe_conv2', 'probe_conv3', 'probe_conv4',
                      'probe_conv5'],
            'det': ['det_ap50']}
WITHIN_2SE_SHARE = 0.9


def load(folder: str) -> dict:
    path = osp.join(folder, 'results.json')
    if not osp.isfile(path):
        sys.exit(f'compare_transfer_runs: {path} does not exist (a renlee_transfer.py '
                 '--results folder is expected)')
    with open(path, encoding='utf-8') as f:
        res = json.load(f)
    if 'summary' not in res or 'meta' not in res:
        sys.exit(f'compare_transfer_runs: {path} is not a renlee_transfer.py results.json '
                 '(no summary / meta)')
    return res


def compare(ref: dict, cand: dict) -> dict:
    """The comparison of two renlee_transfer results (see the module docstring)."""
    knobs_r, knobs_c = ref['meta']['knobs'], cand['meta']['knobs']
    if knobs_r != knobs_c:
        diff = {k: (knobs_r.get(k), knobs_c.get(k)) for k in set(knobs_r) | set(knobs_c)
                if knobs_r.get(k) != knobs_c.get(k)}
        raise ValueError(f'the runs have different scale knobs (reference, candidate): {diff}')
    variants = [v for v in ref['summary'] if v in cand['summary']]
    cells: List[dict] = []
    for v in variants:
        for family, keys in FAMILIES.items():
            for k in keys:
                r, c = ref['summary'][v].get(k), cand['summary'][v].get(k)
                if not r or not c or r['n'] < 2 or c['n'] < 2:
                    continue
                d = c['mean'] - r['mean']
                se = math.sqrt(r['std'] ** 2 / r['n'] + c['std'] ** 2 / c['n'])
                cells.append(dict(variant=v, number=k, family=family, ref_mean=r['mean'],
                                  ref_std=r['std'], cand_mean=c['mean'], cand_std=c['std'],
                                  n_ref=r['n'], n_cand=c['n'], d=d, se=se,
                                  within_2se=abs(d) <= 2 * se))
    signs: List[dict] = []
    if 'random' in variants:
        for v in variants:
            if v == 'random':
                continue
            for keys in FAMILIES.values():
                for k in keys:
                    try:
                        gr = ref['summary'][v][k]['mean'] - ref['summary']['random'][k]['mean']
                        gc = (cand['summary'][v][k]['mean'] -
                              cand['summary']['random'][k]['mean'])
                    except KeyError:
                        continue
                    signs.append(dict(variant=v, number=k, ref_vs_random=gr,
                                      cand_vs_random=gc, agree=(gr > 0) == (gc > 0)))
    families = {}
    for family, keys in FAMILIES.items():
        fc = [c for c in cells if c['family'] == family]
        fs = [s for s in signs if s['number'] in keys]
        if not fc:
            continue
        within = sum(c['within_2se'] for c in fc)
        mean_abs = statistics.fmean(abs(c['d']) for c in fc)
        ref_sd = statistics.fmean(c['ref_std'] for c in fc)
        families[family] = dict(
            cells=len(fc), within_2se=within, mean_d=statistics.fmean(c['d'] for c in fc),
            mean_abs_d=mean_abs, mean_ref_std=ref_sd,
            mean_cand_std=statistics.fmean(c['cand_std'] for c in fc),
            positive_d=sum(c['d'] > 0 for c in fc),
            signs_agree=sum(s['agree'] for s in fs), signs=len(fs),
            equivalent=(within >= WITHIN_2SE_SHARE * len(fc) and mean_abs <= ref_sd and
                        all(s['agree'] for s in fs)))
    return dict(reference=dict(command=ref['meta'].get('command'), amp=ref['meta'].get('amp')),
                candidate=dict(command=cand['meta'].get('command'),
                               amp=cand['meta'].get('amp')),
                rule=(f'equivalent: >= {WITHIN_2SE_SHARE:.0%} of cells |d| <= 2 se, mean |d| '
                      '<= mean reference seed std, every sign of (variant - random) agrees'),
                families=families, cells=cells, signs=signs)


def markdown(out: dict) -> str:
    lines = ['# Two renlee_transfer runs compared', '',
             f'Reference: `{out["reference"]["command"]}`', '',
             f'Candidate: `{out["candidate"]["command"]}`', '',
             f'Rule: {out["rule"]}. d = candidate mean - reference mean (points), '
             'se = its standard error from the two seed spreads. With n = 2 seeds a side '
             'the test is coarse: it cannot see a shift smaller than about one seed std.', '',
             '| family | cells | \\|d\\| <= 2 se | mean d | mean \\|d\\| | mean seed std ref / '
             'cand | d > 0 | signs vs random agree | equivalent |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, f in out['families'].items():
        lines.append(f'| {name} | {f["cells"]} | {f["within_2se"]} | {f["mean_d"]:+.2f} | '
                     f'{f["mean_abs_d"]:.2f} | {f["mean_ref_std"]:.2f} / '
                     f'{f["mean_cand_std"]:.2f} | {f["positive_d"]} | '
                     f'{f["signs_agree"]}/{f["signs"]} | '
                     f'{"yes" if f["equivalent"] else "no"} |')
    lines += ['', '| variant | number | reference | candidate | d | se | within 2 se |',
              '| --- | --- | --- | --- | --- | --- | --- |']
    for c in out['cells']:
        lines.append(f'| {c["variant"]} | {c["number"]} | {c["ref_mean"]:.2f} ± '
                     f'{c["ref_std"]:.2f} | {c["cand_mean"]:.2f} ± {c["cand_std"]:.2f} | '
                     f'{c["d"]:+.2f} | {c["se"]:.2f} | {"yes" if c["within_2se"] else "no"} |')
    return '\n'.join(lines) + '\n'


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('reference', help='--results folder of the reference run (e.g. fp32)')
    p.add_argument('candidate', help='--results folder of the candidate run (e.g. --amp)')
    p.add_argument('--out', help='folder for comparison.json / comparison.md')
    args = p.parse_args()
    try:
        out = compare(load(args.reference), load(args.candidate))
    except ValueError as e:
        sys.exit(f'compare_transfer_runs: {args.reference} vs {args.candidate}: {e}')
    out['reference']['folder'], out['candidate']['folder'] = args.reference, args.candidate
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(osp.join(args.out, 'comparison.json'), 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
        with open(osp.join(args.out, 'comparison.md'), 'w', encoding='utf-8') as f:
            f.write(markdown(out))
    print(json.dumps(out['families'], indent=1))


if __name__ == '__main__':
    main()
