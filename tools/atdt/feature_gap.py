# Copyright (c) synthssl contributors.
"""How far domain B lies from domain A in the features AT/DT's decoder D2 receives.

For a trained stage 3 (its ``config.py`` and checkpoint), at the transfer level, on A's
validation set (the config's ``val_dataloader``) and B's (its ``test_dataloader``):

* ``E1``: E1(x_B) against E1(x_A): is the encoder N1 learnt on A and B domain-invariant?
  (On B the E1 that AT/DT applies there: N1^B in the non-shared §6.2 variant.)
* ``baseline``: E2(x_B) against E2(x_A): what D2 gets on B without AT/DT (N2 never saw B).
* ``atdt``: G(E1(x_B)) against E2(x_A): what D2 gets on B with AT/DT, against what it was
  trained on.
* ``atdt_on_A``: G(E1(x_A)) against E2(x_A): G's own fit, the reference.

The gap of two feature sets is the squared distance between their mean vectors (over every
image and feature location) divided by the mean of their total variances (the traces of their
covariances): 0 for equal means, 1 when the means lie one typical within-domain deviation
apart. Their spreads are compared too: ``variance_ratios`` is the first set's total variance
over the second's. Features of padding (images not a multiple of the preprocessor's size) are
left out.

Example (the stage-3 folder of a Dep.→Sem. run of ``tools/atdt/run_pipeline.py``; or a
config and its checkpoint)::

    python tools/atdt/feature_gap.py work_dirs/atdt/render_dep2sem/transfer_dep2sem_transfer \\
        --out gap.json
"""
import argparse
import json
import math
import os.path as osp
import sys
from typing import Dict, List, Optional

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import MODELS, init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.runner.checkpoint import _load_checkpoint  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402


#: gap name -> (features of B (or of A for the reference), features of A they are held against)
GAPS = dict(E1=('E1_B', 'E1_A'), baseline=('E2_B', 'E2_A'), atdt=('G_B', 'E2_A'),
            atdt_on_A=('G_A', 'E2_A'))


class MomentStats:
    """Running count, sum and sum of squared norms of feature vectors (float64), enough for
    the mean vector and the trace of the covariance."""

    def __init__(self) -> None:
        self.n = 0
        self.sum: Optional[torch.Tensor] = None
        self.sq = 0.

    def update(self, vectors: torch.Tensor) -> None:
        """vectors: (M, C)."""
        v = vectors.double()
        self.n += v.shape[0]
        s = v.sum(0)
        self.sum = s if self.sum is None else self.sum + s
        self.sq += float((v * v).sum())

    @property
    def mean(self) -> torch.Tensor:
        return self.sum / self.n

    @property
    def total_variance(self) -> float:
        """Trace of the (biased) covariance: E||x||^2 - ||E x||^2."""
        return self.sq / self.n - float((self.mean * self.mean).sum())


def mean_gap(b: MomentStats, a: MomentStats) -> float:
    """||mean_b - mean_a||^2 / ((tr cov_b + tr cov_a) / 2)."""
    if b.n == 0 or a.n == 0:
        raise ValueError('feature_gap: a feature set is empty')
    if b.sum.shape != a.sum.shape:
        raise ValueError(f'feature_gap: feature sizes differ ({b.sum.shape[0]} vs '
                         f'{a.sum.shape[0]} channels)')
    dist = float(((b.mean - a.mean) ** 2).sum())
    return dist / ((b.total_variance + a.total_variance) / 2)


def valid_vectors(feat: torch.Tensor, data_samples: List, input_hw) -> torch.Tensor:
    """(N, C, h, w) features of a padded batch -> (M, C) vectors of the image regions."""
    stride_h, stride_w = input_hw[0] / feat.shape[2], input_hw[1] / feat.shape[3]
    out = []
    for f, ds in zip(feat, data_samples):
        h, w = ds.metainfo.get('img_shape', input_hw)[:2]
        fh = min(feat.shape[2], math.ceil(h / stride_h))
        fw = min(feat.shape[3], math.ceil(w / stride_w))
        out.append(f[:, :fh, :fw].flatten(1).t())
    return torch.cat(out)


@torch.no_grad()
def collect(model, loader, domain: str, stats: Dict[str, MomentStats],
            max_images: Optional[int]) -> int:
    """Add E1, E2 and G(E1) features of ``loader``'s images to ``stats[<name>_<domain>]``."""
    total = len(loader.dataset) if max_images is None else min(max_images, len(loader.dataset))
    bar = ProgressBar(total, file=sys.stderr)
    seen = 0
    for data in loader:
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        if max_images is not None:
            inputs, samples = inputs[:max_images - seen], samples[:max_images - seen]
        # on B, the E1 that AT/DT applies there (N1^B in the non-shared §6.2 variant)
        f1 = model.source_features(inputs, test_source=domain == 'B')
        feats = dict(E1=f1, E2=model.target_features(inputs), G=model.transfer(f1))
        for name, f in feats.items():
            stats.setdefault(f'{name}_{domain}', MomentStats()).update(
                valid_vectors(f, samples, inputs.shape[2:]))
        seen += inputs.shape[0]
        bar.update(inputs.shape[0])
        if max_images is not None and seen >= max_images:
            break
    sys.stderr.write('\n')
    return seen


def feature_gap(config: str, checkpoint: str, max_images: Optional[int] = None,
                batch_size: int = 4) -> Dict:
    """The gaps of a trained stage 3 (see the module docstring)."""
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'feature_gap: {what} {path} does not exist')
    cfg = Config.fromfile(config)
    if not str(cfg.model.get('type', '')).endswith('ATDTTransfer'):
        raise ValueError(f'feature_gap: {config} is not a stage-3 config (model type '
                         f'{cfg.model.get("type")!r}, expected ATDTTransfer)')
    init_default_scope(cfg.get('default_scope', 'synthssl'))
    model = MODELS.build(cfg.model)
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    missing = sorted({k.split('.')[0] for k in model.state_dict()} -
                     {k.split('.')[0] for k in state})
    if missing:
        raise ValueError(f'feature_gap: {checkpoint} is not a stage-3 checkpoint: it holds no '
                         f'{", ".join(missing)} weights (E1: source_encoder, N2: target, G: '
                         'transfer)')
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f'feature_gap: {checkpoint} does not fit {config}: {e}') from None
    model.eval()
    stats: Dict[str, MomentStats] = {}
    images = {}
    for domain, key in (('A', 'val_dataloader'), ('B', 'test_dataloader')):
        dl = dict(cfg[key], batch_size=batch_size, num_workers=0, persistent_workers=False)
        print(f'feature_gap: domain {domain} ({key}: {dl["dataset"].get("data_root")})',
              file=sys.stderr, flush=True)
        images[domain] = collect(model, Runner.build_dataloader(dl), domain, stats, max_images)
    return dict(config=osp.abspath(config), checkpoint=osp.abspath(checkpoint),
                transfer_level=model.transfer_level, images=images,
                gaps={name: mean_gap(stats[b], stats[a]) for name, (b, a) in GAPS.items()},
                variance_ratios={name: stats[b].total_variance / stats[a].total_variance
                                 for name, (b, a) in GAPS.items()},
                total_variance={k: s.total_variance for k, s in sorted(stats.items())})


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('config', help='a stage-3 (ATDTTransfer) config, or a trained stage-3 '
                   'folder of a run_pipeline work dir (its done.json names config and checkpoint)')
    p.add_argument('checkpoint', nargs='?', help='the stage-3 checkpoint (holds E1, N2 and G)')
    p.add_argument('--max-images', type=int, help='per domain (default: all)')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--out', help='also write the JSON here')
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    config, checkpoint = args.config, args.checkpoint
    if osp.isdir(config):
        done = osp.join(config, 'done.json')
        if not osp.isfile(done):
            raise FileNotFoundError(f'feature_gap: {config} has no done.json (not a trained '
                                    'stage of tools/atdt/run_pipeline.py)')
        with open(done, encoding='utf-8') as f:
            info = json.load(f)
        config, checkpoint = info['config'], checkpoint or info['checkpoint']
    if checkpoint is None:
        raise SystemExit('feature_gap: a config needs its checkpoint')
    result = feature_gap(config, checkpoint, args.max_images, args.batch_size)
    text = json.dumps(result, indent=1)
    print(text, flush=True)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    return result


if __name__ == '__main__':
    main()
