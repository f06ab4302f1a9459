# Copyright (c) synthssl contributors.
"""Training throughput of alexnet_3task on the CPU, fp32 vs. bf16 (``--amp``), against the
matmul peak; and, with ``--trajectory``, fp32 vs. bf16 loss trajectories.

Prints one JSON object.

**Throughput** (default). Each variant runs in its own subprocess (so peak RSS is its own),
all variants alternately, ``--repeats`` times, with the same batch, crop and thread count:

* ``framework``: ``CrossDomainMultiTask.train_step`` with the data preprocessor and the
  config's ``OptimWrapperDict`` (``--amp``: ``enable_amp`` turns both wrappers into
  ``BF16OptimWrapper``); ``plain``: a hand-written PyTorch loop with the same modules,
  losses and alternating D / B+H updates (bf16: ``torch.autocast`` around the same regions).
* precision ``fp32`` / ``bf16``; ``framework`` also with ``channels_last`` (the model and the
  inputs in ``torch.channels_last``), and with glibc's default malloc (``glibc_default``:
  ``SYNTHSSL_MALLOC_TUNING=0``; every other variant runs with the tuning ``tools/train.py``
  applies, :mod:`synthssl.utils.malloc`).

Each child counts the FLOPs of one training step (``FlopCounterMode``: convolutions and
matmuls, forward and backward), times ``--iters`` steps, then measures the fp32 and bf16
peak of a ``--peak-size``² matmul in the same process. The report gives medians, the
achieved GFLOP/s, its fraction of the peak of the same precision, and per-repeat ratios
(bf16 speed-up, framework/plain time, channels-last and malloc-tuning speed-ups);
``--profile N`` adds the N ops with the most self CPU time of one framework step per
precision::

    OMP_NUM_THREADS=1 python tools/benchmarks/pretrain_throughput.py   # batch 8, 99², 1 thread

**Trajectory** (``--trajectory``): ``tools/train.py`` on
``configs/renlee/alexnet_3task_cpu-quickstart.py`` and its rendered data (rendered as
``tools/quickstart.sh`` does when ``--data`` has none), ``--trajectory-iters`` iterations,
logging every iteration, no validation/checkpoints/panels: fp32 and ``--amp`` with seed
``--seeds[0]``, and fp32 with each further seed (the run-to-run spread of fp32 itself). Losses
are compared as means over windows of ``--window`` iterations: bf16 agrees when its
distance to fp32 (same seed) is within the fp32 seed-to-seed distance. The runs also validate
every ``--metrics-at`` iterations (default 100, the quick start's length) and the report
compares those pretext metrics the same way (the quick start's default precision follows
``metrics_agree``). ``--amp-seeds`` adds bf16 runs with further seeds, and the report then
compares the two precisions' seed distributions of every metric (``seed_distributions``:
means, spreads, Welch's t). Runs already finished in ``--work-dir`` are reused::

    python tools/benchmarks/pretrain_throughput.py --trajectory --trajectory-iters 200
"""
import argparse
import glob
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')
QUICKSTART = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task_cpu-quickstart.py')
#: (side, precision, channels_last, malloc_tuned) of the throughput children, in running order
VARIANTS = [('plain', 'fp32', False, True), ('framework', 'fp32', False, True),
            ('plain', 'bf16', False, True), ('framework', 'bf16', False, True),
            ('framework', 'fp32', True, True), ('framework', 'bf16', True, True),
            ('framework', 'fp32', False, False), ('framework', 'bf16', False, False)]
LOSS_KEYS = ('loss', 'loss_normal', 'loss_depth', 'loss_contour', 'loss_adv', 'loss_d')


def make_batches(n_batches: int, batch: int, size: int):
    """Random uint8 images and plausible dense targets, as the dataloader would give."""
    import torch

    from synthssl.testing import demo_pretrain_batch
    g = torch.Generator().manual_seed(0)
    return [demo_pretrain_batch(batch, size, generator=g, depth_range=(0.3, 5.3))
            for _ in range(n_batches)]


def matmul_peak(size: int, dtype, reps: int = 3) -> float:
    """GFLOP/s of ``size``² x ``size``² matmuls in ``dtype`` (best of ``reps``)."""
    import torch
    a, b = torch.randn(size, size).to(dtype), torch.randn(size, size).to(dtype)
    a @ b
    best = float('inf')
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * size**3 / best / 1e9


def run_side(side: str, precision: str, channels_last: bool, batch: int, iters: int,
             size: int, peak_size: int, profile: int) -> dict:
    import torch
    import torch.nn.functional as F
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from torch.utils.flop_counter import FlopCounterMode

    import synthssl  # noqa: F401
    from synthssl.engine import MultiOptimWrapperConstructor
    from synthssl.registry import MODELS
    from synthssl.utils.launch import enable_amp
    from synthssl.utils.malloc import tune_malloc
    malloc_tuned = tune_malloc()  # as tools/train.py; SYNTHSSL_MALLOC_TUNING=0: not
    bf16 = precision == 'bf16'
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    torch.manual_seed(0)
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('synthssl'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    model.to(memory_format=fmt)
    batches = make_batches(2, batch, size)
    if side == 'framework':
        if bf16:
            enable_amp(cfg, cuda=False)
        optim = {k: v for k, v in cfg.optim_wrapper.items() if k != 'constructor'}
        with DefaultScope.overwrite_default_scope('synthssl'):
            wrappers = MultiOptimWrapperConstructor(optim)(model)
        if channels_last:  # what the data preprocessor gives, in channels_last
            preprocess = model.data_preprocessor.forward

            def to_cl(data, training=False):
                out = preprocess(data, training)
                for k in ('inputs', 'real_inputs'):
                    if k in out:
                        out[k] = out[k].contiguous(memory_format=fmt)
                return out
            model.data_preprocessor.forward = to_cl

        def step(data):
            model.train_step(data, wrappers)
    else:
        mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
        adam = {k: v for k, v in cfg.optim_wrapper.generator.optimizer.items() if k != 'type'}
        opt_g = torch.optim.Adam(list(model.backbone.parameters()) +
                                 list(model.heads.parameters()), **adam)  # as configured
        opt_d = torch.optim.SGD(model.discriminator.parameters(), lr=1e-3, momentum=0.9,
                                weight_decay=5e-4)
        heads, disc, bb = model.heads, model.discriminator, model.backbone

        def amp():
            return torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16)

        def bce(x, t):
            return F.binary_cross_entropy_with_logits(x.float(), torch.full_like(x.float(), t))

        def step(data):
            syn = ((data['syn']['inputs'].flip(1).float() - mean) / 255.).contiguous(
                memory_format=fmt)
            real = ((data['real']['inputs'].flip(1).float() - mean) / 255.).contiguous(
                memory_format=fmt)
            with amp():
                z_syn, fc7 = bb(syn)
                with torch.no_grad():
                    z_real = bb(real, out_indices=('conv5', ), taps=('pre', ))[0]
            with amp():
                loss_d = 0.5 * (bce(disc(z_real.detach()), 1.) + bce(disc(z_syn.detach()), 0.))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            samples = data['syn']['data_samples']
            with amp():
                preds = heads(fc7, syn.shape[-2:])
                gt = dict(normal=torch.stack([s.gt_normal for s in samples]),
                          depth=torch.stack([s.gt_depth for s in samples]),
                          contour=torch.stack([s.gt_contour for s in samples]))
                loss = sum(heads.losses[t](preds[t].float(), gt[t]) for t in heads.tasks)
                loss = loss + 0.05 * bce(disc(z_syn), 1.)
            opt_g.zero_grad()
            loss.backward()
            opt_g.step()
            for p in disc.parameters():
                p.requires_grad_(True)

    counter = FlopCounterMode(display=False)
    with counter:  # the warm-up step (allocations, lazy init), counted
        step(batches[0])
    t0 = time.perf_counter()
    for i in range(iters):
        step(batches[i % 2])
    dt = time.perf_counter() - t0
    out = dict(seconds_per_iter=dt / iters, images_per_s=batch * iters / dt,
               malloc_tuned=malloc_tuned,
               gflop_per_iter=counter.get_total_flops() / 1e9,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               matmul_peak_gflops=dict(fp32=matmul_peak(peak_size, torch.float32),
                                       bf16=matmul_peak(peak_size, torch.bfloat16)))
    if profile:
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile as profiler
        with profiler(activities=[ProfilerActivity.CPU]) as prof:
            step(batches[0])
        events = prof.key_averages()
        total = sum(e.self_cpu_time_total for e in events) / 1e3
        top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:profile]
        out['profile'] = dict(
            step_self_ms=round(total),
            top_self_ms=[[e.key, round(e.self_cpu_time_total / 1e3, 1), e.count] for e in top],
            optimizer_step_ms={e.key: round(e.cpu_time_total / 1e3, 1) for e in events
                               if e.key.startswith('Optimizer.step')})
    return out


# ----------------------------------------------------------------------------- throughput
def variant_name(side: str, precision: str, channels_last: bool, malloc_tuned: bool) -> str:
    return f'{side}_{precision}' + ('_channels_last' if channels_last else '') + \
        ('' if malloc_tuned else '_glibc_default')


def throughput(args: argparse.Namespace) -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY='PASSIVE', OMP_NUM_THREADS=str(args.threads))
    runs: Dict[str, List[dict]] = {variant_name(*v): [] for v in VARIANTS}
    for r in range(args.repeats):
        for side, precision, cl, tuned in VARIANTS:
            cmd = [sys.executable, __file__, '--side', side, '--precision', precision,
                   '--batch', str(args.batch), '--iters', str(args.iters), '--size',
                   str(args.size), '--threads', str(args.threads), '--peak-size',
                   str(args.peak_size)]
            if cl:
                cmd.append('--channels-last')
            profile = r == 0 and side == 'framework' and not cl and tuned
            cmd += ['--profile', str(args.profile if profile else 0)]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO,
                                 env=dict(env, SYNTHSSL_MALLOC_TUNING='1' if tuned else '0'))
            if out.returncode != 0:
                sys.exit(f'{cmd} failed:\n{out.stderr[-3000:]}')
            res = json.loads(out.stdout.strip().splitlines()[-1])
            if res['malloc_tuned'] != tuned:
                sys.exit(f'{cmd}: malloc tuning {res["malloc_tuned"]}, asked {tuned} (not '
                         'glibc?)')
            runs[variant_name(side, precision, cl, tuned)].append(res)

    def med(name, key):
        return statistics.median(r[key] for r in runs[name])

    def ratios(a, b):  # per repeat: time of a / time of b
        return [round(x['seconds_per_iter'] / y['seconds_per_iter'], 3)
                for x, y in zip(runs[a], runs[b])]

    peaks = {p: round(statistics.median(r['matmul_peak_gflops'][p] for rs in runs.values()
                                        for r in rs), 1) for p in ('fp32', 'bf16')}
    variants = {}
    for side, precision, cl, tuned in VARIANTS:
        name = variant_name(side, precision, cl, tuned)
        gflops = med(name, 'gflop_per_iter') / med(name, 'seconds_per_iter')
        variants[name] = dict(
            images_per_s=round(med(name, 'images_per_s'), 3),
            seconds_per_iter=round(med(name, 'seconds_per_iter'), 3),
            gflop_per_iter=round(med(name, 'gflop_per_iter'), 2),
            achieved_gflops=round(gflops, 1),
            fraction_of_matmul_peak=round(gflops / peaks[precision], 3),
            peak_rss_mb=round(med(name, 'peak_rss_mb')))
    speedup = [round(1 / r, 3) for r in ratios('framework_bf16', 'framework_fp32')]
    speedup_default = [round(1 / r, 3) for r in ratios('framework_bf16_glibc_default',
                                                       'framework_fp32_glibc_default')]
    report = dict(
        config=osp.relpath(CONFIG, REPO), batch=args.batch, size=args.size,
        threads=args.threads, iters_per_run=args.iters, repeats=args.repeats,
        matmul_peak_gflops=dict(peaks, size=args.peak_size,
                                per_run={n: [{p: round(r['matmul_peak_gflops'][p], 1)
                                              for p in ('fp32', 'bf16')} for r in rs]
                                         for n, rs in runs.items()}),
        variants=variants,
        bf16_speedup=speedup, bf16_speedup_median=statistics.median(speedup),
        bf16_speedup_glibc_default=speedup_default,
        bf16_speedup_glibc_default_median=statistics.median(speedup_default),
        malloc_tuning_speedup={p: [round(r, 3) for r in ratios(f'framework_{p}_glibc_default',
                                                               f'framework_{p}')]
                               for p in ('fp32', 'bf16')},
        framework_over_plain_time=dict(
            fp32=ratios('framework_fp32', 'plain_fp32'),
            bf16=ratios('framework_bf16', 'plain_bf16')),
        channels_last_speedup=dict(
            fp32=[round(1 / r, 3) for r in ratios('framework_fp32_channels_last',
                                                  'framework_fp32')],
            bf16=[round(1 / r, 3) for r in ratios('framework_bf16_channels_last',
                                                  'framework_bf16')]))
    if args.profile:
        report['profile'] = {p: runs[f'framework_{p}'][0]['profile'] for p in ('fp32', 'bf16')}
    return report


# ----------------------------------------------------------------------------- trajectory
def render_quickstart_data(data: str, views: int, val_scenes: int) -> None:
    """The quick start's renders and photos under ``data`` (tools/quickstart.sh's commands;
    skipped where present)."""
    py = sys.executable
    if not osp.isdir(osp.join(data, 'render_train')):
        subprocess.run([py, 'tools/render/render_synthetic.py', osp.join(data, 'render_train'),
                        '--scenes', str((views + 3) // 4), '--views-per-scene', '4', '--size',
                        '128', '--seed', '0', '--workers', '1'], check=True, cwd=REPO)
    if not osp.isdir(osp.join(data, 'render_val')):
        subprocess.run([py, 'tools/render/render_synthetic.py', osp.join(data, 'render_val'),
                        '--scenes', str(val_scenes), '--views-per-scene', '2', '--size', '128',
                        '--seed', '100000', '--workers', '1'], check=True, cwd=REPO)
    if not osp.isdir(osp.join(data, 'real_photos')):
        subprocess.run([py, 'tools/misc/write_builtin_photos.py',
                        osp.join(data, 'real_photos')], check=True, cwd=REPO)


def _scalars(work_dir: str) -> List[dict]:
    """The records of ``vis_data/scalars.json`` of the newest run under ``work_dir``."""
    paths = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        sys.exit(f'pretrain_throughput: no vis_data/scalars.json under {work_dir}')
    with open(paths[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def train_losses(work_dir: str) -> Dict[str, List[float]]:
    """Every iteration's logged losses of the newest run under ``work_dir``."""
    out: Dict[str, List[float]] = {}
    for rec in _scalars(work_dir):
        for k in LOSS_KEYS:
            if k in rec:
                out.setdefault(k, []).append(rec[k])
    return out


def finished(work_dir: str, iters: int) -> bool:
    """Whether ``work_dir`` holds a run that logged ``iters`` training iterations and a
    validation (then it is reused, not trained again)."""
    if not glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        return False
    recs = _scalars(work_dir)
    return sum('loss' in r for r in recs) >= iters and \
        any(not any(k in r for k in LOSS_KEYS) and any('/' in k for k in r) for r in recs)


def val_metrics(work_dir: str, step: int) -> Dict[str, float]:
    """The pretext metrics of the validation at iteration ``step`` (the quick start's
    held-out renders, evaluated in fp32 in both precisions: ``--amp`` only changes the
    optimiser wrappers)."""
    # mmengine logs validation metrics with step = epoch (0 in an iteration-based run): the
    # runs validate every ``step`` iterations, so the first validation record is this one
    for rec in _scalars(work_dir):
        if not any(k in rec for k in LOSS_KEYS) and any('/' in k for k in rec):
            return {k: v for k, v in rec.items() if '/' in k}
    sys.exit(f'pretrain_throughput: no validation at iteration {step} in {work_dir}')


def window_means(values: List[float], window: int) -> List[float]:
    return [statistics.fmean(values[i:i + window])
            for i in range(0, len(values) - window + 1, window)]


def trajectory(args: argparse.Namespace) -> dict:
    data = osp.abspath(args.data)
    if not args.logged_only:
        render_quickstart_data(data, args.views, args.val_scenes)
    env = dict(os.environ, OMP_WAIT_POLICY='PASSIVE', OMP_NUM_THREADS=str(args.threads))
    os.makedirs(args.work_dir, exist_ok=True)
    n = args.trajectory_iters
    runs = [('fp32', args.seeds[0]), ('bf16', args.seeds[0])] + \
        [('fp32', s) for s in args.seeds[1:]] + \
        [('bf16', s) for s in args.amp_seeds if s != args.seeds[0]]
    if not 0 < args.metrics_at <= n:
        sys.exit(f'pretrain_throughput: --metrics-at {args.metrics_at} is not in 1..{n}')
    procs, seconds, losses, metrics, reused = {}, {}, {}, {}, []
    for precision, seed in runs:
        name = f'{precision}_seed{seed}'
        work = osp.join(osp.abspath(args.work_dir), name)
        if args.logged_only:
            losses[name] = train_losses(work)
            continue
        if finished(work, n):  # a run of an earlier invocation in this work dir
            losses[name], metrics[name] = train_losses(work), val_metrics(work, args.metrics_at)
            reused.append(name)
            continue
        cmd = [sys.executable, 'tools/train.py', QUICKSTART, '--work-dir', work,
               '--cfg-options', f'train_cfg.max_iters={n}',
               f'train_cfg.val_interval={args.metrics_at}',
               f'default_hooks.checkpoint.interval={n + 1}', 'default_hooks.logger.interval=1',
               'log_processor.window_size=1', 'custom_hooks=[]', f'randomness.seed={seed}',
               f'train_dataloader.dataset.syn.data_root={data}/render_train',
               f'train_dataloader.dataset.real.data_root={data}/real_photos',
               f'val_dataloader.dataset.data_root={data}/render_val',
               f'test_dataloader.dataset.data_root={data}/render_val']
        if precision == 'bf16':
            cmd.append('--amp')
        while len([p for p in procs.values() if p[0].poll() is None]) >= args.jobs:
            time.sleep(1)
        log = open(osp.join(osp.abspath(args.work_dir), f'{name}.log'), 'w')
        procs[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                        cwd=REPO), time.perf_counter(), work, log)
    while len(seconds) < len(procs):
        for name, (proc, t0, work, log) in procs.items():
            if name in seconds or proc.poll() is None:
                continue
            if proc.returncode != 0:
                sys.exit(f'{name} failed: see {log.name}')
            log.close()
            seconds[name] = round(time.perf_counter() - t0, 1)
            losses[name] = train_losses(work)
            metrics[name] = val_metrics(work, args.metrics_at)
        time.sleep(1)
    if args.logged_only:  # the iterations every run has logged
        n = min(len(v['loss']) for v in losses.values())
        losses = {name: {k: v[:n] for k, v in run.items()} for name, run in losses.items()}
    ref, amp = f'fp32_seed{args.seeds[0]}', f'bf16_seed{args.seeds[0]}'
    others = [f'fp32_seed{s}' for s in args.seeds[1:]]
    w = args.window
    compare = {}
    for k in LOSS_KEYS:
        if k not in losses[ref]:
            continue
        wm = {name: window_means(v[k], w) for name, v in losses.items()}

        def dist(a, b):
            return statistics.fmean(abs(x - y) for x, y in zip(wm[a], wm[b]))
        bf16_dist = dist(amp, ref)
        spread = [dist(o, ref) for o in others]
        compare[k] = dict(
            window_means=wm, bf16_vs_fp32=round(bf16_dist, 4),
            fp32_seed_spread=[round(s, 4) for s in spread],
            last_window={name: round(v[-1], 4) for name, v in wm.items()},
            bf16_within_fp32_spread=bool(spread) and bf16_dist <= min(spread))
    report = dict(config=osp.relpath(QUICKSTART, REPO), data=args.data, views=args.views,
                  iters=n, window=w, threads=args.threads, jobs=args.jobs, seeds=args.seeds,
                  wall_seconds=seconds, reused_runs=reused, losses=compare,
                  agree=all(c['bf16_within_fp32_spread'] for c in compare.values()))
    if metrics:  # the quick start's pretext metrics after --metrics-at iterations
        report['metrics_at'] = args.metrics_at
        report['metrics'] = metric_agreement(metrics, ref, amp, others)
        report['metrics_agree'] = all(m['bf16_within_fp32_spread']
                                      for m in report['metrics'].values())
        amp_runs = [f'bf16_seed{s}' for s in [args.seeds[0]] + args.amp_seeds
                    if f'bf16_seed{s}' in metrics]
        if len(amp_runs) > 1:
            report['seed_distributions'] = seed_distributions(
                metrics, [ref] + others, sorted(set(amp_runs)))
    return report


def seed_distributions(metrics: Dict[str, Dict[str, float]], fp32_runs: List[str],
                       bf16_runs: List[str]) -> Dict[str, dict]:
    """Per metric: fp32 over its seeds against bf16 over its seeds (unpaired): means, sample
    standard deviations, the difference of the means and Welch's t (difference / its standard
    error). |t| well above 2 says the precision moves the metric by more than seeds do."""
    out = {}
    for k in sorted(metrics[fp32_runs[0]]):
        a = [metrics[r][k] for r in fp32_runs if k in metrics[r]]
        b = [metrics[r][k] for r in bf16_runs if k in metrics[r]]
        if len(a) < 2 or len(b) < 2:
            continue
        sa, sb = statistics.stdev(a), statistics.stdev(b)
        se = (sa ** 2 / len(a) + sb ** 2 / len(b)) ** 0.5
        diff = statistics.fmean(b) - statistics.fmean(a)
        out[k] = dict(fp32_mean=round(statistics.fmean(a), 4), fp32_std=round(sa, 4),
                      bf16_mean=round(statistics.fmean(b), 4), bf16_std=round(sb, 4),
                      n=[len(a), len(b)], bf16_minus_fp32=round(diff, 4),
                      welch_t=round(diff / se, 2) if se > 0 else None)
    return out


def metric_agreement(metrics: Dict[str, Dict[str, float]], ref: str, amp: str,
                     others: List[str]) -> Dict[str, dict]:
    """Per metric: every run's value, bf16's distance to fp32 of the same seed, and the
    distances of fp32 with the other seeds to it. bf16 is within the spread when it is no
    farther from fp32 (same seed) than fp32 with some other seed is: a single value per run
    has no window to average over, so the spread is the largest seed-to-seed distance."""
    out = {}
    for k in sorted(metrics[ref]):
        if not all(k in metrics[name] for name in [amp] + others):
            continue
        d = abs(metrics[amp][k] - metrics[ref][k])
        spread = [abs(metrics[o][k] - metrics[ref][k]) for o in others]
        out[k] = dict(values={name: round(m[k], 4) for name, m in metrics.items()},
                      bf16_vs_fp32=round(d, 4), fp32_seed_spread=[round(x, 4) for x in spread],
                      bf16_within_fp32_spread=bool(spread) and d <= max(spread))
    return out


def cpu_description() -> Dict[str, object]:
    """Model, family and the matrix-unit flags of this CPU (Linux ``/proc/cpuinfo``): the
    bf16 peak and the speed-up depend on them (AVX-512 BF16, AMX), so a report names its CPU."""
    info: Dict[str, object] = {}
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            text = f.read().split('\n\n')[0]
    except OSError:
        return info
    fields = dict(line.split(':', 1) for line in text.splitlines() if ':' in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    info.update(model_name=fields.get('model name'), family=fields.get('cpu family'),
                model=fields.get('model'))
    flags = set(fields.get('flags', '').split())
    info['flags'] = sorted(flags & {'avx2', 'avx512f', 'avx512_bf16', 'avx512_vnni',
                                    'amx_bf16', 'amx_tile', 'amx_int8'})
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=3, help='timed iterations per run')
    parser.add_argument('--repeats', type=int, default=2,
                        help='runs per variant, variants alternating')
    parser.add_argument('--size', type=int, default=99, help='square crop side')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--peak-size', type=int, default=2048, help='matmul side for the peak')
    parser.add_argument('--profile', type=int, default=12, metavar='N',
                        help='top N ops of one framework step per precision (0: none)')
    parser.add_argument('--trajectory', action='store_true',
                        help='compare fp32 and bf16 loss trajectories instead')
    parser.add_argument('--trajectory-iters', type=int, default=200)
    parser.add_argument('--metrics-at', type=int, default=100,
                        help='trajectory: validate (the quick start\'s pretext metrics) every '
                        'this many iterations and compare the runs at this one (the quick '
                        'start trains 100)')
    parser.add_argument('--window', type=int, default=20,
                        help='trajectory: iterations per compared mean')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1],
                        help='trajectory: fp32 and bf16 run with the first; fp32 with the '
                        'others (the spread)')
    parser.add_argument('--amp-seeds', type=int, nargs='*', default=[],
                        help='trajectory: bf16 also with these seeds; with two or more bf16 '
                        'runs the report compares the two precisions\' seed distributions')
    parser.add_argument('--data', default='data/synthssl', help='trajectory: quick-start data')
    parser.add_argument('--views', type=int, default=400,
                        help='trajectory: training views to render if --data has none')
    parser.add_argument('--val-scenes', type=int, default=16)
    parser.add_argument('--work-dir', default='work_dirs/pretrain_trajectory')
    parser.add_argument('--logged-only', action='store_true',
                        help='trajectory: compare what the runs in --work-dir have logged so '
                        'far (all cut to the shortest), without training')
    parser.add_argument('--jobs', type=int, default=1,
                        help='trajectory: training runs at a time (each --threads threads)')
    parser.add_argument('--side', choices=['framework', 'plain'], help=argparse.SUPPRESS)
    parser.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32',
                        help=argparse.SUPPRESS)
    parser.add_argument('--channels-last', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # child process
        import torch
        torch.set_num_threads(args.threads)
        print(json.dumps(run_side(args.side, args.precision, args.channels_last, args.batch,
                                  args.iters, args.size, args.peak_size, args.profile)))
        return
    report = trajectory(args) if args.trajectory else throughput(args)
    report['cpu'] = cpu_description()
    report['command'] = ' '.join(['python', osp.relpath(__file__, REPO)] + sys.argv[1:])
    print(json.dumps(report))


if __name__ == '__main__':
    main()
