# Copyright (c) synthssl contributors.
"""Render a synthetic indoor RGB-D dataset (rgb, depth, normal, instance, semantic, camera)::

    python tools/render/render_synthetic.py data/synth --scenes 100 --views-per-scene 10 \\
        --size 256 --workers 2 --seed 0 --style indoor

Re-running with the same arguments skips views that are already on disk. With
``--panel PATH`` a PNG grid of the first ``--panel-views`` views of the manifest is written
too (rows = views; columns = RGB, depth, normal, instance, semantic, instance contours).
"""
import argparse
import json
from typing import List

import numpy as np

from synthssl.render.scene import STYLES, SceneConfig
from synthssl.render.writer import read_manifest, render_dataset

PANEL_COLUMNS = ('rgb', 'depth', 'normal', 'instance', 'semantic', 'contour')


def write_render_panel(root: str, path: str, num_views: int = 4,
                       min_cell: int = 128) -> np.ndarray:
    """Write a PNG panel of the first ``num_views`` views of the manifest under ``root``.

    Rows are views (labelled by their ``<scene>/<view>`` key), columns
    :data:`PANEL_COLUMNS`; contours come from the instance map through
    :func:`synthssl.datasets.transforms.instance_contours` (what ``InstanceToContour``
    computes). Cells are enlarged (nearest neighbour) to at least ``min_cell`` pixels wide
    so that the labels fit. Returns the (H, W, 3) uint8 RGB panel.
    """
    from synthssl.datasets.transforms import instance_contours
    from synthssl.render import io
    from synthssl.visualization import write_panel

    if num_views < 1:
        raise ValueError(f'--panel-views must be >= 1, got {num_views}')
    entries = read_manifest(root)[:num_views]
    if not entries:
        raise ValueError(f'{root}: the manifest lists no views; nothing to put in a panel')
    rows: List[list] = []
    for e in entries:
        view = e['view']
        inst = io.read_ids(io.view_path(root, view, 'instance'))
        rows.append([(io.read_rgb(io.view_path(root, view, 'rgb')), 'rgb'),
                     (io.read_depth(io.view_path(root, view, 'depth')), 'depth'),
                     (io.read_normal(io.view_path(root, view, 'normal')), 'normal'),
                     (inst, 'ids'),
                     (io.read_ids(io.view_path(root, view, 'semantic'), np.uint8), 'ids'),
                     (instance_contours(inst), 'contour')])
    h, w = rows[0][0][0].shape[:2]
    f = max(1, -(-min_cell // w))
    return write_panel(path, rows, labels=PANEL_COLUMNS, cell=(h * f, w * f),
                       row_labels=[e['view'] for e in entries])


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
    parser.add_argument('--panel', default=None, metavar='PATH',
                        help='also write a PNG panel of the first views (rows) x rgb, depth, '
                             'normal, instance, semantic, contour (columns)')
    parser.add_argument('--panel-views', type=int, default=4, metavar='K',
                        help='views (rows) in the --panel image (default 4)')
    args = parser.parse_args()
    if args.panel_views < 1:
        parser.error(f'--panel-views must be >= 1, got {args.panel_views}')
    cfg = SceneConfig(style=args.style, obj_dir=args.obj_dir, noise_sigma=args.noise_sigma,
                      blur_sigma=args.blur_sigma)
    summary = render_dataset(args.out_dir, args.scenes, args.views_per_scene,
                             width=args.width or args.size, height=args.height or args.size,
                             seed=args.seed, workers=args.workers, scene_cfg=cfg,
                             progress=not args.no_progress, shadows=not args.no_shadows)
    print(f"rendered {summary['rendered']} views, skipped {summary['skipped']} existing, "
          f"{summary['views']} in the manifest; {summary['seconds']:.1f} s "
          f"({summary['views_per_s']:.1f} views/s) -> {summary['root']}")
    if args.panel:
        panel = write_render_panel(args.out_dir, args.panel, args.panel_views)
        print(f'panel of {min(args.panel_views, summary["views"])} view(s), '
              f'{panel.shape[1]}x{panel.shape[0]} px -> {args.panel}')
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
