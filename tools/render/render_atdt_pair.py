# Copyright (c) synthssl contributors.
"""Render the built-in AT/DT domain pair (configs/_base_/datasets/atdt_render-indoor2warm.py)::

    python tools/render/render_atdt_pair.py data/atdt/render \\
        --train-scenes 40 --val-scenes 8 --views-per-scene 10 --size 192 --workers 2

Writes four renders (resumable: views already on disk are skipped)::

    <out>/indoor_train   style A (--style-a, default 'indoor'), seed --seed
    <out>/warm_train     style B (--style-b, default 'warm'),   seed --seed + 1
    <out>/indoor_val     style A,                               seed --seed + 2
    <out>/warm_val       style B,                               seed --seed + 3

The renderer gives the same rooms for the same seed, so every split has its own seed: the two
domains differ in rooms AND appearance (palettes, textures, lighting), as two datasets would.
Folder names follow the styles (``<style>_train`` / ``<style>_val``).
"""
import argparse
import json
import os.path as osp
import sys

from synthssl.render.scene import STYLES, SceneConfig
from synthssl.render.writer import render_dataset


def pair_splits(out_dir: str, style_a: str, style_b: str, seed: int, train_scenes: int,
                val_scenes: int) -> list:
    """(folder, style, seed, scenes) of the four renders."""
    return [(osp.join(out_dir, f'{style_a}_train'), style_a, seed, train_scenes),
            (osp.join(out_dir, f'{style_b}_train'), style_b, seed + 1, train_scenes),
            (osp.join(out_dir, f'{style_a}_val'), style_a, seed + 2, val_scenes),
            (osp.join(out_dir, f'{style_b}_val'), style_b, seed + 3, val_scenes)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder (the four renders go below it)')
    parser.add_argument('--style-a', default='indoor', choices=sorted(STYLES))
    parser.add_argument('--style-b', default='warm', choices=sorted(STYLES))
    parser.add_argument('--train-scenes', type=int, default=40, help='rooms per train split')
    parser.add_argument('--val-scenes', type=int, default=8, help='rooms per val split')
    parser.add_argument('--views-per-scene', type=int, default=10)
    parser.add_argument('--size', type=int, default=192,
                        help='square image side; keep it divisible by 64 for AT/DT')
    parser.add_argument('--seed', type=int, default=0, help='seed of A-train; +1, +2, +3 follow')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args()
    if args.style_a == args.style_b:
        parser.error('--style-a and --style-b must differ (the two domains)')
    if args.train_scenes < 1 or args.val_scenes < 1 or args.views_per_scene < 1:
        parser.error('--train-scenes, --val-scenes and --views-per-scene must be >= 1')
    if args.size % 64:
        print(f'warning: --size {args.size} is not divisible by 64; the AT/DT transfer network '
              'needs full-image inputs divisible by 64 at validation', file=sys.stderr)
    summaries = []
    for folder, style, seed, scenes in pair_splits(args.out_dir, args.style_a, args.style_b,
                                                   args.seed, args.train_scenes,
                                                   args.val_scenes):
        s = render_dataset(folder, scenes, args.views_per_scene, width=args.size,
                           height=args.size, seed=seed, workers=args.workers,
                           scene_cfg=SceneConfig(style=style), progress=not args.no_progress)
        print(f"{folder}: style {style}, seed {seed}: rendered {s['rendered']}, skipped "
              f"{s['skipped']}, {s['views']} views; {s['seconds']:.1f} s")
        summaries.append(dict(s, style=style, seed=seed))
    print(json.dumps(summaries))


if __name__ == '__main__':
    main()
