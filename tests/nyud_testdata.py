# Copyright (c) synthssl contributors.
"""Tiny NYU Depth v2 stand-ins: an analytic room (floor, back wall, left wall) seen by a
pinhole camera, so every pixel's z-depth and OpenCV-axis normal is known exactly, written
in the public formats (labelled .mat = HDF5, splits.mat, FAIR's all_normals.pklz / zip) or
directly in the converted layout that NYUDv2NormalsDataset reads."""
import gzip
import json
import os
import os.path as osp
import pickle
import zipfile
from typing import Dict, Sequence

import cv2
import numpy as np

W, H = 64, 48
K = np.array([[50., 0., 31.5], [0., 50., 23.5], [0., 0., 1.]])
TRAIN, TEST = (1, 3, 4, 6), (2, 5)
NUM = 6
# plane normals facing the camera, OpenCV axes (x right, y down, z forward)
FLOOR, BACK, LEFT = (0., -1., 0.), (0., 0., -1.), (1., 0., 0.)
INVALID = (slice(2, 6), slice(40, 46))  # rows, cols without a ground-truth normal


def room(i: int):
    """Image ``i`` (1-based): (H, W) z-depth, (H, W, 3) normals, (H, W) plane id."""
    floor_y, back_z, left_x = 1.0 + 0.1 * i, 3.0 + 0.2 * i, -1.2 - 0.05 * i
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    rx, ry = (u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1]
    inf = np.full_like(rx, np.inf)
    t = np.stack([np.where(ry > 0, floor_y / np.where(ry > 0, ry, 1), inf),
                  np.full_like(rx, back_z),
                  np.where(rx < 0, left_x / np.where(rx < 0, rx, -1), inf)])
    plane = t.argmin(0)
    depth = t.min(0)
    normals = np.array([FLOOR, BACK, LEFT])[plane]
    return depth.astype(np.float32), normals, plane


def rgb(i: int, plane: np.ndarray) -> np.ndarray:
    colors = np.array([[150, 110, 70], [200, 200, 190], [90, 140, 200]], np.int64)
    g = np.random.default_rng(i)
    img = colors[plane] + g.integers(-20, 20, plane.shape + (3, ))
    return np.clip(img, 0, 255).astype(np.uint8)


def to_provider(n_cv: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Provider normals for ``n_opencv = M @ n_provider`` (M orthogonal)."""
    return n_cv @ M  # (M^T n)^T = n^T M


def write_public(root: str, M: np.ndarray, shuffle_names: bool = True) -> Dict[str, str]:
    """Write labelled .mat (needs h5py), splits.mat, all_normals.pklz and the FAIR-style zip."""
    import h5py
    from scipy.io import savemat
    os.makedirs(root, exist_ok=True)
    images = np.zeros((NUM, 3, W, H), np.uint8)
    depths = np.zeros((NUM, W, H), np.float32)
    normals = np.zeros((NUM, H, W, 3), np.float32)
    for i in range(1, NUM + 1):
        depth, n, plane = room(i)
        images[i - 1] = rgb(i, plane).transpose(2, 1, 0)
        depths[i - 1] = depth.T
        prov = to_provider(n, M)
        prov[INVALID] = 0.
        normals[i - 1] = prov
    paths = dict(mat=osp.join(root, 'nyu_depth_v2_labeled.mat'),
                 splits=osp.join(root, 'splits.mat'), pklz=osp.join(root, 'all_normals.pklz'),
                 zip=osp.join(root, 'nyuv2_surfacenormal_metadata.zip'))
    with h5py.File(paths['mat'], 'w') as f:
        f['images'] = images
        f['depths'] = depths
    savemat(paths['splits'], dict(trainNdxs=np.array(TRAIN, np.float64)[:, None],
                                  testNdxs=np.array(TEST, np.float64)[:, None]))
    order = list(range(NUM))[::-1] if shuffle_names else list(range(NUM))
    data = dict(all_normals=normals[order], all_filenames=[f'{r + 1:06d}' for r in order])
    with gzip.open(paths['pklz'], 'wb') as f:
        pickle.dump(data, f)
    with zipfile.ZipFile(paths['zip'], 'w') as zf:
        zf.write(paths['pklz'], 'surfacenormal_metadata/all_normals.pklz')
    return paths


def expected(i: int):
    """(H, W, 3) uint8 RGB and (H, W, 3) OpenCV normals (0 = invalid) of image ``i``."""
    _, n, plane = room(i)
    n = n.copy()
    n[INVALID] = 0.
    return rgb(i, plane), n


def write_layout(root: str, train: Sequence[int] = TRAIN, test: Sequence[int] = TEST) -> str:
    """The converted layout, written directly (no h5py needed) with plain OpenCV, not with
    synthssl's writers: RGB PNGs, and uint16 normal PNGs ``round((n + 1) / 2 * 65535)`` with
    (x, y, z) in R, G, B and all-zero pixels where there is no normal."""
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'normals'), exist_ok=True)
    for i in sorted(set(train) | set(test)):
        img, n = expected(i)
        enc = np.round((n + 1) / 2 * 65535).astype(np.uint16)
        enc[~np.any(n != 0, axis=-1)] = 0
        assert cv2.imwrite(osp.join(root, 'images', f'{i:04d}.png'), img[..., ::-1].copy())
        assert cv2.imwrite(osp.join(root, 'normals', f'{i:04d}.png'), enc[..., ::-1].copy())
    for split, idx in (('train', train), ('test', test)):
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.writelines(f'{i:04d}\n' for i in idx)
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(dict(provider='test', normal_axes='opencv', K=K.tolist(), K_size=[W, H]), f)
    return root
