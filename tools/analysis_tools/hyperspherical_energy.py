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
import operator
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from synthssl.utils.launch import prepare_process_env, require_files  # noqa: E402

prepare_process_env()

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import DefaultScope, init_default_scope  # noqa: E402
from mmengine.runner import Runner, load_checkpoint  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.evaluation import HypersphericalEnergy  # noqa: E402
from synthssl.registry import MODELS  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' (use init_cfg)")
    parser.add_argument('--split', choices=['val', 'test'], default='val')
    parser.add_argument('--backbone', default=None,
                        help="attribute path of the feature extractor in the model; default "
                        "'backbone', or 'model.backbone' (the student of synthssl.CSG)")
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
    """(B, C) global-average-pooled last stage of ``backbone(inputs)``."""
    out = backbone(inputs)
    if isinstance(out, (tuple, list)):
        out = out[-1]
    if out.ndim == 4:
        out = out.mean(dim=(2, 3))
    if out.ndim != 2:
        raise ValueError(f'backbone output has shape {tuple(out.shape)}; expected (B, C) or '
                         '(B, C, H, W)')
    return out


def main() -> None:
    args = parse_args()
    require_files(config=args.config)
    if args.checkpoint.lower() != 'none':
        require_files(checkpoint=args.checkpoint)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    scope = cfg.get('default_scope', 'synthssl')
    init_default_scope(scope)
    torch.manual_seed(args.seed)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
    if args.checkpoint.lower() == 'none':
        model.init_weights()
    else:
        load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device).eval()
    candidates = [args.backbone] if args.backbone else ['backbone', 'model.backbone']
    for path in candidates:
        try:
            backbone = operator.attrgetter(path)(model)
            args.backbone = path
            break
        except AttributeError:
            continue
    else:
        raise AttributeError(f'{args.config}: the model ({type(model).__name__}) has no '
                             f'{" or ".join(candidates)}; pass --backbone')
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if loader_cfg is None:
        raise KeyError(f'{args.config} has no {args.split}_dataloader')
    loader = Runner.build_dataloader(dict(loader_cfg, num_workers=0, persistent_workers=False))
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
