# Copyright (c) synthssl contributors.
"""Convert Cityscapes disparity maps to metric depth PNGs (AT/DT's missing conversion step)::

    python tools/dataset_converters/cityscapes_disparity_to_depth.py data/cityscapes \\
        --splits train val --workers 2

For every ``<root>/disparity/<split>/<city>/<stem>_disparity.png`` with its camera file
``<root>/camera/<split>/<city>/<stem>_camera.json`` it writes
``<root>/<out-dir>/<split>/<city>/<stem>_depth.png`` (``--out-dir`` default ``depth``):

* disparity (cityscapesScripts README): the 16-bit PNG value p gives d = (p - 1) / 256 pixels
  for p > 0; p = 0 is an invalid measurement (p = 1, d = 0, is treated as invalid too);
* depth = baseline * fx / d metres, with ``extrinsic.baseline`` (m) and ``intrinsic.fx`` (px)
  of the camera file (about 0.209 m * 2262.5 px);
* encoding ``uint16_256`` (default; what ``CityscapesDepthDataset`` reads): round(depth * 256),
  0 = invalid; depths >= 256 m (d < ~1.85 px) do not fit and become invalid, as do depths
  beyond ``--max-depth``. ``carla_rgb``: the authors' 8-bit RGB encoding
  (R + 256 G + 65536 B) / (2^24 - 1) * 1000 m, for their list files (read it with
  ``depth_encoding='carla_rgb'``); invalid pixels are 0 there too.

Resumable: outputs are written atomically and existing ones are skipped (``--overwrite`` redoes
them). A bad input stops the run with an error naming the file.
"""
import argparse
import os
import os.path as osp
import sys
from multiprocessing import Pool
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from synthssl.datasets.atdt.cityscapes import (CITYSCAPES_DISPARITY_OFFSET,
                                               cityscapes_camera_path, read_cityscapes_camera)
from synthssl.datasets.transforms.depth_loading import (CARLA_FAR_M,
                                                        decode_disparity, encode_rgb24,
                                                        encode_uint16_256)
from synthssl.fileio import imread_checked
from synthssl.utils.launch import prepare_process_env

DISPARITY_SUFFIX = '_disparity.png'
DEPTH_SUFFIX = '_depth.png'
ENCODINGS = ('uint16_256', 'carla_rgb')


def find_jobs(root: str, splits: List[str], out_dir: str,
              disparity_dir: str = 'disparity') -> List[Dict]:
    """One job (disparity, camera, output paths) per disparity PNG of ``splits``."""
    jobs = []
    for split in splits:
        top = osp.join(root, disparity_dir, split)
        if not osp.isdir(top):
            raise FileNotFoundError(f'{top}: Cityscapes disparity folder does not exist')
        for city in sorted(os.listdir(top)):
            if not osp.isdir(osp.join(top, city)):
                continue
            for name in sorted(os.listdir(osp.join(top, city))):
                if not name.endswith(DISPARITY_SUFFIX):
                    continue
                stem = name[:-len(DISPARITY_SUFFIX)]
                jobs.append(dict(
                    disparity=osp.join(top, city, name),
                    camera=cityscapes_camera_path(root, split, city, stem),
                    out=osp.join(root, out_dir, split, city, stem + DEPTH_SUFFIX)))
    return jobs


def disparity_file_to_depth(disparity_path: str, camera_path: str) -> np.ndarray:
    """(H, W) float32 depth in metres (0 invalid) of one Cityscapes disparity PNG."""
    fx, baseline = read_cityscapes_camera(camera_path)
    p = imread_checked(disparity_path, ('uint16', ), 1, 'a Cityscapes uint16 disparity map')
    return decode_disparity(p, fx * baseline, CITYSCAPES_DISPARITY_OFFSET)


def encode_depth(depth: np.ndarray, encoding: str,
                 max_depth: Optional[float] = None) -> np.ndarray:
    """Depth in metres -> the array to write (uint16 (H, W) or uint8 (H, W, 3) BGR)."""
    if max_depth is not None:
        depth = np.where(depth <= max_depth, depth, 0.0)
    if encoding == 'uint16_256':
        return encode_uint16_256(depth)
    if encoding == 'carla_rgb':
        rgb = encode_rgb24(np.where(depth > 0, depth, 0.0), CARLA_FAR_M)
        return np.ascontiguousarray(rgb[..., ::-1])
    raise ValueError(f'unknown encoding {encoding!r}; known: {ENCODINGS}')


def convert_one(job: Dict, encoding: str, max_depth: Optional[float],
                overwrite: bool) -> Tuple[str, int, int]:
    """Convert one file; returns (status 'done'/'skipped', valid pixels, pixels)."""
    if not overwrite and osp.isfile(job['out']):
        return 'skipped', 0, 0
    depth = disparity_file_to_depth(job['disparity'], job['camera'])
    enc = encode_depth(depth, encoding, max_depth)
    os.makedirs(osp.dirname(job['out']), exist_ok=True)
    tmp = job['out'] + '.tmp.png'
    if not cv2.imwrite(tmp, enc):
        raise OSError(f'{job["out"]}: could not write')
    os.replace(tmp, job['out'])  # never a half-written file under the final name
    valid = int(np.count_nonzero(enc if enc.ndim == 2 else enc.any(axis=-1)))
    return 'done', valid, int(depth.size)


def _worker(args: Tuple) -> Tuple[str, int, int]:
    return convert_one(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('root', help='Cityscapes root (with disparity/ and camera/)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--out-dir', default='depth', help='output folder under root')
    parser.add_argument('--encoding', default='uint16_256', choices=ENCODINGS)
    parser.add_argument('--max-depth', type=float, default=None,
                        help='mark depths beyond this (m) invalid (default: keep all that fit)')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--overwrite', action='store_true', help='redo existing outputs')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args()
    prepare_process_env()
    if args.workers < 1:
        parser.error('--workers must be >= 1')
    try:
        jobs = find_jobs(args.root, args.splits, args.out_dir)
    except FileNotFoundError as e:
        sys.exit(f'error: {e}')
    if not jobs:
        sys.exit(f'{args.root}: no *{DISPARITY_SUFFIX} files under disparity/'
                 f'{{{",".join(args.splits)}}}')
    tasks = [(j, args.encoding, args.max_depth, args.overwrite) for j in jobs]
    counts = dict(done=0, skipped=0)
    valid = total = 0
    bar = tqdm(total=len(tasks), desc='disparity->depth', unit='img', disable=args.no_progress)
    pool = Pool(args.workers) if args.workers > 1 else None
    try:
        results = (map(_worker, tasks) if pool is None
                   else pool.imap_unordered(_worker, tasks, chunksize=4))
        for status, v, n in results:
            counts[status] += 1
            valid += v
            total += n
            bar.update(1)
    except (OSError, ValueError) as e:  # BadFileError is a ValueError; both name the file
        sys.exit(f'error: {e}')
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
            pool.join()
    frac = f'; valid depth in {valid / total:.1%} of the converted pixels' if total else ''
    print(f'converted {counts["done"]}, skipped {counts["skipped"]} existing, of {len(jobs)} '
          f'disparity maps -> {osp.join(args.root, args.out_dir)} ({args.encoding}){frac}')


if __name__ == '__main__':
    main()
