# Copyright (c) synthssl contributors.
"""Depth encodings of the AT/DT domains and the transform that loads them.

Every decoder returns (H, W) float32 metres with 0 = invalid. Encodings:

================  ===========================================================================
``carla_rgb``     8-bit RGB, ``(R + 256 G + 65536 B) / (2^24 - 1) * 1000`` m (CARLA's depth
                  camera; also what the authors' ``core/input.py`` applies to *every* PNG)
``synthia_sf``    8-bit RGB, ``(R + 256 G + 65536 B) / (2^24 - 1) * 5000`` m (SYNTHIA README;
                  the authors' code decodes it with the CARLA factor 1000 instead)
``uint16_mm``     16-bit, millimetres (synthssl's renderer, :mod:`synthssl.render.io`)
``uint16_256``    16-bit, metres * 256 (KITTI depth PNGs; the Cityscapes converter's output)
``disparity``     16-bit disparity, ``d = (p - disparity_offset) / 256`` px for
                  ``p > disparity_offset``; depth = ``focal_baseline / d`` with
                  ``focal_baseline`` = fx * baseline (px * m) from the sample. Cityscapes:
                  offset 1; KITTI stereo benchmark ``disp_occ*``: offset 0
``float_npy``     ``.npy`` float array in metres; non-finite or <= 0 -> invalid
================  ===========================================================================
"""
import os.path as osp
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.fileio import BadFileError, imread_checked
from synthssl.registry import TRANSFORMS

from .map_fields import add_seg_field, check_map_size

RGB24_MAX = float(2 ** 24 - 1)
CARLA_FAR_M = 1000.0
SYNTHIA_SF_FAR_M = 5000.0
DEPTH_ENCODINGS = ('carla_rgb', 'synthia_sf', 'uint16_mm', 'uint16_256', 'disparity',
                   'float_npy')


# --------------------------------------------------------------------------- codecs
def decode_rgb24(rgb: np.ndarray, far: float) -> np.ndarray:
    """(H, W, 3) uint8 **RGB** -> float32 metres ``(R + 256 G + 65536 B) / (2^24-1) * far``."""
    c = rgb.astype(np.float64)
    code = c[..., 0] + 256.0 * c[..., 1] + 65536.0 * c[..., 2]
    return (code / RGB24_MAX * far).astype(np.float32)


def encode_rgb24(depth_m: np.ndarray, far: float) -> np.ndarray:
    """Inverse of :func:`decode_rgb24`: (H, W) metres (invalid <= 0 / non-finite -> 0) ->
    (H, W, 3) uint8 RGB; depths beyond ``far`` are clipped to ``far``."""
    d = np.nan_to_num(np.asarray(depth_m, dtype=np.float64), nan=0., posinf=0., neginf=0.)
    code = np.round(np.clip(d, 0.0, far) / far * RGB24_MAX).astype(np.int64)
    return np.stack([code & 255, (code >> 8) & 255, (code >> 16) & 255], -1).astype(np.uint8)


def decode_disparity(p: np.ndarray, focal_baseline: float, offset: float = 0.0) -> np.ndarray:
    """(H, W) uint16 disparity PNG values -> float32 depth metres.

    ``d = (p - offset) / 256`` pixels for ``p > offset`` (else invalid, 0), depth =
    ``focal_baseline / d``. Cityscapes (README of cityscapesScripts): ``offset=1``, p = 0
    invalid; KITTI stereo ground truth: ``offset=0``.
    """
    p = p.astype(np.float64)
    valid = p > offset
    d = np.where(valid, (p - offset) / 256.0, 1.0)
    return np.where(valid, focal_baseline / d, 0.0).astype(np.float32)


def encode_uint16_256(depth_m: np.ndarray) -> np.ndarray:
    """(H, W) metres -> uint16 ``round(m * 256)``; invalid (<= 0, non-finite) and depths that
    do not fit (>= 256 m) -> 0."""
    d = np.nan_to_num(np.asarray(depth_m, dtype=np.float64), nan=0., posinf=0., neginf=0.)
    code = np.round(d * 256.0)
    code[(d <= 0) | (code > 65535)] = 0
    return code.astype(np.uint16)


def read_depth_file(path: str,
                    encoding: str,
                    focal_baseline: Optional[float] = None,
                    disparity_offset: float = 0.0) -> np.ndarray:
    """Decode the depth file ``path`` in ``encoding`` to (H, W) float32 metres (0 invalid).

    Raises ``FileNotFoundError`` / :class:`~synthssl.fileio.BadFileError` naming the file
    when it is missing, undecodable, or has the wrong dtype / channel count for ``encoding``.
    """
    if encoding in ('carla_rgb', 'synthia_sf'):
        bgr = imread_checked(path, ('uint8', ), 3, f'a {encoding} depth map (8-bit RGB)')
        far = CARLA_FAR_M if encoding == 'carla_rgb' else SYNTHIA_SF_FAR_M
        return decode_rgb24(bgr[..., ::-1], far)
    if encoding == 'uint16_mm':
        return imread_checked(path, ('uint16', ), 1, 'a uint16 millimetre depth map'
                              ).astype(np.float32) / 1000.0
    if encoding == 'uint16_256':
        return imread_checked(path, ('uint16', ), 1, 'a uint16 (metres * 256) depth map'
                              ).astype(np.float32) / 256.0
    if encoding == 'disparity':
        if focal_baseline is None or not focal_baseline > 0:
            raise ValueError(f'{path}: disparity needs the sample\'s focal_baseline '
                             f'(fx * baseline > 0), got {focal_baseline!r}')
        p = imread_checked(path, ('uint16', ), 1, 'a uint16 disparity map')
        return decode_disparity(p, float(focal_baseline), float(disparity_offset))
    if encoding == 'float_npy':
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: file does not exist')
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise BadFileError(f'{path}: not a readable .npy depth map ({e})') from e
        if arr.ndim == 3 and arr.shape[0] == 1:  # (1, H, W) or (H, W, 1)
            arr = arr[0]
        elif arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim != 2 or arr.dtype.kind != 'f':
            raise BadFileError(f'{path}: a float_npy depth map must be a 2-D float array, got '
                               f'{arr.dtype.name} of shape {arr.shape}')
        arr = np.where(np.isfinite(arr) & (arr > 0), arr, 0.0)
        return arr.astype(np.float32)
    raise ValueError(f'{path}: unknown depth encoding {encoding!r}; known: {DEPTH_ENCODINGS}')


@TRANSFORMS.register_module()
class LoadDepthMap(BaseTransform):
    """Load ``gt_depth_map`` (H, W) float32 metres, 0 = invalid, from ``depth_map_path``.

    The encoding is ``encoding`` if given, else the sample's ``depth_encoding`` (set by the AT/DT
    readers, :mod:`synthssl.datasets.atdt`). ``gt_depth_map`` is added to ``seg_fields`` so that
    mmseg's ``RandomCrop``, ``RandomFlip`` and ``Resize`` (nearest) apply to it as to the labels.
    Load the image first (e.g. ``LoadImageFromFile``): the map must then have its size.

    Required keys: ``depth_map_path`` (may be None: see ``missing``); for ``disparity``:
    ``focal_baseline`` and optionally ``disparity_offset``.
    Added keys: ``gt_depth_map``, ``depth_rescale_factor`` (1.0, as mmseg's
    ``LoadDepthAnnotation``), ``seg_fields`` (+ ``'gt_depth_map'``).

    Args:
        encoding (str, optional): one of :data:`DEPTH_ENCODINGS`; default: the sample's.
        missing (str): what a sample with no depth file (``depth_map_path`` None or ``''``) gets:
            ``'zeros'`` (default; an all-invalid map of the image's size, so that batches of
            domains without depth still collate) or ``'error'``.
    """

    def __init__(self, encoding: Optional[str] = None, missing: str = 'zeros') -> None:
        if encoding is not None and encoding not in DEPTH_ENCODINGS:
            raise ValueError(f'unknown depth encoding {encoding!r}; known: {DEPTH_ENCODINGS}')
        if missing not in ('zeros', 'error'):
            raise ValueError(f"missing must be 'zeros' or 'error', got {missing!r}")
        self.encoding = encoding
        self.missing = missing

    def transform(self, results: Dict) -> Dict:
        """Decode the depth map of ``results``; see the class docstring."""
        path = results.get('depth_map_path')
        if not path:
            if self.missing == 'error' or results.get('img') is None:
                raise ValueError(f'{results.get("img_path")}: sample has no depth_map_path '
                                 '(and no loaded image to size an all-invalid map)')
            depth = np.zeros(results['img'].shape[:2], dtype=np.float32)
        else:
            encoding = self.encoding or results.get('depth_encoding')
            if encoding is None:
                raise ValueError(f'{path}: no depth encoding: set LoadDepthMap(encoding=...) '
                                 'or the sample\'s depth_encoding')
            depth = read_depth_file(path, encoding, results.get('focal_baseline'),
                                    results.get('disparity_offset', 0.0))
            check_map_size(results, depth, path, 'depth map')
        results['gt_depth_map'] = depth
        results['depth_rescale_factor'] = 1.0
        add_seg_field(results, 'gt_depth_map')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(encoding={self.encoding!r}, missing={self.missing!r})'
