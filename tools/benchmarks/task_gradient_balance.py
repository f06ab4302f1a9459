# Copyright (c) synthssl contributors.
"""Per-task gradient magnitudes at the shared layer (fc7) of Ren & Lee's network, and the
loss weights that make them similar.

Ren & Lee choose λ_e, λ_d, λ_s "so that the task gradients have similar magnitude"; the
paper gives no values. 10 / 5 / 1 (normal / depth / contour) are the authors' released
code's, tuned for its per-image-weighted edge BCE (``ClassBalancedBCELoss(variant=
'released')``). This tool measures, on rendered views through the config's training
pipeline, for each task t and each contour-loss variant:

* ``fc7_out``: ‖∂L_t/∂fc7‖₂, the gradient at the heads' shared input (the fc7 map);
* ``fc7_weight``: ‖∂L_t/∂W_fc7‖₂, at the last shared weights;

for the unweighted losses (λ = 1), the mean over ``--batches`` batches, with the model
freshly initialised (the config's init) in training mode (batch BN statistics), and, with
``--train-iters N``, again after N Adam steps (the config's generator optimiser, task losses
only, no adversarial term, weights ``--train-weights``, default the released ones). The
balanced weights keep λ of the ``--anchor`` task (default depth = 5, as in the released
code) and set λ_t = λ_anchor · g_anchor / g_t from the ``fc7_out`` norms, rounded to two
significant digits; they are given at initialisation and after training.

At initialisation the normal head's raw 3-vectors are tiny (the authors' xavier gain 0.02)
and the loss normalises them, which scales its gradient by 1 / ‖v‖: the normal gradient is
then two orders of magnitude above its value after a few dozen steps, so weights balanced at
initialisation alone under-weight the normal task for the rest of training. (With Adam the
weights only matter in the shared backbone: each head's own parameters are updated at the
same rate whatever its λ.)

Prints one JSON object::

    python tools/benchmarks/task_gradient_balance.py                      # 4 batches of 8
    python tools/benchmarks/task_gradient_balance.py --train-iters 50 \\
        --config configs/renlee/alexnet_3task_cpu-quickstart.py

Views are rendered (``synthssl.render.render_dataset``, ``--render-size``² px, down-scaled
by the config's resize as the authors' 640x480 SUNCG views are) into ``--data`` unless it
already holds a render.
"""
import argparse
import json
import math
import os.path as osp
import random
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')
TASKS = ('normal', 'depth', 'contour')
#: the authors' released code's weights (configs/alexnet.yaml of jason718/game-feature-learning)
RELEASED = dict(normal=10.0, depth=5.0, contour=1.0)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=CONFIG, help='pretraining config (3 tasks)')
    p.add_argument('--data', default='/tmp/synthssl_gradient_balance',
                   help='rendered views (rendered here when there are none)')
    p.add_argument('--views', type=int, default=32, help='views to render')
    p.add_argument('--render-size', type=int, default=320, help='rendered side in pixels')
    p.add_argument('--batches', type=int, default=4)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--variants', nargs='+', default=['paper', 'released'],
                   choices=['paper', 'released'], help='ClassBalancedBCELoss variants')
    p.add_argument('--anchor', default='depth', choices=TASKS,
                   help='task whose released weight is kept')
    p.add_argument('--train-iters', type=int, default=0,
                   help='measure again after this many Adam steps')
    p.add_argument('--train-weights', type=float, nargs=3, default=None,
                   metavar=('NORMAL', 'DEPTH', 'CONTOUR'),
                   help='λ_s λ_d λ_e for those steps (default: the released 10 5 1)')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def round2(x: float) -> float:
    """``x`` to two significant digits."""
    return float(f'{x:.2g}')


def render_if_needed(root: str, views: int, size: int, seed: int) -> str:
    from synthssl.render import render_dataset
    if not osp.isfile(osp.join(root, 'manifest.jsonl')):
        render_dataset(root, num_scenes=math.ceil(views / 4), views_per_scene=4, width=size,
                       height=size, seed=seed, workers=1, progress=False)
    return root


def seed_all(seed: int) -> None:
    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_loader(cfg, root: str, batch_size: int, seed: int):
    """The config's synthetic training pipeline on ``root``, shuffled with ``seed``."""
    from mmengine.runner import Runner
    syn = cfg.train_dataloader.dataset
    syn = syn.syn if 'syn' in syn else syn
    return Runner.build_dataloader(dict(
        batch_size=batch_size, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=True, seed=seed),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='synthssl.SyntheticMultiTaskDataset', data_root=root,
                     pipeline=syn.pipeline)), seed=seed)


def build_model(cfg, variant: str, seed: int):
    from synthssl.registry import MODELS
    seed_all(seed)
    model = MODELS.build(cfg.model.copy())
    model.init_weights()
    if model.heads.tasks != TASKS:
        raise ValueError(f'{cfg.filename}: needs the three tasks {TASKS}')
    model.heads.losses['contour'].variant = variant
    return model.train()


def task_gradients(model, batches: List[dict]) -> Dict[str, Dict[str, float]]:
    """Mean over ``batches`` of ‖∂L_t/∂fc7‖ and ‖∂L_t/∂W_fc7‖ for the unweighted losses."""
    import torch
    heads = model.heads
    weights = {t: heads.losses[t].loss_weight for t in TASKS}
    fc7_w = model.backbone.fc7.conv.weight
    sums = {t: dict(fc7_out=0., fc7_weight=0., loss=0.) for t in TASKS}
    try:
        for t in TASKS:
            heads.losses[t].loss_weight = 1.0
        for data in batches:
            data = model.data_preprocessor(data, True)
            feat = model.extract_feat(data['inputs'])
            targets = heads.targets(data['data_samples'], feat.device)
            preds = heads(feat, next(iter(targets.values())).shape[-2:])
            losses = heads.loss_by_preds(preds, targets)
            for t in TASKS:
                g_out, g_w = torch.autograd.grad(losses[f'loss_{t}'], (feat, fc7_w),
                                                 retain_graph=True)
                sums[t]['fc7_out'] += g_out.norm().item()
                sums[t]['fc7_weight'] += g_w.norm().item()
                sums[t]['loss'] += losses[f'loss_{t}'].item()
    finally:
        for t in TASKS:
            heads.losses[t].loss_weight = weights[t]
    return {t: {k: v / len(batches) for k, v in s.items()} for t, s in sums.items()}


def weighted(grads: Dict, weights: Dict[str, float], key: str = 'fc7_out') -> Dict:
    """λ_t · g_t, and each task's share relative to the anchor-free mean."""
    w = {t: weights[t] * grads[t][key] for t in TASKS}
    return dict(norms=w, contour_over_depth=w['contour'] / w['depth'],
                normal_over_depth=w['normal'] / w['depth'])


def balanced_weights(grads: Dict, anchor: str) -> Dict[str, float]:
    g = {t: grads[t]['fc7_out'] for t in TASKS}
    return {t: RELEASED[anchor] if t == anchor else round2(RELEASED[anchor] * g[anchor] / g[t])
            for t in TASKS}


def train(model, cfg, loader, weights: Dict[str, float], iters: int) -> List[float]:
    """``iters`` Adam steps (the config's generator optimiser) on the weighted task losses."""
    import torch
    opt_cfg = cfg.optim_wrapper.get('generator', cfg.optim_wrapper).optimizer
    opt = torch.optim.Adam(list(model.backbone.parameters()) + list(model.heads.parameters()),
                           lr=opt_cfg.lr, betas=tuple(opt_cfg.betas))
    for t in TASKS:
        model.heads.losses[t].loss_weight = weights[t]
    losses, it = [], iter(loader)
    for _ in range(iters):
        try:
            data = next(it)
        except StopIteration:
            it = iter(loader)
            data = next(it)
        data = model.data_preprocessor(data, True)
        loss = sum(model.loss(data['inputs'], data['data_samples']).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main() -> None:
    args = parse_args()
    import torch
    from mmengine.config import Config

    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    import synthssl  # noqa: F401  (registers the modules)
    init_default_scope('synthssl')
    # the current logger: init_weights' per-parameter INFO lines stay off stdout (JSON only)
    MMLogger.get_instance('task_gradient_balance', log_level='WARNING')
    t0 = time.time()
    cfg = Config.fromfile(args.config)
    root = render_if_needed(args.data, args.views, args.render_size, args.seed)
    seed_all(args.seed)
    loader = make_loader(cfg, root, args.batch_size, args.seed)
    batches, it = [], iter(loader)
    for _ in range(args.batches):
        batches.append(next(it))
    size = tuple(batches[0]['inputs'].shape[-2:])
    report = dict(
        config=osp.relpath(args.config, REPO), data=root, render_size=args.render_size,
        crop=size, batches=args.batches, batch_size=args.batch_size, seed=args.seed,
        threads=torch.get_num_threads(), anchor=args.anchor, released_weights=RELEASED,
        measure='mean over batches of the L2 norm of d(unweighted loss_t) / d(fc7 output) '
                '(fc7_out, the heads\' shared input) and / d(fc7 conv weight) (fc7_weight)',
        variants={})
    for variant in args.variants:
        model = build_model(cfg, variant, args.seed)
        init = task_gradients(model, batches)
        balanced = balanced_weights(init, args.anchor)
        entry = dict(
            init=dict(raw=init,
                      with_released_weights=weighted(init, RELEASED),
                      with_released_weights_fc7_weight=weighted(init, RELEASED, 'fc7_weight'),
                      with_balanced_weights=weighted(init, balanced),
                      with_balanced_weights_fc7_weight=weighted(init, balanced, 'fc7_weight')),
            balanced_weights=balanced)
        if args.train_iters > 0:
            train_weights = RELEASED if args.train_weights is None else \
                dict(zip(TASKS, args.train_weights))
            seed_all(args.seed + 1)
            losses = train(model, cfg, loader, train_weights, args.train_iters)
            after = task_gradients(model, batches)
            balanced_after = balanced_weights(after, args.anchor)
            entry[f'after_{args.train_iters}_iters'] = dict(
                train_weights=train_weights, raw=after,
                with_released_weights=weighted(after, RELEASED),
                with_init_balanced_weights=weighted(after, balanced),
                balanced_weights=balanced_after,
                with_balanced_weights=weighted(after, balanced_after),
                first_last_loss=(losses[0], losses[-1]))
        report['variants'][variant] = entry
    if {'paper', 'released'} <= set(args.variants):
        p = report['variants']['paper']['init']['raw']['contour']['fc7_out']
        r = report['variants']['released']['init']['raw']['contour']['fc7_out']
        report['contour_released_over_paper_at_init'] = r / p
    report['seconds'] = time.time() - t0
    print(json.dumps(report, indent=1))


if __name__ == '__main__':
    main()
