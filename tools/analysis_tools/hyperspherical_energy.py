# Copyright (c) synthssl contributors.
"""Hyperspherical energy (CSG, Chen et al., ICLR'21, Sec. 2 / Table 1) of a model's backbone
features over the config's val (or test) set, printed as JSON::

    python tools/analysis_tools/hyperspherical_energy.py CONFIG CHECKPOINT \\
        [--split val] [--backbone model.backbone] [--s 0 1 2] [--per-class] \\
        [--max-samples N] [--out hse.json] [--cfg-options ...]

The feature of an image is the backbone's last output stage, global-average pooled and
L2-normalised (the paper's v). CHECKPOINT ``none`` evaluates the model as its init_cfg
builds it, e.g. the ImageNet-pretrained baseline of Table 1 with
``--cfg-options model.backbone.init_cfg.checkpoint=resnet101-63fe2227.pth``.
Energies are means over the N(N-1) ordered pairs (see
:func:`synthssl.evaluation.hyperspherical_energy`); lower = more diverse.
"""
import argparse
import json

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.evaluation import HypersphericalEnergy  # noqa: E402
from synthssl.utils.analysis import (backbone_features, build_eval_dataloader,  # noqa: E402
                                     build_model, find_backbone, global_pool, load_config)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint',
                        help="checkpoint file, or 'none' / 'random' (use init_cfg)")
    parser.add_argument('--split', choices=['val', 'test'], default='val')
    parser.add_argument('--backbone', default=None,
                        help="attribute path of the feature extractor in the model; default "
                        "'backbone', or 'model.backbone' (the student of synthssl.CSG); "
                        "'teacher' for CSG's EMA teacher")
    parser.add_argument('--s', type=float, nargs='+', default=[0.0, 1.0, 2.0],
                        help='energy powers (0 = logarithmic energy)')
    parser.add_argument('--per-class', action='store_true',
                        help='also the energy within each class (needs gt_label)')
    parser.add_argument('--max-samples', type=int, default=None,
                        help='random subset of this many images (seed --seed); the cost '
                        'is O(N^2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the subset and of any random initialisation')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out', help='also write the JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def pooled_features(backbone: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """(B, C) global-average-pooled last output of ``backbone(inputs)``."""
    out = global_pool(backbone_features(backbone, inputs), 'avg')
    if out.ndim != 2:
        raise ValueError(f'backbone output has shape {tuple(out.shape)}; expected (B, C) or '
                         '(B, C, H, W)')
    return out


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    model = build_model(cfg, args.checkpoint, device=args.device, seed=args.seed)
    args.backbone, backbone = find_backbone(model, args.backbone)
    loader = build_eval_dataloader(cfg, args.split, batch_size=None)
    metric = HypersphericalEnergy(s=args.s, feat_key='feat', per_class=args.per_class,
                                  max_samples=args.max_samples, seed=args.seed)
    metric.dataset_meta = getattr(loader.dataset, 'metainfo', None)
    dim = None
    with torch.no_grad(), tqdm(total=len(loader.dataset), desc='features', unit='img') as bar:
        for data in loader:
            data = model.data_preprocessor(data, False)
            feats = pooled_features(backbone, data['inputs']).float().cpu()
            dim = feats.shape[1]
            samples = []
            for i, f in enumerate(feats):
                sample = dict(feat=f)
                if args.per_class:
                    sample['gt_label'] = data['data_samples'][i].gt_label
                samples.append(sample)
            metric.process(data, samples)
            bar.update(len(feats))
    num = len(metric.results)
    energies = metric.evaluate(num)
    result = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                  backbone=args.backbone, num_samples=num, feature_dim=dim,
                  used_samples=min(num, args.max_samples or num), reduction='mean',
                  energies={k.split('/', 1)[1]: v for k, v in energies.items()})
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
