# Copyright (c) synthssl contributors.
"""The first convolution's filters as an image grid (Ren & Lee, Fig. 4)::

    python tools/analysis_tools/visualize_filters.py CONFIG CKPT [CKPT ...] --out conv1.png \\
        [--names ours imagenet] [--param backbone.conv1.conv.weight] [--scale 4] \\
        [--ncols 12] [--channel-order auto|rgb|bgr] [--cfg-options ...]

CKPT: a runner checkpoint of CONFIG's model, a backbone-only export, or ``random`` / ``none``
for the randomly initialised network. The filters are the weight (out, in, kh, kw) of
``--param`` (default: the first ``Conv2d`` of ``model.backbone``, for SynthAlexNet
``backbone.conv1.conv.weight``, 96 x 3 x 11 x 11).

Normalisation: each filter separately, over all its input channels together, is min-max
stretched to 0..255 (``(w - min) / (max - min)``), so every tile uses the full range and a
filter's colour balance is kept; the bias and BatchNorm are ignored. A 3-channel filter is
shown in colour (its input channels as R, G, B -- ``--channel-order auto`` swaps them when
the model's data preprocessor feeds BGR images, i.e. does no ``bgr_to_rgb``), any other
channel count as the channel mean in gray. Tiles are upscaled ``--scale`` times (nearest),
``--ncols`` per row, 1 px apart; several checkpoints give one labelled grid each, side by side.
"""
import argparse
import math
from typing import List, Tuple

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.utils.analysis import (build_model, checkpoints_parser,  # noqa: E402
                                     get_backbone, load_config_and_checkpoints)
from synthssl.visualization import make_panel, write_panel  # noqa: E402

PAD = 1


def parse_args() -> argparse.Namespace:
    parser = checkpoints_parser(__doc__)
    parser.add_argument('--param', help='weight to show (default: first backbone Conv2d)')
    parser.add_argument('--scale', type=int, default=4, help='tile upscaling (nearest)')
    parser.add_argument('--ncols', type=int, help='tiles per row (default ~ 4:3 grid)')
    parser.add_argument('--channel-order', choices=['auto', 'rgb', 'bgr'], default='auto')
    parser.add_argument('--seed', type=int, default=0, help='for a random initialisation')
    return parser.parse_args()


def find_weight(model: torch.nn.Module, param: str = None) -> Tuple[str, torch.Tensor]:
    """``(name, (out, in, kh, kw) weight)`` of ``param``, or of the backbone's first Conv2d."""
    if param:
        params = dict(model.named_parameters())
        if param not in params:
            convs = [n for n, p in params.items() if p.dim() == 4][:8]
            raise KeyError(f'--param {param!r}: {type(model).__name__} has no such parameter; '
                           f'4-D ones: {convs}')
        w = params[param]
        if w.dim() != 4:
            raise ValueError(f'--param {param!r}: expected a conv weight (out, in, kh, kw), '
                             f'got shape {tuple(w.shape)}')
        return param, w.detach()
    for name, m in get_backbone(model).named_modules():
        if isinstance(m, torch.nn.Conv2d):
            return f'backbone.{name}.weight', m.weight.detach()
    raise ValueError(f'{type(model).__name__}: no Conv2d in its backbone; name the weight '
                     'with --param')


def filter_tiles(weight: torch.Tensor, scale: int, bgr: bool) -> List[np.ndarray]:
    """(out, in, kh, kw) weight -> ``out`` (kh * scale, kw * scale, 3) uint8 RGB tiles, each
    min-max normalised on its own to 0..255."""
    w = weight.float().cpu().numpy()
    lo = w.min(axis=(1, 2, 3), keepdims=True)
    hi = w.max(axis=(1, 2, 3), keepdims=True)
    w = (w - lo) / np.maximum(hi - lo, 1e-12)
    tiles = []
    for f in w:
        if f.shape[0] == 3:
            img = f.transpose(1, 2, 0)[..., ::-1] if bgr else f.transpose(1, 2, 0)
        else:  # gray: channel mean, re-stretched
            g = f.mean(0)
            g = (g - g.min()) / max(g.max() - g.min(), 1e-12)
            img = np.repeat(g[..., None], 3, axis=-1)
        img = np.round(img * 255).astype(np.uint8)
        tiles.append(cv2.resize(np.ascontiguousarray(img), None, fx=scale, fy=scale,
                                interpolation=cv2.INTER_NEAREST))
    return tiles


def feeds_bgr(model: torch.nn.Module) -> bool:
    """Whether the model's input is BGR: an image data preprocessor that does not convert
    the BGR images mmcv loads (``bgr_to_rgb=False``)."""
    dp = getattr(model, 'data_preprocessor', None)
    return dp is not None and hasattr(dp, '_channel_conversion') and \
        not dp._channel_conversion


def main() -> None:
    args = parse_args()
    if args.scale < 1:
        raise ValueError(f'--scale must be positive, got {args.scale}')
    cfg, names = load_config_and_checkpoints(args)
    grids = []
    for name, ckpt in tqdm(list(zip(names, args.checkpoints)), desc='checkpoints'):
        model = build_model(cfg, ckpt, seed=args.seed)
        pname, weight = find_weight(model, args.param)
        bgr = feeds_bgr(model) if args.channel_order == 'auto' else args.channel_order == 'bgr'
        tiles = filter_tiles(weight, args.scale, bgr)
        ncols = args.ncols or max(1, math.ceil(math.sqrt(len(tiles) * 4 / 3)))
        rows = [[(t, 'rgb') for t in tiles[i:i + ncols]] for i in range(0, len(tiles), ncols)]
        grids.append(make_panel(rows, pad=PAD))
        print(f'{name}: {pname} {tuple(weight.shape)} -> {len(rows)} x {ncols} tiles')
    if len(grids) == 1:
        panel = write_panel(args.out, [[(grids[0], 'rgb')]], pad=0)
    else:
        h = max(g.shape[0] for g in grids)
        w = max(g.shape[1] for g in grids)
        grids = [np.pad(g, ((0, h - g.shape[0]), (0, w - g.shape[1]), (0, 0))) for g in grids]
        panel = write_panel(args.out, [[(g, 'rgb') for g in grids]], labels=names, pad=8,
                            cell=(h, w))
    print(f'wrote {args.out}: {panel.shape[1]} x {panel.shape[0]} px')


if __name__ == '__main__':
    main()
