# Copyright (c) synthssl contributors.
"""Loading of the image and the dense multi-task targets of one sample.

The datasets (:mod:`synthssl.datasets`) only list file paths; this transform reads the
pixels. The sample dict (``data_info``) it understands:

=================  =========================================================================
key                meaning
=================  =========================================================================
``img_path``       colour image (PNG/JPEG), required
``depth_path``     uint16 depth PNG; ``depth_scale`` file units per metre (default 1000, i.e.
                   millimetres); ``depth_type`` ``'z'`` (default) or ``'ray'`` (distance from
                   the camera centre, as SceneNet RGB-D stores it; converted to z with ``K``)
``normal_path``    normal PNG; ``normal_encoding`` ``'uint16'`` (3 x 16 bit, 0..65535 -> [-1, 1],
                   synthssl and PBRS) or ``'uint8'`` (3 x 8 bit, v / 127.5 - 1, the authors'
                   ``_256.png`` and SceneNet MATLAB files); ``normal_axes`` ``'opencv'``
                   (default) or ``'pbrs'`` (PBRS camera frame: x right, y forward, z up)
``instance_path``  single-channel id PNG; ``instance_dtypes`` allowed dtypes (default uint8,
                   uint16)
``semantic_path``  single-channel id PNG; ``semantic_dtypes`` (default uint8, uint16)
``contour_path``   precomputed edge PNG (the authors' ``edge/`` files): pixels > 0 become 1
``camera_path``    synthssl camera JSON (:func:`synthssl.render.io.read_camera`); gives ``K``
                   and ``cam_to_world`` when ``K`` is not in the sample
``K``              (3, 3) intrinsics; ``K_size`` (W, H) the image size ``K`` refers to, if the
                   files may have been resized (``K`` is then rescaled to the loaded image)
=================  =========================================================================

Pixel-coordinate convention for ``K`` throughout synthssl: integer ``(u, v)`` is the centre
of pixel column ``u``, row ``v`` (OpenCV's).
"""
from typing import Dict, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.fileio import BadFileError, imread_checked
from synthssl.registry import TRANSFORMS
from synthssl.render.io import read_camera, read_depth, read_normal, read_rgb
from synthssl.structures import TASK_KEYS

_ID_DTYPES = ('uint8', 'uint16')


def clean_normals(n: np.ndarray, tol: float = 0.1) -> np.ndarray:
    """(H, W, 3) decoded normals -> float32 unit normals; vectors whose length differs from 1
    by more than ``tol`` (invalid / unknown pixels) become (0, 0, 0)."""
    length = np.linalg.norm(n, axis=-1, keepdims=True)
    valid = np.abs(length - 1.0) <= tol
    return np.ascontiguousarray(np.where(valid, n / np.maximum(length, 1e-6), 0.0),
                                dtype=np.float32)


def ray_to_z_depth(ray: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(H, W) distance along each pixel's ray -> (H, W) float32 z-depth (0 stays 0)."""
    h, w = ray.shape
    u = (np.arange(w, dtype=np.float64) - K[0, 2]) / K[0, 0]
    v = (np.arange(h, dtype=np.float64) - K[1, 2]) / K[1, 1]
    norm = np.sqrt(u[None, :] ** 2 + v[:, None] ** 2 + 1.0)
    return (ray / norm).astype(np.float32)


def pbrs_to_opencv_normals(n: np.ndarray) -> np.ndarray:
    """PBRS camera frame (x right, y forward, z up; ``convert_camera_normal.m``) -> OpenCV."""
    return np.stack([n[..., 0], -n[..., 2], n[..., 1]], axis=-1)


def scale_intrinsics(K: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Intrinsics of an image resized by (sx, sy), pixel centres at integer coordinates."""
    K = np.array(K, dtype=np.float64)
    K[0, 0] *= sx
    K[1, 1] *= sy
    K[0, 1] *= sx
    K[0, 2] = (K[0, 2] + 0.5) * sx - 0.5
    K[1, 2] = (K[1, 2] + 0.5) * sy - 0.5
    return K


@TRANSFORMS.register_module()
class LoadMultiTaskAnnotations(BaseTransform):
    """Load the image and whichever dense targets the sample lists.

    Required keys: ``img_path``. Optional keys: see the module docstring.

    Added keys: ``img`` (H, W, 3) uint8 in ``channel_order``; ``img_shape``, ``ori_shape``
    (H, W); ``K`` (3, 3) float64 if known; ``gt_depth`` (H, W) float32 metres (0 invalid);
    ``gt_normal`` (H, W, 3) float32 unit OpenCV-camera normals ((0,0,0) invalid);
    ``gt_instance`` / ``gt_semantic`` (H, W) int64; ``gt_contour`` (H, W) float32 in {0, 1};
    ``tasks`` the tuple of loaded target names; ``flip`` False.

    Every map must have the image's size, the dtype/channels of its encoding and be a
    decodable file; otherwise :class:`~synthssl.fileio.BadFileError` (or
    ``FileNotFoundError``) is raised with the offending file's path in the message.

    Args:
        channel_order (str): ``'bgr'`` (default, like mmcv's ``LoadImageFromFile`` and
            every mmpretrain config, so ``data_preprocessor.to_rgb=True`` applies) or
            ``'rgb'``.
        with_depth, with_normal, with_instance, with_semantic, with_contour (bool): load
            that target when the sample lists it. Default True.
        normal_validity_tol (float): decoded normals whose length differs from 1 by more
            than this are marked invalid (PBRS writes rotated garbage there); valid ones are
            renormalised. Default 0.1.
    """

    def __init__(self,
                 channel_order: str = 'bgr',
                 with_depth: bool = True,
                 with_normal: bool = True,
                 with_instance: bool = True,
                 with_semantic: bool = True,
                 with_contour: bool = True,
                 normal_validity_tol: float = 0.1) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.channel_order = channel_order
        self.with_depth = with_depth
        self.with_normal = with_normal
        self.with_instance = with_instance
        self.with_semantic = with_semantic
        self.with_contour = with_contour
        self.normal_validity_tol = normal_validity_tol

    # ------------------------------------------------------------------ per modality
    def _load_depth(self, results: Dict, K: Optional[np.ndarray]) -> np.ndarray:
        path = results['depth_path']
        depth = read_depth(path, scale_mm=float(results.get('depth_scale', 1000.0)))
        depth_type = results.get('depth_type', 'z')
        if depth_type == 'ray':
            if K is None:
                raise ValueError(f'{path}: ray-length depth needs intrinsics K to become '
                                 'z-depth, and the sample has none')
            depth = ray_to_z_depth(depth, K)
        elif depth_type != 'z':
            raise ValueError(f"{path}: unknown depth_type {depth_type!r} ('z' or 'ray')")
        return depth

    def _load_normal(self, results: Dict) -> np.ndarray:
        path = results['normal_path']
        encoding = results.get('normal_encoding', 'uint16')
        if encoding == 'uint16':
            n = read_normal(path)
        elif encoding == 'uint8':
            enc = imread_checked(path, ('uint8', ), 3, 'an 8-bit normal map')[..., ::-1]
            n = enc.astype(np.float32) / 127.5 - 1.0
        else:
            raise ValueError(f"{path}: unknown normal_encoding {encoding!r} "
                             "('uint16' or 'uint8')")
        axes = results.get('normal_axes', 'opencv')
        if axes == 'pbrs':
            n = pbrs_to_opencv_normals(n)
        elif axes != 'opencv':
            raise ValueError(f"{path}: unknown normal_axes {axes!r} ('opencv' or 'pbrs')")
        return clean_normals(n, self.normal_validity_tol)

    @staticmethod
    def _load_ids(path: str, dtypes: Sequence[str], what: str) -> np.ndarray:
        return imread_checked(path, tuple(dtypes), 1, what).astype(np.int64)

    # ------------------------------------------------------------------ main
    def transform(self, results: Dict) -> Dict:
        """Load the image and targets listed in ``results``; see the class docstring."""
        img_path = results['img_path']
        img = read_rgb(img_path)
        if self.channel_order == 'bgr':
            img = np.ascontiguousarray(img[..., ::-1])
        h, w = img.shape[:2]
        results['img'] = img
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        results.setdefault('flip', False)
        results.setdefault('flip_direction', None)

        K = results.get('K')
        if K is None and results.get('camera_path'):
            cam = read_camera(results['camera_path'])
            K = cam['K']
            results['cam_to_world'] = cam['cam_to_world']
        if K is not None:
            K = np.array(K, dtype=np.float64).reshape(3, 3)
            if results.get('K_size') is not None:
                kw, kh = results['K_size']
                if (kw, kh) != (w, h):
                    K = scale_intrinsics(K, w / kw, h / kh)
            results['K'] = K

        tasks = []
        loaders = [
            ('depth', self.with_depth, lambda: self._load_depth(results, K)),
            ('normal', self.with_normal, lambda: self._load_normal(results)),
            ('instance', self.with_instance, lambda: self._load_ids(
                results['instance_path'], results.get('instance_dtypes', _ID_DTYPES),
                'an instance id map')),
            ('semantic', self.with_semantic, lambda: self._load_ids(
                results['semantic_path'], results.get('semantic_dtypes', _ID_DTYPES),
                'a semantic id map')),
            ('contour', self.with_contour, lambda: (imread_checked(
                results['contour_path'], ('uint8', 'uint16'), 1, 'an edge map') > 0
            ).astype(np.float32)),
        ]
        for name, enabled, load in loaders:
            path = results.get(f'{name}_path')
            if not enabled or not path:
                continue
            arr = load()
            if arr.shape[:2] != (h, w):
                raise BadFileError(
                    f'{path}: {name} map is {arr.shape[1]}x{arr.shape[0]} (WxH) but the image '
                    f'{img_path} is {w}x{h}')
            results[TASK_KEYS[name]] = arr
            tasks.append(name)
        results['tasks'] = tuple(tasks)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(channel_order={self.channel_order!r}, '
                f'with_depth={self.with_depth}, with_normal={self.with_normal}, '
                f'with_instance={self.with_instance}, with_semantic={self.with_semantic}, '
                f'with_contour={self.with_contour})')
