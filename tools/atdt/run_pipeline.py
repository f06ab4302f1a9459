# Copyright (c) synthssl contributors.
"""The four AT/DT stages for one domain pair and direction, resumable::

    python tools/atdt/run_pipeline.py --pair render-indoor2warm --direction dep2sem \\
        --work-dir work_dirs/atdt/render_dep2sem [--baseline] [--oracle] \\
        [--iters N1 N2 G] [--task-iters depth=N] [--data-root-a DIR ...] [--cfg-options ...]

Stages (configs under ``configs/atdt/<pair>/``; Dep.->Sem. / Sem.->Dep.):

1. ``n1``: N1^{A u B} (``depth_AB`` / ``semantic_AB``), ``tools/train.py``;
2. ``n2``: N2^A (``semantic_A`` / ``depth_A``), ``tools/train.py``;
3. ``transfer``: G_{1->2} on A (``dep2sem_transfer`` / ``sem2dep_transfer``) with the two
   checkpoints as ``model.source_checkpoint`` / ``model.target_checkpoint``;
4. ``tools/test.py`` of stage 3 on B: D2(G(E1(x_B))).

``--baseline`` also tests N2^A on B (paper: "Baseline"); ``--oracle`` trains and tests the
task-2 network on B (``semantic_B`` / ``depth_B``); ``--test-on-a`` also tests stage 3 on A's
validation set (the in-domain rows of the paper's §6). Every stage has its own folder
``<work-dir>/<stage>/`` holding the exact config it ran (``config.py``), its checkpoints and
logs, ``done.json`` once trained and ``metrics_B.json`` (``metrics_A.json``) once tested. A
finished stage is skipped; an interrupted one resumes from its newest checkpoint. The metrics
of all tested stages (semantic: aAcc, mIoU, mAcc and ``IoU.<class>``; depth: ``depth/*``)
are printed as one JSON, also written to ``<work-dir>/summary.json``
(``summary_<variant>.json`` for a variant, ``summary_<transfer config>.json`` for
``--configs``).

Ablations of the paper's §6 (``--variant``, configs of ``configs/atdt/synthia2cityscapes``)::

    --variant level0|level1|level2   Fig. 4: G between residual stage 1/2/3 (N1, N2 as default)
    --variant nonshared              Tab. 5: N1^A (G's training) and N1^B (applied on B)
    --variant nobn                   Tab. 6: task networks without batch normalisation

Variants share the default run's work dir: stages with the same config (e.g. N1 and N2 of
the ``level*`` variants) are trained once. ``--configs n1=NAME n2=NAME transfer=NAME
[n1b=NAME] [oracle=NAME]`` runs any other set of configs of the pair folder.

Repeated runs (seeds x directions) with a summary table across them::

    python tools/atdt/run_pipeline.py --pair render-indoor2warm --directions dep2sem sem2dep \
        --seeds 0 1 --baseline --oracle --levels --iters 1200 1200 2400 --val-interval 300 \
        --work-dir work_dirs/atdt_evidence/run --results-dir docs/results/atdt_render-indoor2warm

runs every direction for every seed (direction by direction, seed by seed) in
``<work-dir>/<direction>/seed<S>/`` (``randomness.seed=S`` in every stage), ``--levels`` adds
the transfer-level ablation (Fig. 4: G at residual stage 1/2/3, N1 and N2 reused; tested on B
and on A, as is the main G) for each seed of the Dep.->Sem. direction. After every tested
stage the results across seeds are rewritten, from the stages' ``metrics_*.json``:
``<results-dir>/results.md`` (mean +- sample std over the seeds done, n) and
``results.json`` (the command, every seed's values, mean / std / min / max, each stage's
validation curve and training losses), and the stages' logs are copied to
``<results-dir>/logs/``. Re-running the same command continues; ``--summary-only`` just
rewrites the results from what is on disk.
"""
import argparse
import copy
import glob
import json
import math
import os
import os.path as osp
import runpy
import shlex
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from synthssl.utils.launch import prepare_process_env  # noqa: E402

prepare_process_env()

from mmengine.config import Config, DictAction  # noqa: E402

from synthssl.utils.launch import latest_checkpoint, thread_env  # noqa: E402

#: direction -> the configs of stage 1, stage 2 (= baseline), stage 3/4 and the oracle
STAGES = {
    'dep2sem': dict(n1='depth_AB', n2='semantic_A', transfer='dep2sem_transfer',
                    oracle='semantic_B'),
    'sem2dep': dict(n1='semantic_AB', n2='depth_A', transfer='sem2dep_transfer',
                    oracle='depth_B'),
}
#: ablation variants (paper §6) -> the stage configs they replace; ``n1b`` = the N1^B of a
#: non-shared N1, applied to domain B instead of N1 (model.test_source_checkpoint)
VARIANTS = {
    'level0': dict(direction='dep2sem', transfer='dep2sem_transfer_level0'),
    'level1': dict(direction='dep2sem', transfer='dep2sem_transfer_level1'),
    'level2': dict(direction='dep2sem', transfer='dep2sem_transfer_level2'),
    'nonshared': dict(direction='dep2sem', n1='depth_A_nonshared', n1b='depth_B_nonshared',
                      transfer='dep2sem_transfer_nonshared'),
    'nobn': dict(direction='dep2sem', n1='depth_AB_nobn', n2='semantic_A_nobn',
                 transfer='dep2sem_transfer_nobn'),
}
STAGE_KEYS = ('n1', 'n1b', 'n2', 'transfer', 'oracle')
#: the two tasks, in Dep.->Sem. order (task 1, task 2)
TASKS = ('depth', 'semantics')
#: CLI data-root options -> the pair config's dataset whose data_root they replace
ROOT_VARS = dict(data_root_a='domain_a_train', data_root_b='domain_b_train',
                 data_root_a_val='domain_a_val', data_root_b_val='domain_b_val',
                 data_root_b_oracle='domain_b_oracle_train')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--pair', default='render-indoor2warm',
                   help='folder under configs/atdt (e.g. render-indoor2warm, carla2cityscapes)')
    p.add_argument('--direction', choices=sorted(STAGES),
                   help='default: dep2sem, or the variant\'s direction')
    p.add_argument('--variant', choices=sorted(VARIANTS),
                   help='an ablation of the paper\'s §6 (see above)')
    p.add_argument('--configs', nargs='+', action=DictAction, default={},
                   help=f'stage -> config name in the pair folder ({", ".join(STAGE_KEYS)}); '
                   'overrides the direction\'s and the variant\'s')
    p.add_argument('--config-dir', default=osp.join(REPO, 'configs', 'atdt'))
    p.add_argument('--work-dir', help='default: work_dirs/atdt/<pair>_<direction>')
    p.add_argument('--baseline', action='store_true', help='also test N2^A on B')
    p.add_argument('--oracle', action='store_true', help='also train + test task 2 on B')
    p.add_argument('--test-on-a', action='store_true',
                   help='also test stage 3 on domain A\'s validation set (in-domain, §6)')
    p.add_argument('--iters', type=int, nargs=3, metavar=('N1', 'N2', 'G'),
                   help='training iterations of stage 1, stage 2 (and the oracle), stage 3')
    p.add_argument('--task-iters', nargs='+', default=[], metavar='TASK=N',
                   help='training iterations of every task network of a task (depth or '
                   'semantics), whichever stage trains it: N1, N2 = the baseline, the oracle '
                   '(e.g. depth=4800: N1 in dep2sem, N2 and the oracle in sem2dep); overrides '
                   '--iters\' count for them. Per task, the same for every method')
    for var in ROOT_VARS:
        p.add_argument('--' + var.replace('_', '-'), dest=var,
                       help=f'replace the pair config\'s {var}')
    p.add_argument('--net-options', nargs='+', action=DictAction, default={},
                   help='options of the task networks, keys relative to the network '
                   '(e.g. backbone.depth=18): set on model.* of stages 1/2/oracle and on '
                   'model.source.* and model.target.* of stage 3')
    p.add_argument('--transfer-options', nargs='+', action=DictAction, default={},
                   help='options of stage 3 only (full keys, e.g. model.transfer.channels=512)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                   help='options of every stage (full keys)')
    p.add_argument('--seeds', type=int, nargs='+',
                   help='repeated runs: one per seed (randomness.seed of every stage) in '
                   '<work-dir>/<direction>/seed<S>/, with results.md / results.json across them')
    p.add_argument('--directions', nargs='+', choices=sorted(STAGES),
                   help='repeated runs: these directions (each for every seed)')
    p.add_argument('--levels', action='store_true',
                   help='repeated runs: also the transfer-level ablation (variants level0-2, '
                   'tested on B and A) for every seed of the dep2sem direction')
    p.add_argument('--val-interval', type=int,
                   help='validate and save a checkpoint every N iterations in every stage '
                   '(the validation curve shows the plateau; a killed stage resumes there)')
    p.add_argument('--results-dir',
                   help='repeated runs: where results.md, results.json and logs/ go '
                   '(default: the work dir)')
    p.add_argument('--summary-only', action='store_true',
                   help='repeated runs: only rewrite the results from the stages on disk')
    p.add_argument('--threads', type=int,
                   help='threads per stage (OMP/MKL_NUM_THREADS, passive OpenMP waiting; '
                   'default: the environment\'s); recorded in results.json')
    p.add_argument('--python', default=sys.executable)
    p.add_argument('--in-process', action='store_true',
                   help='run tools/train.py and tools/test.py inside this process (saves the '
                   'start-up of every stage; default: one subprocess per stage)')
    args = p.parse_args(argv)
    args.task_iters = _task_iters(args.task_iters)
    return args


def _task_iters(items: List[str]) -> Dict[str, int]:
    """``['depth=4800']`` -> ``{'depth': 4800}``; a clear error for anything else."""
    out: Dict[str, int] = {}
    for item in items:
        task, _, n = item.partition('=')
        if task not in TASKS or not n.isdigit() or int(n) < 1:
            raise SystemExit(f'run_pipeline: --task-iters {item!r}: expected depth=N or '
                             'semantics=N with N a positive integer')
        out[task] = int(n)
    return out


def _replace_roots(cfg: Config, new_roots: Dict[str, str]) -> None:
    """Set ``data_root`` of every dataloader dataset (also inside a ConcatDataset) that is
    one of the pair's ``domain_*`` datasets named in ``new_roots`` (in place)."""
    def visit(ds):
        if ds is None:
            return
        for child in ds.get('datasets') or []:
            visit(child)
        for var, key in ROOT_VARS.items():
            if var in new_roots and key in cfg and ds == cfg[key]:
                ds['data_root'] = new_roots[var]
                return

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        visit((cfg.get(key) or {}).get('dataset'))


def _set_iters(cfg: Config, iters: Optional[int], val_interval: Optional[int] = None) -> None:
    """Set the iterations (LR schedule end, validation, checkpoint) and, with
    ``val_interval``, validate + checkpoint every ``val_interval`` iterations."""
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        cfg.train_cfg.val_interval = iters
        scheds = cfg.get('param_scheduler') or []
        for s in scheds if isinstance(scheds, list) else [scheds]:
            if 'end' in s:
                s['end'] = iters
    iters = cfg.train_cfg.max_iters
    ckpt = cfg.get('default_hooks', {}).get('checkpoint')
    if val_interval is not None:
        cfg.train_cfg.val_interval = min(val_interval, iters)
        if ckpt is not None:
            ckpt.interval = min(val_interval, iters)
            ckpt.max_keep_ckpts = 1
    elif ckpt is not None:
        ckpt.interval = min(ckpt.interval, iters)


def stage_config(path: str, args: argparse.Namespace, kind: str, iters: Optional[int],
                 extra: Optional[dict] = None) -> Config:
    """The config of one stage with the CLI options applied."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'run_pipeline: no config {path} (pair {args.pair!r}, '
                                f'direction {args.direction!r})')
    cfg = Config.fromfile(path)
    new_roots = {var: osp.abspath(getattr(args, var)) for var in ROOT_VARS
                 if getattr(args, var) is not None}
    for var in new_roots:
        if ROOT_VARS[var] not in cfg:
            raise KeyError(f'run_pipeline: {path} has no {ROOT_VARS[var]}; cannot apply '
                           f'--{var.replace("_", "-")}')
    _replace_roots(cfg, new_roots)
    _set_iters(cfg, iters, getattr(args, 'val_interval', None))
    opts = {}
    prefixes = ['model.source.', 'model.target.'] if kind == 'transfer' else ['model.']
    for k, v in args.net_options.items():
        for pre in prefixes:
            opts[pre + k] = v
    if getattr(args, 'seed', None) is not None:
        opts['randomness.seed'] = args.seed
    opts.update(args.cfg_options)
    if kind == 'transfer':
        opts.update(args.transfer_options)
    opts.update(extra or {})
    if opts:
        cfg.merge_from_dict(opts)
    return cfg


def stage_names(args: argparse.Namespace) -> Dict[str, str]:
    """Stage -> config name (without .py) for the direction, variant and ``--configs``."""
    variant = dict(VARIANTS[args.variant]) if args.variant else {}
    want = variant.pop('direction', None)
    if args.direction is None:
        args.direction = want or 'dep2sem'
    elif want is not None and args.direction != want:
        raise SystemExit(f'run_pipeline: variant {args.variant!r} is a {want} experiment, got '
                         f'--direction {args.direction}')
    names = dict(STAGES[args.direction], **variant)
    bad = sorted(set(args.configs) - set(STAGE_KEYS))
    if bad:
        raise SystemExit(f'run_pipeline: --configs keys must be among {STAGE_KEYS}, got {bad}')
    names.update({k: str(v) for k, v in args.configs.items()})
    return names


def run(cmd: List[str], in_process: bool = False) -> None:
    """Run ``python TOOL ARGS...`` as a subprocess, or with runpy in this process."""
    print('+ ' + ' '.join(cmd), flush=True)
    if in_process:
        argv = sys.argv
        sys.argv = cmd[1:]
        try:
            runpy.run_path(cmd[1], run_name='__main__')
        except SystemExit as e:
            if e.code not in (None, 0):
                raise SystemExit(f'run_pipeline: {" ".join(cmd)} exited {e.code}')
        finally:
            sys.argv = argv
        return
    proc = subprocess.run(cmd, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f'run_pipeline: {" ".join(cmd)} exited {proc.returncode}')


def train_stage(name: str, cfg: Config, args: argparse.Namespace, work_dir: str) -> str:
    """Train one stage unless it is done; return its final checkpoint."""
    stage_dir = osp.join(work_dir, name)
    done = osp.join(stage_dir, 'done.json')
    if osp.isfile(done):
        with open(done, encoding='utf-8') as f:
            ckpt = json.load(f)['checkpoint']
        if osp.isfile(ckpt):
            print(f'[{name}] done: {ckpt}', flush=True)
            return ckpt
    os.makedirs(stage_dir, exist_ok=True)
    cfg.work_dir = stage_dir
    cfg_path = osp.join(stage_dir, 'config.py')
    cfg.dump(cfg_path)
    cmd = [args.python, osp.join(REPO, 'tools', 'train.py'), cfg_path, '--work-dir', stage_dir]
    if latest_checkpoint(stage_dir) is not None:
        cmd.append('--resume')
    print(f'[{name}] training ({cfg.train_cfg.max_iters} iterations)', flush=True)
    run(cmd, args.in_process)
    ckpt = latest_checkpoint(stage_dir)
    if ckpt is None:
        raise SystemExit(f'run_pipeline: stage {name} finished without a checkpoint in '
                         f'{stage_dir}')
    with open(done, 'w', encoding='utf-8') as f:
        json.dump(dict(checkpoint=osp.abspath(ckpt), config=cfg_path), f, indent=1)
    return osp.abspath(ckpt)


def in_domain_config(stage_dir: str) -> str:
    """``config_A.py`` of a trained stage 3: its validation set (domain A) and evaluator as
    test set, through the E1 that G was trained on (the non-shared N1^B is for B only)."""
    cfg = Config.fromfile(osp.join(stage_dir, 'config.py'))
    if not cfg.get('val_dataloader') or not cfg.get('val_evaluator'):
        raise SystemExit(f'run_pipeline: {stage_dir}/config.py has no val_dataloader / '
                         'val_evaluator (domain A) to test on')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.test_evaluator = cfg.val_evaluator
    cfg.model.separate_test_source = False
    cfg.model.test_source_checkpoint = None
    path = osp.join(stage_dir, 'config_A.py')
    cfg.dump(path)
    return path


def test_stage(name: str, ckpt: str, args: argparse.Namespace, work_dir: str,
               domain: str = 'B') -> Dict:
    """Test a trained stage on its test set (domain B), or for ``domain='A'`` a stage 3 on
    A's validation set; cached in metrics_<domain>.json."""
    stage_dir = osp.join(work_dir, name)
    out = osp.join(stage_dir, f'metrics_{domain}.json')
    if not osp.isfile(out):
        print(f'[{name}] testing on {domain}', flush=True)
        cfg_path = osp.join(stage_dir, 'config.py') if domain == 'B' else \
            in_domain_config(stage_dir)
        run([args.python, osp.join(REPO, 'tools', 'test.py'), cfg_path, ckpt, '--work-dir',
             osp.join(stage_dir, 'test' if domain == 'B' else f'test_{domain}'), '--out', out,
             '--out-item', 'metrics'], args.in_process)
    with open(out, encoding='utf-8') as f:
        return json.load(f)


def run_one(args: argparse.Namespace, on_tested=None) -> Dict:
    """The four stages (+ baseline, oracle, in-domain test) of one direction / variant in
    ``args.work_dir``; ``on_tested()`` is called after every test."""
    names = stage_names(args)
    work_dir = osp.abspath(args.work_dir or osp.join(
        REPO, 'work_dirs', 'atdt', f'{args.pair}_{args.direction}'))
    os.makedirs(work_dir, exist_ok=True)
    cfg_dir = osp.join(args.config_dir, args.pair)
    it = list(args.iters or (None, None, None))
    # per task: N1's task / N2's and the oracle's
    it[0] = args.task_iters.get(stage_task(args.direction, 'n1'), it[0])
    it[1] = args.task_iters.get(stage_task(args.direction, 'n2'), it[1])

    def cfg_of(stage, kind, iters, extra=None):
        return stage_config(osp.join(cfg_dir, names[stage] + '.py'), args, kind, iters, extra)

    ckpts, metrics = {}, {}
    ckpts['n1'] = train_stage('n1_' + names['n1'], cfg_of('n1', 'task', it[0]), args, work_dir)
    if names.get('n1b'):  # non-shared N1: N1^B encodes B at test time
        ckpts['n1b'] = train_stage('n1b_' + names['n1b'], cfg_of('n1b', 'task', it[0]), args,
                                   work_dir)
    ckpts['n2'] = train_stage('n2_' + names['n2'], cfg_of('n2', 'task', it[1]), args, work_dir)
    links = {'model.source_checkpoint': ckpts['n1'], 'model.target_checkpoint': ckpts['n2']}
    if 'n1b' in ckpts:
        links['model.test_source_checkpoint'] = ckpts['n1b']
    tr_cfg = cfg_of('transfer', 'transfer', it[2], links)
    tr_name = 'transfer_' + names['transfer']
    ckpts['transfer'] = train_stage(tr_name, tr_cfg, args, work_dir)
    tested = on_tested or (lambda: None)
    metrics['atdt'] = test_stage(tr_name, ckpts['transfer'], args, work_dir)
    tested()
    if args.test_on_a:
        metrics['atdt_A'] = test_stage(tr_name, ckpts['transfer'], args, work_dir, 'A')
        tested()
    if args.baseline:
        metrics['baseline'] = test_stage('n2_' + names['n2'], ckpts['n2'], args, work_dir)
        tested()
    if args.oracle:
        name = 'oracle_' + names['oracle']
        ckpts['oracle'] = train_stage(name, cfg_of('oracle', 'task', it[1]), args, work_dir)
        metrics['oracle'] = test_stage(name, ckpts['oracle'], args, work_dir)
        tested()
    summary = dict(pair=args.pair, direction=args.direction, variant=args.variant,
                   work_dir=work_dir, configs=names, checkpoints=ckpts, metrics=metrics)
    # summary.json for the direction's own configs; a variant / --configs set gets its own
    tag = args.variant or (names['transfer'] if args.configs else None)
    out = 'summary.json' if tag is None else f'summary_{tag}.json'
    with open(osp.join(work_dir, out), 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1), flush=True)
    return summary


# ------------------------------------------------------------------ repeated runs + results
#: metrics of the results table per task 2 (key in metrics_*.json, column title, decimals)
TABLE_METRICS = {
    'dep2sem': [('mIoU', 'mIoU', 2), ('aAcc', 'aAcc', 2)],
    'sem2dep': [('depth/abs_rel', 'Abs Rel', 3), ('depth/rmse', 'RMSE (m)', 3),
                ('depth/a1', 'δ<1.25 (%)', 3)],
}
DIRECTION_TITLES = dict(dep2sem='Dep.→Sem. (semantics on B)',
                        sem2dep='Sem.→Dep. (depth on B)')
#: rows of the main table: (method key, title, stage key, domain)
METHOD_ROWS = [('baseline', 'Baseline (N2 trained on A, applied to B)', 'n2', 'B'),
               ('atdt', 'AT/DT (D2(G(E1(x_B))))', 'transfer', 'B'),
               ('oracle', 'Oracle (task 2 trained on B)', 'oracle', 'B')]
LEVELS = ('level0', 'level1', 'level2')


def _stats(values: List[float]) -> Dict:
    vals = [float(v) for v in values]
    n = len(vals)
    mean = sum(vals) / n
    std = math.sqrt(sum((v - mean)**2 for v in vals) / (n - 1)) if n > 1 else None
    return dict(values=vals, n=n, mean=mean, std=std, min=min(vals), max=max(vals))


def _fmt(st: Optional[Dict], dec: int) -> str:
    if not st:
        return '—'
    if st['std'] is None:
        return f"{st['mean']:.{dec}f} (n=1)"
    return f"{st['mean']:.{dec}f} ± {st['std']:.{dec}f} (n={st['n']})"


def _curves(stage_dir: str) -> Dict:
    """The validation metrics and training losses a stage logged (mmengine's
    ``vis_data/scalars.json`` of every run of it, resumed ones included): name -> [[iteration,
    value], ...]. An iteration-based loop logs its validation with ``step`` = epoch (0), so a
    validation point gets the iteration of the training record logged just before it (exact
    when the logging interval divides the validation interval: 20 and 300 here)."""
    out: Dict[str, List] = {}
    for path in sorted(glob.glob(osp.join(stage_dir, '*', 'vis_data', 'scalars.json'))):
        last_iter = 0
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if 'iter' in rec:  # a training record
                    last_iter = rec['iter']
                step = rec.get('iter', last_iter)
                for k, v in rec.items():
                    if k == 'loss' or (k in ('aAcc', 'mIoU') or k.startswith('depth/')):
                        out.setdefault(k, []).append([step, v])
    return out


def _copy_logs(stage_dir: str, dest: str) -> List[str]:
    """Copy the text logs of a stage's training and test runs to ``dest``; return them."""
    copied = []
    for log in sorted(glob.glob(osp.join(stage_dir, '*', '*.log')) +
                      glob.glob(osp.join(stage_dir, 'test*', '*', '*.log'))):
        rel = osp.relpath(log, stage_dir).replace(os.sep, '__')
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(log, osp.join(dest, rel))
        copied.append(osp.join(dest, rel))
    return copied


def _git_commit() -> Optional[str]:
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def collect_results(args: argparse.Namespace, argv: List[str]) -> Dict:
    """results.json / results.md across the seeds from every tested stage on disk."""
    work_dir, res_dir = args.work_dir, args.results_dir
    runs: Dict = {}
    table: Dict = {}
    # Work dirs do not travel between machines; the published results.json does. A direction
    # and seed this command does not run keep their published results when the schedule is
    # the same (a later session adds seeds or directions without redoing the finished ones).
    prev: Dict = {}
    prev_path = osp.join(res_dir, 'results.json') if res_dir else None
    if prev_path and osp.isfile(prev_path):
        with open(prev_path, encoding='utf-8') as f:
            prev = json.load(f)
        if (prev.get('pair'), prev.get('iters'), prev.get('task_iters') or {},
                prev.get('val_interval')) != (args.pair, args.iters, args.task_iters,
                                              args.val_interval):
            print(f'run_pipeline: {prev_path} has another pair or schedule; its runs are '
                  'not carried over', flush=True)
            prev = {}
    directions = [d for d in DIRECTION_TITLES
                  if d in args.directions or d in prev.get('runs', {})]
    # the run's command (a --summary-only rewrite records the command it summarises); every
    # stage read from disk records it, so carried-over seeds keep the command that made them
    command = 'python ' + ' '.join(shlex.quote(a) for a in ['tools/atdt/run_pipeline.py'] + argv
                                   if a != '--summary-only')
    for direction in directions:
        d_args = copy.copy(args)
        d_args.direction, d_args.variant, d_args.configs = direction, None, {}
        names = stage_names(d_args)
        # method (row of the table) -> stage folder; N1 is listed for its curves only
        stage_dirs = {'n1': 'n1_' + names['n1'], 'baseline': 'n2_' + names['n2'],
                      'atdt': 'transfer_' + names['transfer'],
                      'oracle': 'oracle_' + names['oracle']}
        if args.levels and direction == 'dep2sem':
            for lv in LEVELS:
                stage_dirs['atdt_' + lv] = 'transfer_' + VARIANTS[lv]['transfer']
        rows: Dict[str, Dict[str, List[float]]] = {}

        def add_row(key: str, dom: str, m: Dict, seed: int) -> None:
            row = key if dom == 'B' else key + '_A'
            for mk, _, _ in TABLE_METRICS[direction]:
                if mk in m:
                    rows.setdefault(row, {}).setdefault(mk, []).append(m[mk])
            rows.setdefault(row, {}).setdefault('_seeds', []).append(seed)

        published = prev.get('runs', {}).get(direction, {})
        ran = args.seeds if direction in args.directions else []
        seeds = sorted(set(ran) | {int(k[len('seed'):]) for k in published})
        for seed in seeds:
            if seed not in ran:
                carried = runs.setdefault(direction, {})[f'seed{seed}'] = \
                    published[f'seed{seed}']
                for key, info in carried.items():
                    for dom in ('B', 'A'):
                        if f'metrics_{dom}' in info:
                            add_row(key, dom, info[f'metrics_{dom}'], seed)
                continue
            sdir = osp.join(work_dir, direction, f'seed{seed}')
            run = runs.setdefault(direction, {}).setdefault(f'seed{seed}', {})
            for key, stage in stage_dirs.items():
                stage_dir = osp.join(sdir, stage)
                if not osp.isdir(stage_dir):
                    continue
                info = dict(stage=stage, trained=osp.isfile(osp.join(stage_dir, 'done.json')),
                            command=command, curves=_curves(stage_dir))
                for dom in ('B', 'A'):
                    mpath = osp.join(stage_dir, f'metrics_{dom}.json')
                    if osp.isfile(mpath):
                        with open(mpath, encoding='utf-8') as f:
                            m = json.load(f)
                        info[f'metrics_{dom}'] = m
                        add_row(key, dom, m, seed)
                if res_dir is not None:
                    info['logs'] = [osp.relpath(p, res_dir) for p in _copy_logs(
                        stage_dir, osp.join(res_dir, 'logs', direction, f'seed{seed}', stage))]
                run[key] = info
            # a stage of a seed being (re)run that is not on disk (yet) keeps its published
            # result: re-running seed 0 to add the level ablation on another machine must not
            # drop seed 0's other rows while its stages retrain
            for key, info in published.get(f'seed{seed}', {}).items():
                if key in run or key not in stage_dirs:
                    continue
                run[key] = info
                for dom in ('B', 'A'):
                    if f'metrics_{dom}' in info:
                        add_row(key, dom, info[f'metrics_{dom}'], seed)
        table[direction] = {row: dict({mk: _stats(v) for mk, v in vals.items()
                                       if mk != '_seeds'}, seeds=vals['_seeds'])
                            for row, vals in rows.items()}
    results = dict(
        pair=args.pair, command=command,
        git_commit=_git_commit(), written=time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()),
        seeds=sorted({int(k[len('seed'):]) for d in runs.values() for k in d} | set(args.seeds)),
        directions=directions, iters=args.iters,
        val_interval=args.val_interval,
        threads=args.threads or int(os.environ.get('OMP_NUM_THREADS', '0')) or None,
        spread='sample standard deviation over the seeds (ddof=1); min/max also given',
        table=table, runs=runs)
    if args.task_iters:  # recorded only when set: older results.json stay as they were
        results['task_iters'] = args.task_iters
    os.makedirs(res_dir or work_dir, exist_ok=True)
    with open(osp.join(res_dir or work_dir, 'results.json'), 'w', encoding='utf-8') as f:
        json.dump(results, f, indent=1)
    with open(osp.join(res_dir or work_dir, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(results_markdown(results, args))
    return results


#: the validation metric whose curve shows a stage's plateau, by the task the stage learns
PLATEAU_METRIC = dict(semantics=('mIoU', 'mIoU'), depth=('depth/a1', 'δ<1.25 (%)'))


def stage_task(direction: str, key: str) -> str:
    """The task a stage of ``direction`` learns: N1 task 1, every other stage task 2."""
    first, second = TASKS if direction == 'dep2sem' else TASKS[::-1]
    return first if key == 'n1' else second


def still_training(info: Dict) -> bool:
    """Whether a stage of ``results.json`` was collected before it finished (its curve is not
    yet its schedule's); results published before ``trained`` was recorded count as done."""
    return info.get('trained') is False


def curve_thirds(info: Dict, metric: str) -> Optional[List[List[float]]]:
    """A stage's validation curve of ``metric`` (``results.json`` ``curves``), in iteration
    order, split into thirds by validation point; None below 3 points."""
    curve = [v for _, v in sorted(info.get('curves', {}).get(metric, []), key=lambda p: p[0])]
    n = len(curve)
    if n < 3:
        return None
    return [curve[i * n // 3:(i + 1) * n // 3] for i in range(3)]


def plateau_rows(results: Dict) -> List[List[str]]:
    """Per direction, seed and stage: its validation curve split into thirds (by
    validation point); the mean of the middle and of the last third and their difference.
    A stage at a plateau gains little from its middle to its last third compared with what
    it gained before. A stage still training (results written while it runs) is marked so:
    its curve is not yet the whole schedule."""
    out = []
    for direction, seeds in results['runs'].items():
        for seed, stages in sorted(seeds.items()):
            for key, info in stages.items():
                mk, title = PLATEAU_METRIC[stage_task(direction, key)]
                thirds = curve_thirds(info, mk)
                if thirds is None:
                    continue
                curve = [v for t in thirds for v in t]
                n = len(curve)
                mid, last = (sum(t) / len(t) for t in thirds[1:])
                stage = key + ' (still training)' if still_training(info) else key
                out.append([DIRECTION_TITLES[direction].split(' ')[0], seed, stage, title,
                            str(n), f'{curve[0]:.2f}', f'{mid:.2f}', f'{last:.2f}',
                            f'{last - mid:+.2f}', f'{curve[-1]:.2f}'])
    return out


def run_commands(results: Dict) -> Dict[str, List[str]]:
    """Command -> the directions and seeds (``'Dep.→Sem. seed 0'``) whose stages it last
    collected from disk, in the order first seen ('' for stages published before commands
    were recorded per stage)."""
    out: Dict[str, List[str]] = {}
    for direction, seeds in results.get('runs', {}).items():
        for seed, stages in sorted(seeds.items(), key=lambda kv: int(kv[0][len('seed'):])):
            name = f"{DIRECTION_TITLES[direction].split(' ')[0]} seed {seed[len('seed'):]}"
            for info in stages.values():
                runs = out.setdefault(info.get('command', ''), [])
                if name not in runs:
                    runs.append(name)
    return out


def results_markdown(results: Dict, args: argparse.Namespace) -> str:
    lines = [f"# AT/DT on {results['pair']}: results across seeds", '',
             f"Last command: `{results['command']}`  ",
             f"HEAD when written: `{results['git_commit']}`, {results['written']}.  ",
             'Cells: mean ± sample std over the seeds with a result (n); a stage not yet '
             'tested is —.', '']
    made_by = run_commands(results)
    if made_by:
        lines += ['Commands that produced the directions and seeds (one schedule; a direction '
                  'and seed is deterministic, so its command reproduces it):', '']
        unrecorded = ('an earlier command, not recorded per seed (see the git history of '
                      'results.json)')
        lines += [f'- {", ".join(runs)}: ' + (f'`{cmd}`' if cmd else unrecorded)
                  for cmd, runs in made_by.items()]
        lines.append('')
    for direction in results['directions']:
        cols = TABLE_METRICS[direction]
        tab = results['table'].get(direction, {})
        lines += [f"## {DIRECTION_TITLES[direction]}", '',
                  '| method | ' + ' | '.join(c[1] for c in cols) + ' | seeds done |',
                  '|---|' + '---|' * len(cols) + '---|']
        for method, title, _, _ in METHOD_ROWS:
            row = tab.get(method, {})
            lines.append(f'| {title} | ' + ' | '.join(_fmt(row.get(mk), dec)
                                                      for mk, _, dec in cols) +
                         f" | {', '.join(map(str, row.get('seeds', []))) or '—'} |")
        lines.append('')
        if direction == 'dep2sem' and (args.levels or any(k.startswith('atdt_level')
                                                          for k in tab)):
            lines += ['### Transfer level (Fig. 4): G after residual stage k of 4', '',
                      '| level | ' + ' | '.join(f'{c[1]} on B' for c in cols) + ' | ' +
                      ' | '.join(f'{c[1]} on A' for c in cols) + ' | seeds done |',
                      '|---|' + '---|' * (2 * len(cols)) + '---|']
            for i, key in enumerate(['atdt_level0', 'atdt_level1', 'atdt_level2', 'atdt']):
                b, a = tab.get(key, {}), tab.get(key + '_A', {})
                lines.append(f'| {i} ({"stage " + str(i + 1)}) | ' +
                             ' | '.join(_fmt(b.get(mk), dec) for mk, _, dec in cols) + ' | ' +
                             ' | '.join(_fmt(a.get(mk), dec) for mk, _, dec in cols) +
                             f" | {', '.join(map(str, b.get('seeds', []))) or '—'} |")
            lines.append('')
    plateau = plateau_rows(results)
    if plateau:
        lines += ['## Plateau check: each stage\'s validation curve in thirds', '',
                  f"Validation every {results.get('val_interval')} iterations on the "
                  "stage's own validation set (N1, N2 and G: A's; the oracle: B's). Middle / "
                  'last: mean of the middle and of the last third of the points.', '',
                  '| direction | seed | stage | metric | points | first | middle third | '
                  'last third | last − middle | final |',
                  '|---|---|---|---|---|---|---|---|---|---|']
        lines += ['| ' + ' | '.join(map(str, r)) + ' |' for r in plateau]
        lines.append('')
    return '\n'.join(lines)


def run_repeated(args: argparse.Namespace, argv: List[str]) -> Dict:
    """Every direction for every seed (+ the level ablation), results rewritten after every
    test."""
    args.directions = args.directions or [args.direction or 'dep2sem']
    args.seeds = args.seeds or [0]
    if args.variant or args.configs:
        raise SystemExit('run_pipeline: --seeds/--directions run the directions\' own '
                         'configs; --variant/--configs are for a single run')
    args.work_dir = osp.abspath(args.work_dir or osp.join(
        REPO, 'work_dirs', 'atdt', f'{args.pair}_repeated'))
    args.results_dir = osp.abspath(args.results_dir) if args.results_dir else None

    def write():
        return collect_results(args, argv)

    if not args.summary_only:
        for direction in args.directions:
            for seed in args.seeds:
                one = copy.copy(args)
                one.direction, one.seed = direction, seed
                one.work_dir = osp.join(args.work_dir, direction, f'seed{seed}')
                one.test_on_a = args.test_on_a or (args.levels and direction == 'dep2sem')
                run_one(one, write)
                if args.levels and direction == 'dep2sem':
                    for lv in LEVELS:
                        var = copy.copy(one)
                        var.variant, var.test_on_a = lv, True
                        run_one(var, write)
    results = write()
    print(open(osp.join(args.results_dir or args.work_dir, 'results.md'),
               encoding='utf-8').read(), flush=True)
    return results


def set_threads(n: int) -> None:
    """``n`` threads for this process and every stage it starts: OpenMP/MKL thread counts
    and passive OpenMP waiting (spin-waiting threads slow a shared 2-core machine many-fold)."""
    import torch
    os.environ.update(thread_env(n))
    torch.set_num_threads(n)


def main(argv: Optional[List[str]] = None) -> Dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.threads:
        set_threads(args.threads)
    if args.seeds or args.directions or args.levels or args.summary_only:
        return run_repeated(args, argv)
    return run_one(args)


if __name__ == '__main__':
    main()
