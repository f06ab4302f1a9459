# Copyright (c) synthssl contributors.
"""Paired geometric augmentation: the image and every dense target move together.

The image is interpolated (bilinear by default, or area / bicubic); the dense targets listed
in :data:`~synthssl.structures.DENSE_KEYS` are always resampled with
nearest neighbour, so depth, normals, ids and contours never blend values across object
edges. The intrinsics ``K`` follow (pixel centres at integer coordinates):
resize ``fx *= sx, cx = (cx + 0.5) * sx - 0.5``; crop ``cx -= x0``; horizontal flip
``cx = W - 1 - cx``. A horizontal flip mirrors the scene, so the normal's x component is
negated (y for a vertical flip); depth is unchanged.

Ren & Lee resized every modality with skimage's anti-aliased interpolation and never
flipped; the nearest-neighbour targets here are the deliberate, correct deviation.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.image import rescale_size
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS
from synthssl.structures import DENSE_KEYS

from .loading import scale_intrinsics

_INTERP = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR, area=cv2.INTER_AREA,
               bicubic=cv2.INTER_CUBIC)


def _nearest_resize(arr: np.ndarray, w: int, h: int) -> np.ndarray:
    """Pixel-centre nearest-neighbour resize of (H, W[, C]) of any dtype."""
    src_h, src_w = arr.shape[:2]
    rows = np.minimum(((np.arange(h) + 0.5) * src_h / h).astype(np.int64), src_h - 1)
    cols = np.minimum(((np.arange(w) + 0.5) * src_w / w).astype(np.int64), src_w - 1)
    return np.ascontiguousarray(arr[rows][:, cols])


def _crop_size(crop_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(crop_size, int):
        return crop_size, crop_size
    h, w = crop_size
    return int(h), int(w)


def _apply_crop(results: Dict, y0: int, x0: int, ch: int, cw: int) -> Dict:
    results['img'] = np.ascontiguousarray(results['img'][y0:y0 + ch, x0:x0 + cw])
    for key in DENSE_KEYS:
        if key in results:
            results[key] = np.ascontiguousarray(results[key][y0:y0 + ch, x0:x0 + cw])
    if results.get('K') is not None:
        K = np.array(results['K'], dtype=np.float64)
        K[0, 2] -= x0
        K[1, 2] -= y0
        results['K'] = K
    results['img_shape'] = (ch, cw)
    results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
    return results


def _check_crop(results: Dict, ch: int, cw: int) -> Tuple[int, int]:
    h, w = results['img'].shape[:2]
    if h < ch or w < cw:
        raise ValueError(f"{results.get('img_path', '<sample>')}: image {w}x{h} (WxH) is "
                         f'smaller than the crop {cw}x{ch}; resize it first')
    return h, w


@TRANSFORMS.register_module()
class MultiTaskResize(BaseTransform):
    """Resize the image (interpolated) and the dense targets (nearest) to one size.

    Required keys: ``img``. Modified: ``img``, the present dense targets, ``K``,
    ``img_shape``. Added: ``scale_factor`` (w_scale, h_scale).

    Args:
        scale (int | tuple[int, int], optional): target (w, h) as in mmcv's ``Resize``; an
            int means (scale, scale). With ``keep_ratio`` the image is rescaled to fit it.
        scale_factor (float | tuple[float, float], optional): a factor instead of a size.
        short_edge (int, optional): resize so the shorter side has this length, keeping the
            aspect ratio (mmpretrain ``ResizeEdge(edge='short')``), e.g. before a random crop
            of real photos. Exactly one of ``scale``, ``scale_factor``, ``short_edge``.
        keep_ratio (bool): keep the aspect ratio (mmcv ``rescale_size`` rule). Default False
            (Ren & Lee squash to 256 x 256).
        interpolation (str): for the image: 'bilinear' (default), 'area', 'bicubic',
            'nearest'. Dense targets are always nearest.
    """

    def __init__(self,
                 scale: Optional[Union[int, Tuple[int, int]]] = None,
                 scale_factor: Optional[Union[float, Tuple[float, float]]] = None,
                 keep_ratio: bool = False,
                 interpolation: str = 'bilinear',
                 short_edge: Optional[int] = None) -> None:
        if sum(x is not None for x in (scale, scale_factor, short_edge)) != 1:
            raise ValueError('give exactly one of scale, scale_factor and short_edge')
        if interpolation not in _INTERP:
            raise ValueError(f'interpolation must be one of {sorted(_INTERP)}, '
                             f'got {interpolation!r}')
        self.scale = (scale, scale) if isinstance(scale, int) else scale
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation
        self.short_edge = short_edge

    def _target_size(self, w: int, h: int) -> Tuple[int, int]:
        if self.short_edge is not None:
            s = self.short_edge / min(w, h)
            return max(1, int(round(w * s))), max(1, int(round(h * s)))
        if self.scale is not None:
            if self.keep_ratio:
                return rescale_size((w, h), tuple(self.scale))
            return int(self.scale[0]), int(self.scale[1])
        sf = self.scale_factor
        sx, sy = (sf, sf) if isinstance(sf, (int, float)) else sf
        if self.keep_ratio:
            sy = sx
        return max(1, int(round(w * sx))), max(1, int(round(h * sy)))

    def transform(self, results: Dict) -> Dict:
        """Resize ``img`` and the dense targets; rescale ``K``."""
        img = results['img']
        h, w = img.shape[:2]
        nw, nh = self._target_size(w, h)
        if (nw, nh) != (w, h):
            results['img'] = cv2.resize(img, (nw, nh),
                                        interpolation=_INTERP[self.interpolation])
            for key in DENSE_KEYS:
                if key in results:
                    results[key] = _nearest_resize(results[key], nw, nh)
            if results.get('K') is not None:
                results['K'] = scale_intrinsics(results['K'], nw / w, nh / h)
        results['img_shape'] = (nh, nw)
        results['scale_factor'] = (nw / w, nh / h)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'scale_factor={self.scale_factor}, short_edge={self.short_edge}, '
                f'keep_ratio={self.keep_ratio}, interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class MultiTaskRandomCrop(BaseTransform):
    """Crop the same random window from the image and every dense target.

    Required keys: ``img``. Modified: ``img``, dense targets, ``K`` (principal point shifted),
    ``img_shape``. Added: ``crop_bbox`` (x0, y0, x1, y1). The image must be at least as
    large as the crop (``ValueError`` naming ``img_path`` otherwise).

    Args:
        crop_size (int | tuple[int, int]): (h, w), or an int for a square (mmpretrain's
            ``RandomCrop`` convention). Ren & Lee: 227.
    """

    def __init__(self, crop_size: Union[int, Sequence[int]]) -> None:
        self.crop_size = _crop_size(crop_size)

    def transform(self, results: Dict) -> Dict:
        """Crop a random (h, w) window."""
        ch, cw = self.crop_size
        h, w = _check_crop(results, ch, cw)
        y0 = int(np.random.randint(0, h - ch + 1))
        x0 = int(np.random.randint(0, w - cw + 1))
        return _apply_crop(results, y0, x0, ch, cw)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class MultiTaskCenterCrop(MultiTaskRandomCrop):
    """Crop the central (h, w) window of the image and every dense target (see
    :class:`MultiTaskRandomCrop`)."""

    def transform(self, results: Dict) -> Dict:
        """Crop the central (h, w) window."""
        ch, cw = self.crop_size
        h, w = _check_crop(results, ch, cw)
        return _apply_crop(results, (h - ch) // 2, (w - cw) // 2, ch, cw)


@TRANSFORMS.register_module()
class MultiTaskRandomFlip(BaseTransform):
    """Flip the image and every dense target together with probability ``prob``.

    Required keys: ``img``. Modified: ``img``, dense targets, ``gt_normal`` (x negated for a
    horizontal flip, y for a vertical one), ``K`` (``cx = W - 1 - cx`` / ``cy = H - 1 - cy``).
    Added: ``flip`` (bool), ``flip_direction`` (str or None).

    Args:
        prob (float): flip probability. Default 0.5.
        direction (str): 'horizontal' (default) or 'vertical'.
    """

    def __init__(self, prob: float = 0.5, direction: str = 'horizontal') -> None:
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"direction must be 'horizontal' or 'vertical', got {direction!r}")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.direction = direction

    def transform(self, results: Dict) -> Dict:
        """Flip (or not) and record ``flip``/``flip_direction``."""
        if np.random.rand() >= self.prob:
            results['flip'] = False
            results['flip_direction'] = None
            return results
        axis = 1 if self.direction == 'horizontal' else 0
        results['img'] = np.ascontiguousarray(np.flip(results['img'], axis=axis))
        for key in DENSE_KEYS:
            if key in results:
                results[key] = np.ascontiguousarray(np.flip(results[key], axis=axis))
        if 'gt_normal' in results:
            n = results['gt_normal'].copy()
            comp = 0 if axis == 1 else 1
            n[..., comp] = -n[..., comp]
            n[n == 0] = 0.0  # no negative zeros in invalid pixels
            results['gt_normal'] = n
        if results.get('K') is not None:
            h, w = results['img'].shape[:2]
            K = np.array(results['K'], dtype=np.float64)
            if axis == 1:
                K[0, 2] = w - 1 - K[0, 2]
                K[0, 1] = -K[0, 1]
            else:
                K[1, 2] = h - 1 - K[1, 2]
            results['K'] = K
        results['flip'] = True
        results['flip_direction'] = self.direction
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, direction={self.direction!r})'
