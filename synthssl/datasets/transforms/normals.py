# Copyright (c) synthssl contributors.
"""Surface normals from a depth map and the intrinsics (for datasets without normals)."""
from typing import Dict, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS


def backproject(depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(H, W) z-depth + (3, 3) K -> (H, W, 3) float64 camera-space points (OpenCV axes)."""
    h, w = depth.shape
    z = depth.astype(np.float64)
    u = np.arange(w, dtype=np.float64)[None, :]
    v = np.arange(h, dtype=np.float64)[:, None]
    y = (v - K[1, 2]) / K[1, 1] * z
    x = (u - K[0, 2] - K[0, 1] * (v - K[1, 2]) / K[1, 1]) / K[0, 0] * z
    return np.stack([x, y, z], axis=-1)


def _axis_derivative(points: np.ndarray, depth: np.ndarray, axis: int,
                     max_rel_jump: float) -> Tuple[np.ndarray, np.ndarray]:
    """Derivative of ``points`` along ``axis`` (0 rows, 1 columns) avoiding discontinuities.

    A one-sided neighbour is usable if its depth is valid and differs by at most
    ``max_rel_jump * z``. With both usable and consistent (their depth steps agree within
    half that tolerance) the central difference is used; otherwise the usable side with the
    smaller depth step. Returns the (H, W, 3) derivative and an (H, W) validity mask.
    """
    z = depth
    pad = [(1, 1) if a == axis else (0, 0) for a in range(2)]
    zp = np.pad(z, pad)
    pp = np.pad(points, pad + [(0, 0)])
    sl_prev = [slice(None)] * 2
    sl_next = [slice(None)] * 2
    sl_prev[axis] = slice(0, -2)
    sl_next[axis] = slice(2, None)
    z_prev, z_next = zp[tuple(sl_prev)], zp[tuple(sl_next)]
    p_prev, p_next = pp[tuple(sl_prev)], pp[tuple(sl_next)]
    valid = z > 0
    tol = max_rel_jump * z
    dz_f = z_next - z
    dz_b = z - z_prev
    ok_f = valid & (z_next > 0) & (np.abs(dz_f) <= tol)
    ok_b = valid & (z_prev > 0) & (np.abs(dz_b) <= tol)
    d_f = p_next - points
    d_b = points - p_prev
    central = ok_f & ok_b & (np.abs(dz_f - dz_b) <= 0.5 * tol)
    use_f = ~central & ok_f & (~ok_b | (np.abs(dz_f) <= np.abs(dz_b)))
    use_b = ~central & ok_b & ~use_f
    deriv = np.where(central[..., None], 0.5 * (d_f + d_b),
                     np.where(use_f[..., None], d_f, np.where(use_b[..., None], d_b, 0.0)))
    return deriv, central | use_f | use_b


def depth_to_normals(depth: np.ndarray, K: np.ndarray, max_rel_jump: float = 0.1) -> np.ndarray:
    """(H, W) z-depth in metres (0 invalid) + (3, 3) K -> (H, W, 3) float32 unit normals.

    Points are back-projected to camera space; the normal is the cross product of the
    derivatives along rows and columns (see :func:`_axis_derivative` for how depth
    discontinuities are avoided), oriented towards the camera (``n . p < 0``). Pixels with
    invalid depth, or with no usable neighbour along either axis, get (0, 0, 0).
    """
    depth = np.asarray(depth, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64).reshape(3, 3)
    pts = backproject(depth, K)
    du, ok_u = _axis_derivative(pts, depth, 1, max_rel_jump)
    dv, ok_v = _axis_derivative(pts, depth, 0, max_rel_jump)
    n = np.cross(dv, du)  # rows x columns = y x x = -z: faces an OpenCV camera
    flip = np.sum(n * pts, axis=-1) > 0
    n[flip] *= -1
    length = np.linalg.norm(n, axis=-1, keepdims=True)
    valid = ok_u & ok_v & (length[..., 0] > 1e-12)
    n = np.where(valid[..., None], n / np.maximum(length, 1e-12), 0.0)
    return n.astype(np.float32)


@TRANSFORMS.register_module()
class DepthToNormal(BaseTransform):
    """Compute ``gt_normal`` from ``gt_depth`` and ``K`` (SceneNet RGB-D ships no normals).

    Required keys: ``gt_depth`` (H, W) float32 metres (z-depth, 0 invalid), ``K`` (3, 3).
    Added keys: ``gt_normal`` (H, W, 3) float32 unit, OpenCV camera space, facing the
    camera, (0, 0, 0) where depth or its neighbours are invalid or across a depth
    discontinuity; ``'normal'`` appended to ``tasks``.

    Place it before the resizing transforms when possible (normals from full-resolution
    depth are smoother); after them it uses the updated ``K``, which is also correct.

    Args:
        max_rel_jump (float): a neighbour whose depth differs by more than this fraction of
            the pixel's depth is on the other side of a discontinuity. Default 0.1.
        overwrite (bool): replace an existing ``gt_normal``. Default False (keep file
            normals when the dataset has them).
    """

    def __init__(self, max_rel_jump: float = 0.1, overwrite: bool = False) -> None:
        self.max_rel_jump = max_rel_jump
        self.overwrite = overwrite

    def transform(self, results: Dict) -> Dict:
        """Add ``gt_normal`` computed from ``gt_depth`` and ``K``."""
        if 'gt_normal' in results and not self.overwrite:
            return results
        where = results.get('img_path', '<sample>')
        if 'gt_depth' not in results:
            raise KeyError(f"{where}: DepthToNormal needs 'gt_depth' in the sample")
        if results.get('K') is None:
            raise KeyError(f"{where}: DepthToNormal needs the intrinsics 'K' in the sample")
        results['gt_normal'] = depth_to_normals(results['gt_depth'], results['K'],
                                                self.max_rel_jump)
        tasks = tuple(results.get('tasks', ()))
        if 'normal' not in tasks:
            results['tasks'] = tasks + ('normal', )
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_rel_jump={self.max_rel_jump}, '
                f'overwrite={self.overwrite})')
