# Copyright (c) synthssl contributors.
"""Training throughput of alexnet_3task on the CPU: synthssl/mmengine vs. plain PyTorch.

Prints one JSON object. Both sides run the same modules (built from the config), the same
losses and the same alternating D / B+H updates on the same in-memory batches; "framework"
goes through ``CrossDomainMultiTask.train_step`` with the data preprocessor and the
``OptimWrapperDict`` of the config, "plain" is a hand-written PyTorch loop. Each side runs in
its own subprocess (so peak RSS is its own), alternately, ``--repeats`` times; the report
gives medians and the framework/plain time ratio of each pair (the goal: <= 1.05)::

    python tools/benchmarks/pretrain_throughput.py --batch 32 --iters 5 --repeats 3
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')


def make_batches(n_batches: int, batch: int, size: int):
    """Random uint8 images and plausible dense targets, as the dataloader would give."""
    import torch

    from synthssl.testing import demo_pretrain_batch
    g = torch.Generator().manual_seed(0)
    return [demo_pretrain_batch(batch, size, generator=g, depth_range=(0.3, 5.3))
            for _ in range(n_batches)]


def run_side(side: str, batch: int, iters: int, size: int) -> dict:
    import torch
    import torch.nn.functional as F
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    import synthssl  # noqa: F401
    from synthssl.engine import MultiOptimWrapperConstructor
    from synthssl.registry import MODELS
    torch.manual_seed(0)
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('synthssl'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    batches = make_batches(2, batch, size)
    if side == 'framework':
        optim = {k: v for k, v in cfg.optim_wrapper.items() if k != 'constructor'}
        wrappers = MultiOptimWrapperConstructor(optim)(model)

        def step(data):
            model.train_step(data, wrappers)
    else:
        mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
        opt_g = torch.optim.Adam(list(model.backbone.parameters()) +
                                 list(model.heads.parameters()), lr=1e-3, betas=(0.5, 0.999))
        opt_d = torch.optim.SGD(model.discriminator.parameters(), lr=1e-3, momentum=0.9,
                                weight_decay=5e-4)
        heads, disc, bb = model.heads, model.discriminator, model.backbone

        def bce(x, t):
            return F.binary_cross_entropy_with_logits(x, torch.full_like(x, t))

        def step(data):
            syn = (data['syn']['inputs'].flip(1).float() - mean) / 255.
            real = (data['real']['inputs'].flip(1).float() - mean) / 255.
            z_syn, fc7 = bb(syn)
            with torch.no_grad():
                z_real = bb(real, out_indices=('conv5', ), taps=('pre', ))[0]
            loss_d = 0.5 * (bce(disc(z_real.detach()), 1.) + bce(disc(z_syn.detach()), 0.))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            samples = data['syn']['data_samples']
            preds = heads(fc7, syn.shape[-2:])
            gt = dict(normal=torch.stack([s.gt_normal for s in samples]),
                      depth=torch.stack([s.gt_depth for s in samples]),
                      contour=torch.stack([s.gt_contour for s in samples]))
            loss = sum(heads.losses[t](preds[t], gt[t]) for t in heads.tasks)
            loss = loss + 0.05 * bce(disc(z_syn), 1.)
            opt_g.zero_grad()
            loss.backward()
            opt_g.step()
            for p in disc.parameters():
                p.requires_grad_(True)

    step(batches[0])  # warm-up (allocations, lazy init)
    t0 = time.perf_counter()
    for i in range(iters):
        step(batches[i % 2])
    dt = time.perf_counter() - t0
    return dict(seconds_per_iter=dt / iters, images_per_s=batch * iters / dt,
                peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per run')
    parser.add_argument('--repeats', type=int, default=3, help='runs per side, alternating')
    parser.add_argument('--size', type=int, default=227)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--side', choices=['framework', 'plain'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # child process
        import torch
        torch.set_num_threads(args.threads)
        print(json.dumps(run_side(args.side, args.batch, args.iters, args.size)))
        return
    env = dict(os.environ, OMP_WAIT_POLICY='PASSIVE', OMP_NUM_THREADS=str(args.threads))
    runs = {'framework': [], 'plain': []}
    for _ in range(args.repeats):
        for side in ('plain', 'framework'):
            out = subprocess.run([sys.executable, __file__, '--side', side, '--batch',
                                  str(args.batch), '--iters', str(args.iters), '--size',
                                  str(args.size), '--threads', str(args.threads)],
                                 capture_output=True, text=True, env=env, cwd=REPO)
            if out.returncode != 0:
                sys.exit(f'{side} run failed:\n{out.stderr[-3000:]}')
            runs[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
    ratios = [f['seconds_per_iter'] / p['seconds_per_iter']
              for f, p in zip(runs['framework'], runs['plain'])]
    med = lambda side, k: statistics.median(r[k] for r in runs[side])  # noqa: E731
    print(json.dumps(dict(
        config='configs/renlee/alexnet_3task.py', batch=args.batch, size=args.size,
        threads=args.threads, iters_per_run=args.iters, repeats=args.repeats,
        framework_images_per_s=round(med('framework', 'images_per_s'), 2),
        plain_images_per_s=round(med('plain', 'images_per_s'), 2),
        framework_over_plain_time=[round(r, 3) for r in ratios],
        framework_over_plain_time_median=round(statistics.median(ratios), 3),
        framework_peak_rss_mb=round(med('framework', 'peak_rss_mb')),
        plain_peak_rss_mb=round(med('plain', 'peak_rss_mb')))))


if __name__ == '__main__':
    main()
