# Copyright (c) synthssl contributors.
"""Input, predicted and ground-truth depth / normal / contour maps of a pretrained model on
the config's test (or val) set, as a PNG panel (Ren & Lee, Fig. 5)::

    python tools/analysis_tools/visualize_predictions.py CONFIG CHECKPOINT \\
        --out panel.png [--num-views 6] [--split test|val] [--device cpu] [--cfg-options ...]

One row per view: input | predicted / true depth | predicted / true normal | predicted /
true contour (tasks the model does not predict are left out). The predicted depth uses the
ground truth's colour scale.
"""
import argparse

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.utils.analysis import (build_eval_dataloader, build_model,  # noqa: E402
                                     load_config)
from synthssl.visualization import prediction_rows, write_panel  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--num-views', type=int, default=6)
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    parser.add_argument('--device', default='cpu', help="e.g. 'cpu', 'cuda'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.num_views < 1:
        raise ValueError(f'--num-views must be positive, got {args.num_views}')
    cfg = load_config(args.config, args.cfg_options)
    model = build_model(cfg, args.checkpoint, device=args.device)
    loader = build_eval_dataloader(cfg, args.split, batch_size=1)
    rows, labels = [], []
    with torch.no_grad(), tqdm(total=args.num_views, desc='predicting', unit='view') as bar:
        for data in loader:
            data = model.data_preprocessor(data, False)
            samples = model(data['inputs'], data['data_samples'], mode='predict')
            batch_rows, labels = prediction_rows(data['inputs'], samples)
            rows += batch_rows
            bar.update(len(batch_rows))
            if len(rows) >= args.num_views:
                break
    if not rows:
        raise ValueError(f'{args.config}: the {args.split} set is empty')
    rows = rows[:args.num_views]
    write_panel(args.out, rows, labels=labels)
    print(f'wrote {args.out}: {len(rows)} views x {len(labels)} columns')


if __name__ == '__main__':
    main()
