# Copyright (c) synthssl contributors.
"""Render a synthetic indoor RGB-D dataset (rgb, depth, normal, instance, semantic, camera)::

    python tools/render_synthetic.py data/synth --scenes 100 --views-per-scene 10 \\
        --size 256 --workers 2 --seed 0 --style indoor

Re-running with the same arguments skips views that are already on disk.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))
from synthssl.render.scene import STYLES, SceneConfig  # noqa: E402
from synthssl.render.writer import render_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder (created; resumed if it exists)')
    parser.add_argument('--scenes', type=int, default=10, help='number of rooms')
    parser.add_argument('--views-per-scene', type=int, default=10)
    parser.add_argument('--size', type=int, default=256, help='square image side (pixels)')
    parser.add_argument('--width', type=int, default=None, help='overrides --size')
    parser.add_argument('--height', type=int, default=None, help='overrides --size')
    parser.add_argument('--workers', type=int, default=1, help='processes (one GL context each)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--style', default='indoor', choices=sorted(STYLES))
    parser.add_argument('--obj-dir', default=None, help='folder of .obj meshes to place too')
    parser.add_argument('--noise-sigma', type=float, default=0.0, help='RGB noise (0..255)')
    parser.add_argument('--blur-sigma', type=float, default=0.0, help='RGB blur (pixels)')
    parser.add_argument('--no-shadows', action='store_true')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args()
    cfg = SceneConfig(style=args.style, obj_dir=args.obj_dir, noise_sigma=args.noise_sigma,
                      blur_sigma=args.blur_sigma)
    summary = render_dataset(args.out_dir, args.scenes, args.views_per_scene,
                             width=args.width or args.size, height=args.height or args.size,
                             seed=args.seed, workers=args.workers, scene_cfg=cfg,
                             progress=not args.no_progress, shadows=not args.no_shadows)
    print(f"rendered {summary['rendered']} views, skipped {summary['skipped']} existing, "
          f"{summary['views']} in the manifest; {summary['seconds']:.1f} s "
          f"({summary['views_per_s']:.1f} views/s) -> {summary['root']}")
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
