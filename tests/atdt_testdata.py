# Copyright (c) synthssl contributors.
"""Writers of tiny AT/DT data in each public layout (CARLA, SYNTHIA-SF, Cityscapes with
disparity and camera files, KITTI semantics / stereo / scene flow), shared by the reader,
config and converter tests.

The depth files are encoded with plain NumPy from the datasets' public descriptions, not
with synthssl's encoders (their own round trip is tested in test_atdt_readers.py): a bug
shared by an encoder and its decoder must not cancel out in the reader tests."""
import json
import os
import os.path as osp
from typing import Dict

import cv2
import numpy as np

from synthssl.datasets.label_maps import CITYSCAPES_ID_TO_TRAINID

H, W = 32, 64
CS_STEM = 'aachen_000000_000019'
FX, BASELINE = 2000.0, 0.2  # Cityscapes-like camera of the tiny data: fx * B = 400 px m


def _write(path: str, img: np.ndarray) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, img), path
    return path


def stripes(n: int, shift: int = 0) -> np.ndarray:
    """(H, W) uint8 ids: vertical stripes of width 4 cycling through 0..n-1."""
    return (((np.arange(W) // 4 + shift) % n)[None, :].repeat(H, 0)).astype(np.uint8)


def image_of(ids: np.ndarray, tag: int = 0) -> np.ndarray:
    """(H, W, 3) uint8 BGR whose R channel is 7 * id, G the row, B ``tag``."""
    yy = np.arange(H)[:, None].repeat(W, 1)
    rgb = np.stack([ids.astype(np.int64) * 7, yy * 3, np.full_like(yy, tag)], -1)
    return rgb.astype(np.uint8)[..., ::-1].copy()


def depth_of(ids: np.ndarray) -> np.ndarray:
    """Depth in metres as a function of the id: 2 + 3 * id."""
    return 2.0 + 3.0 * ids.astype(np.float64)


def rgb24_png(depth_m: np.ndarray, far: float) -> np.ndarray:
    """CARLA / SYNTHIA-SF depth PNG, as the (H, W, 3) BGR array cv2 writes: depth =
    far * (R + 256 G + 65536 B) / (2^24 - 1)."""
    code = np.round(depth_m / far * (2**24 - 1)).astype(np.int64)
    r, g, b = code % 256, code // 256 % 256, code // 65536
    return np.stack([b, g, r], -1).astype(np.uint8)


def uint16_256_png(depth_m: np.ndarray) -> np.ndarray:
    """KITTI-style uint16 depth PNG: value = round(256 * metres), 0 = invalid (depth 0)."""
    assert depth_m.max() * 256 < 65536
    return np.round(depth_m * 256.0).astype(np.uint16)


def write_carla(root: str, episodes=('episode_0000', 'episode_0001'), frames=2) -> Dict:
    """The authors' CARLA layout; semantic ids 0..12 (11, 12 are ignored)."""
    for e, ep in enumerate(episodes):
        cam = osp.join(root, ep, 'MyCamera_L')
        for f in range(frames):
            ids = stripes(13, shift=e + f)
            name = f'{f:06d}.png'
            _write(osp.join(cam, name), image_of(ids, tag=e))
            _write(osp.join(cam, 'Semantic', name), ids)
            _write(osp.join(cam, 'Depth', name),
                   rgb24_png(depth_of(ids), 1000.0))
    return dict(root=root, n=len(episodes) * frames)


def write_synthia(root: str, sequences=(1, 2), frames=2) -> Dict:
    """SYNTHIA-SF: GT ids in R (G/B noise), depth in the 5000 m RGB encoding."""
    rng = np.random.default_rng(0)
    for s in sequences:
        seq = osp.join(root, f'SEQ{s}')
        for f in range(frames):
            ids = stripes(23, shift=s + f)
            name = f'{f:07d}.png'
            _write(osp.join(seq, 'RGBLeft', name), image_of(ids, tag=s))
            gt_rgb = np.stack([ids, rng.integers(0, 255, (H, W)),
                               rng.integers(0, 255, (H, W))], -1).astype(np.uint8)
            _write(osp.join(seq, 'GTLeft', name), gt_rgb[..., ::-1].copy())
            _write(osp.join(seq, 'DepthLeft', name),
                   rgb24_png(depth_of(ids), 5000.0))
    return dict(root=root, n=len(sequences) * frames)


def disparity_png_of(depth_m: np.ndarray) -> np.ndarray:
    """Cityscapes disparity encoding p = 256 d + 1 of depth (fx * B = 400)."""
    d = FX * BASELINE / depth_m
    return np.round(d * 256.0 + 1.0).astype(np.uint16)


def write_cityscapes(root: str, splits=('train', 'val'), with_depth=True) -> Dict:
    """leftImg8bit + gtFine (trainIds and labelIds) + disparity + camera (+ depth uint16/256)."""
    trainid_to_id = {t: i for i, t in CITYSCAPES_ID_TO_TRAINID.items()}
    for split in splits:
        for k, city in enumerate(('aachen', 'bochum')):
            stem = CS_STEM.replace('aachen', city)
            rel = osp.join(split, city)
            train_ids = stripes(20, shift=k)  # 0..18 plus 19 (not a trainId)
            train_ids[train_ids == 19] = 255
            label_ids = np.vectorize(lambda t: trainid_to_id.get(int(t), 0))(train_ids)
            _write(osp.join(root, 'leftImg8bit', rel, f'{stem}_leftImg8bit.png'),
                   image_of(train_ids % 20, tag=k))
            _write(osp.join(root, 'gtFine', rel, f'{stem}_gtFine_labelTrainIds.png'), train_ids)
            _write(osp.join(root, 'gtFine', rel, f'{stem}_gtFine_labelIds.png'),
                   label_ids.astype(np.uint8))
            depth = depth_of(train_ids % 20)
            disp = disparity_png_of(depth)
            disp[:, :2] = 0  # invalid measurements
            _write(osp.join(root, 'disparity', rel, f'{stem}_disparity.png'), disp)
            os.makedirs(osp.join(root, 'camera', rel), exist_ok=True)
            with open(osp.join(root, 'camera', rel, f'{stem}_camera.json'), 'w') as f:
                json.dump(dict(extrinsic=dict(baseline=BASELINE, pitch=0.05, x=1.7),
                               intrinsic=dict(fx=FX, fy=FX, u0=W / 2, v0=H / 2)), f)
            if with_depth:
                # what the converter writes: 400 / ((p - 1) / 256) from the stored disparity
                valid = disp > 1
                conv = np.where(valid, FX * BASELINE * 256.0 / np.maximum(disp - 1.0, 1), 0)
                _write(osp.join(root, 'depth', rel, f'{stem}_depth.png'),
                       uint16_256_png(conv))
    return dict(root=root, n=2)


KITTI_P2 = [700.0, 0, 600, 45.0, 0, 700.0, 180, 0.1, 0, 0, 1, 0.003]
KITTI_P3 = [700.0, 0, 600, -333.0, 0, 700.0, 180, 2.0, 0, 0, 1, 0.003]
KITTI_FB = 45.0 - (-333.0)  # fx * B = P2[0,3] - P3[0,3] = 378 px m


def write_kitti_semantics(root: str, n=2) -> Dict:
    """data_semantics/training: image_2 + semantic (Cityscapes labelIds) + depth uint16/256."""
    for i in range(n):
        name = f'{i:06d}_10.png'
        ids = stripes(34, shift=i)
        _write(osp.join(root, 'image_2', name), image_of(ids))
        _write(osp.join(root, 'semantic', name), ids)
        _write(osp.join(root, 'depth', name), uint16_256_png(depth_of(ids)))
    return dict(root=root, n=n)


def write_kitti_stereo(root: str, n=2) -> Dict:
    """data_stereo_flow/training: colored_0 + disp_occ (d = p / 256) + calib (P2/P3)."""
    for i in range(n):
        name = f'{i:06d}_10.png'
        ids = stripes(10, shift=i)
        _write(osp.join(root, 'colored_0', name), image_of(ids))
        disp = np.round(KITTI_FB / depth_of(ids) * 256.0).astype(np.uint16)
        disp[0, :] = 0
        _write(osp.join(root, 'disp_occ', name), disp)
        os.makedirs(osp.join(root, 'calib'), exist_ok=True)
        with open(osp.join(root, 'calib', f'{i:06d}.txt'), 'w') as f:
            f.write('P0: ' + ' '.join(map(str, KITTI_P2[:3] + [0.0] + KITTI_P2[4:])) + '\n')
            f.write('P2: ' + ' '.join(map(str, KITTI_P2)) + '\n')
            f.write('P3: ' + ' '.join(map(str, KITTI_P3)) + '\n')
    return dict(root=root, n=n)


def write_kitti_scene_flow(root: str, n=2) -> Dict:
    """KITTI 2015 stereo under one root: data_scene_flow/training/{image_2, disp_occ_0} +
    data_scene_flow_calib/training/calib_cam_to_cam (P_rect_02/P_rect_03 lines)."""
    for i in range(n):
        name = f'{i:06d}_10.png'
        ids = stripes(10, shift=i)
        _write(osp.join(root, 'data_scene_flow/training/image_2', name), image_of(ids))
        disp = np.round(KITTI_FB / depth_of(ids) * 256.0).astype(np.uint16)
        _write(osp.join(root, 'data_scene_flow/training/disp_occ_0', name), disp)
        calib = osp.join(root, 'data_scene_flow_calib/training/calib_cam_to_cam')
        os.makedirs(calib, exist_ok=True)
        with open(osp.join(calib, f'{i:06d}.txt'), 'w') as f:
            f.write('calib_time: 09-Jan-2012 13:57:47\n')
            f.write('P_rect_02: ' + ' '.join(map(str, KITTI_P2)) + '\n')
            f.write('P_rect_03: ' + ' '.join(map(str, KITTI_P3)) + '\n')
    return dict(root=root, n=n)
