# Copyright (c) synthssl contributors.
"""The four AT/DT stages for one domain pair and direction, resumable::

    python tools/atdt/run_pipeline.py --pair render-indoor2warm --direction dep2sem \\
        --work-dir work_dirs/atdt/render_dep2sem [--baseline] [--oracle] \\
        [--iters N1 N2 G] [--data-root-a DIR --data-root-b DIR ...] [--cfg-options ...]

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
"""
import argparse
import json
import os
import os.path as osp
import runpy
import subprocess
import sys
from typing import Dict, List, Optional

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from synthssl.utils.launch import prepare_process_env  # noqa: E402

prepare_process_env()

from mmengine.config import Config, DictAction  # noqa: E402

from synthssl.utils.launch import latest_checkpoint  # noqa: E402

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
    p.add_argument('--python', default=sys.executable)
    p.add_argument('--in-process', action='store_true',
                   help='run tools/train.py and tools/test.py inside this process (saves the '
                   'start-up of every stage; default: one subprocess per stage)')
    return p.parse_args(argv)


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


def _set_iters(cfg: Config, iters: int) -> None:
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    if cfg.get('default_hooks', {}).get('checkpoint') is not None:
        cfg.default_hooks.checkpoint.interval = min(cfg.default_hooks.checkpoint.interval,
                                                    iters)
    scheds = cfg.get('param_scheduler') or []
    for s in scheds if isinstance(scheds, list) else [scheds]:
        if 'end' in s:
            s['end'] = iters


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
    if iters is not None:
        _set_iters(cfg, iters)
    opts = {}
    prefixes = ['model.source.', 'model.target.'] if kind == 'transfer' else ['model.']
    for k, v in args.net_options.items():
        for pre in prefixes:
            opts[pre + k] = v
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


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    names = stage_names(args)
    work_dir = osp.abspath(args.work_dir or osp.join(
        REPO, 'work_dirs', 'atdt', f'{args.pair}_{args.direction}'))
    os.makedirs(work_dir, exist_ok=True)
    cfg_dir = osp.join(args.config_dir, args.pair)
    it = args.iters or (None, None, None)

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
    metrics['atdt'] = test_stage(tr_name, ckpts['transfer'], args, work_dir)
    if args.test_on_a:
        metrics['atdt_A'] = test_stage(tr_name, ckpts['transfer'], args, work_dir, 'A')
    if args.baseline:
        metrics['baseline'] = test_stage('n2_' + names['n2'], ckpts['n2'], args, work_dir)
    if args.oracle:
        name = 'oracle_' + names['oracle']
        ckpts['oracle'] = train_stage(name, cfg_of('oracle', 'task', it[1]), args, work_dir)
        metrics['oracle'] = test_stage(name, ckpts['oracle'], args, work_dir)
    summary = dict(pair=args.pair, direction=args.direction, variant=args.variant,
                   work_dir=work_dir, configs=names, checkpoints=ckpts, metrics=metrics)
    # summary.json for the direction's own configs; a variant / --configs set gets its own
    tag = args.variant or (names['transfer'] if args.configs else None)
    out = 'summary.json' if tag is None else f'summary_{tag}.json'
    with open(osp.join(work_dir, out), 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1), flush=True)
    return summary


if __name__ == '__main__':
    main()
