# Copyright (c) synthssl contributors.
"""On-disk encodings of rendered views, shared by the renderer (writes) and the dataset
readers (read); generic checked reading is :mod:`synthssl.fileio`. No torch, no mmengine.

Layout of a rendered dataset root::

    <root>/meta.json                  dataset-wide facts (classes, size, encodings, version)
    <root>/manifest.jsonl             one JSON object per view: {"view": "<scene>/<view>",
                                      "scene_seed": int, "view_index": int, ...}
    <root>/scenes/<scene>/rgb/<view>.png        uint8 RGB (stored as PNG, read as RGB)
    <root>/scenes/<scene>/depth/<view>.png      uint16, metric z-depth in millimetres, 0 = invalid
    <root>/scenes/<scene>/normal/<view>.png     uint16 x3, camera-space unit normals
    <root>/scenes/<scene>/instance/<view>.png   uint16 instance ids, 0 = background
    <root>/scenes/<scene>/semantic/<view>.png   uint8 semantic class ids (meta.json "classes")
    <root>/scenes/<scene>/camera/<view>.json    intrinsics K (3x3), cam_to_world (4x4), size

Conventions:

* Camera space is OpenCV's: x right, y down, z forward (into the scene). Depth is the z
  coordinate (not the ray length), as in SceneNet RGB-D and PBRS.
* Normals are unit vectors in camera space facing the camera (``n . p <= 0`` for the
  surface point ``p``). Encoded per component as ``round((n + 1) / 2 * 65535)``; the PNG's
  three channels hold (x, y, z) in that order as read by :func:`read_normal`. An all-zero
  pixel means "no normal" (decoded as (0, 0, 0)).
"""
import json
import os
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np

from synthssl.fileio import BadFileError, imread, imread_checked


DEPTH_SCALE_MM = 1000.0  # file value = metres * 1000
MAX_DEPTH_M = 65.535
FORMAT_VERSION = 1
MODALITIES = ('rgb', 'depth', 'normal', 'instance', 'semantic', 'camera')


def view_path(root: str, view: str, modality: str) -> str:
    """Path of ``modality`` of ``view`` (``'<scene>/<view>'``) under a dataset root."""
    scene, name = view.split('/')
    ext = '.json' if modality == 'camera' else '.png'
    return osp.join(root, 'scenes', scene, modality, name + ext)


def _imwrite(path: str, img: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = path + '.tmp.png'
    if not cv2.imwrite(tmp, img):
        raise OSError(f'could not write {path}')
    os.replace(tmp, path)  # never leave a half-written file under the final name


# --------------------------------------------------------------------------- writers
def write_rgb(path: str, rgb: np.ndarray) -> None:
    """Write (H, W, 3) uint8 RGB."""
    _imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def encode_depth(depth_m: np.ndarray) -> np.ndarray:
    """(H, W) float metres (<= 0, NaN or inf = invalid) -> (H, W) uint16 millimetres."""
    d = np.nan_to_num(np.asarray(depth_m, dtype=np.float64), nan=0., posinf=0., neginf=0.)
    mm = np.round(d * DEPTH_SCALE_MM)
    mm[(d <= 0) | (mm > 65535)] = 0
    return mm.astype(np.uint16)


def encode_normal(normal: np.ndarray) -> np.ndarray:
    """(H, W, 3) float unit normals (zero vector = invalid) -> (H, W, 3) uint16."""
    n = np.asarray(normal, dtype=np.float64)
    enc = np.round((np.clip(n, -1, 1) + 1) / 2 * 65535).astype(np.uint16)
    enc[~np.any(n != 0, axis=-1)] = 0
    return enc


def write_depth(path: str, depth_m: np.ndarray) -> None:
    _imwrite(path, encode_depth(depth_m))


def write_normal(path: str, normal: np.ndarray) -> None:
    _imwrite(path, encode_normal(normal)[..., ::-1])  # cv2 stores BGR


def write_ids(path: str, ids: np.ndarray, dtype=np.uint16) -> None:
    ids = np.asarray(ids)
    if ids.min(initial=0) < 0 or ids.max(initial=0) > np.iinfo(dtype).max:
        raise ValueError(f'{path}: ids out of range for {np.dtype(dtype).name}')
    _imwrite(path, ids.astype(dtype))


def write_camera(path: str, K: np.ndarray, cam_to_world: np.ndarray, width: int,
                 height: int) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(dict(K=np.asarray(K).tolist(), cam_to_world=np.asarray(cam_to_world).tolist(),
                       width=int(width), height=int(height), convention='opencv'), f)
    os.replace(path + '.tmp', path)


# --------------------------------------------------------------------------- readers
def read_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB from an 8-bit colour image (PNG or JPEG)."""
    img = imread(path, cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_depth(path: str, scale_mm: float = DEPTH_SCALE_MM) -> np.ndarray:
    """(H, W) float32 metres from a uint16 millimetre PNG; invalid (0) pixels become 0."""
    img = imread_checked(path, np.uint16, 1, 'a depth map')
    return img.astype(np.float32) / scale_mm


def decode_normal(enc: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint16 (x, y, z) -> float32 unit normals; invalid pixels (0, 0, 0)."""
    n = enc.astype(np.float32) / 65535 * 2 - 1
    n[~np.any(enc != 0, axis=-1)] = 0
    return n


def read_normal(path: str) -> np.ndarray:
    """(H, W, 3) float32 camera-space normals from a uint16 normal PNG."""
    img = imread_checked(path, np.uint16, 3, 'a normal map')
    return decode_normal(img[..., ::-1])


def read_ids(path: str, dtype=np.uint16) -> np.ndarray:
    """(H, W) integer id map (uint16 instance ids or uint8 semantic ids)."""
    return imread_checked(path, dtype, 1, 'an id map')


def read_manifest_file(path: str, missing: str = 'manifest does not exist') -> List[Dict]:
    """The lines of a ``manifest.jsonl``: one dict per non-blank line, each with a
    ``"view": "<scene>/<view>"`` field. ``FileNotFoundError('<path>: <missing>')`` if there
    is no such file; :class:`BadFileError` naming ``<path>:<line>`` for a bad line."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: {missing}')
    entries = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as e:
                raise BadFileError(f'{path}:{lineno}: not JSON ({e})') from e
            view = item.get('view') if isinstance(item, dict) else None
            if not isinstance(view, str) or view.count('/') != 1:
                raise BadFileError(f'{path}:{lineno}: "view" must be "<scene>/<view>", '
                                   f'got {view!r}')
            entries.append(item)
    return entries


def read_camera(path: str) -> Dict:
    """Camera JSON: ``K`` (3, 3) and ``cam_to_world`` (4, 4) as float64 arrays."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            cam = json.load(f)
        cam['K'] = np.asarray(cam['K'], dtype=np.float64).reshape(3, 3)
        cam['cam_to_world'] = np.asarray(cam['cam_to_world'], dtype=np.float64).reshape(4, 4)
    except (ValueError, KeyError, TypeError) as e:
        raise BadFileError(f'{path}: not a valid camera file ({e})') from e
    return cam
