# Copyright (c) synthssl contributors.
"""Input, predicted and ground-truth depth / normal / contour maps of a pretrained model on
the config's test (or val) set, as a PNG panel (Ren & Lee, Fig. 5)::

    python tools/analysis_tools/visualize_predictions.py CONFIG CHECKPOINT \\
        --out panel.png [--num-views 6] [--cfg-options ...]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from synthssl.utils.launch import prepare_process_env, require_files  # noqa: E402

prepare_process_env()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import DefaultScope, init_default_scope  # noqa: E402
from mmengine.runner import Runner, load_checkpoint  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.registry import MODELS  # noqa: E402
from synthssl.visualization import colorize_depth, write_panel  # noqa: E402

KINDS = dict(depth='depth', normal='normal', contour='contour')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--num-views', type=int, default=6)
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def to_hwc(t: torch.Tensor) -> np.ndarray:
    """(C, H, W) tensor -> (H, W) or (H, W, C) array."""
    a = t.detach().cpu().float().numpy()
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def main() -> None:
    args = parse_args()
    require_files(config=args.config, checkpoint=args.checkpoint)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    scope = cfg.get('default_scope', 'synthssl')
    init_default_scope(scope)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if loader_cfg is None:
        raise KeyError(f'{args.config} has no {args.split}_dataloader')
    loader_cfg = dict(loader_cfg, batch_size=1, num_workers=0, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg)
    rows = []
    with torch.no_grad(), tqdm(total=args.num_views, desc='predicting', unit='view') as bar:
        for data in loader:
            data = model.data_preprocessor(data, False)
            sample = model(data['inputs'], data['data_samples'], mode='predict')[0]
            img = data['inputs'][0]
            img = (img - img.min()) / (img.max() - img.min() + 1e-12) * 255
            row = [(to_hwc(img).astype(np.uint8), 'rgb')]
            for task in ('depth', 'normal', 'contour'):
                if f'pred_{task}' not in sample:
                    continue
                pred, gt = to_hwc(sample.get(f'pred_{task}')), sample.get(f'gt_{task}')
                gt = None if gt is None else to_hwc(gt)
                if task == 'depth' and gt is not None and (gt > 0).any():
                    # predicted depth on the ground truth's colour scale
                    lo, hi = float(gt[gt > 0].min()), float(gt[gt > 0].max())
                    row.append((colorize_depth(pred, vmin=lo, vmax=hi), 'rgb'))
                else:
                    row.append((pred, KINDS[task]))
                row.append(None if gt is None else (gt, KINDS[task]))
            rows.append(row)
            bar.update(1)
            if len(rows) == args.num_views:
                break
    tasks = [t for t in ('depth', 'normal', 'contour') if f'pred_{t}' in sample]
    labels = ['input'] + [f'{w} {t}' for t in tasks for w in ('predicted', 'true')]
    write_panel(args.out, rows, labels=labels)
    print(f'wrote {args.out}: {len(rows)} views x {len(labels)} columns')


if __name__ == '__main__':
    main()
