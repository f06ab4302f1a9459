# Copyright (c) synthssl contributors.
"""Instance contours: Canny on the instance map, as Ren & Lee did (issue #4 of their repo)."""
from typing import Dict, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS


def instance_boundaries(ids: np.ndarray) -> np.ndarray:
    """(H, W) ids -> (H, W) float32 {0, 1}: pixels whose right or lower neighbour differs.

    The exact one-pixel boundary (every id change marked, on its upper/left side); no Canny.
    """
    ids = np.asarray(ids)
    edges = np.zeros(ids.shape, bool)
    edges[:, :-1] |= ids[:, 1:] != ids[:, :-1]
    edges[:-1] |= ids[1:] != ids[:-1]
    return edges.astype(np.float32)


def instance_contours(ids: np.ndarray, low_threshold: float = 1.0,
                      high_threshold: float = 2.0) -> np.ndarray:
    """(H, W) integer instance ids -> (H, W) float32 {0, 1} one-pixel Canny contours.

    Canny needs 8-bit input, so the ids are first relabelled to 0..K-1 (order preserved);
    with K <= 256 the labels are spread over 0..255, otherwise the low and high bytes are run
    separately and their edges OR-ed. Any change of id is then a step of at least 1 grey
    level, i.e. a Sobel (L1) gradient of at least 4, above the default thresholds, so every
    boundary between two instances yields a thin Canny line on one side of the boundary.
    Canny's non-maximum suppression can leave gaps of a pixel or two next to junctions of
    three or more instances (see :func:`instance_boundaries` for the exact alternative).
    """
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f'instance map must be (H, W), got shape {ids.shape}')
    _, compact = np.unique(ids, return_inverse=True)
    compact = compact.reshape(ids.shape)
    k = int(compact.max()) + 1 if compact.size else 1
    if k <= 1:
        return np.zeros(ids.shape, np.float32)
    if k <= 256:
        planes = [(compact * (255 // (k - 1))).astype(np.uint8)]
    else:
        planes = [(compact & 0xFF).astype(np.uint8), ((compact >> 8) & 0xFF).astype(np.uint8)]
        if k > 65536:
            planes.append(((compact >> 16) & 0xFF).astype(np.uint8))
    edges = np.zeros(ids.shape, bool)
    for plane in planes:
        edges |= cv2.Canny(np.ascontiguousarray(plane), low_threshold, high_threshold) > 0
    return edges.astype(np.float32)


@TRANSFORMS.register_module()
class InstanceToContour(BaseTransform):
    """Instance contours ``gt_contour`` from the instance map ``gt_instance``.

    Required keys: ``gt_instance`` (H, W) int. Added keys: ``gt_contour`` (H, W) float32 in
    {0, 1}; ``'contour'`` appended to ``tasks``. If the sample has no ``gt_instance`` but
    already carries a ``gt_contour`` (e.g. the authors' precomputed ``edge/`` files) that map
    is kept; with neither, a ``KeyError`` naming ``img_path`` is raised.

    Run it after the geometric transforms: contours recomputed at the final resolution stay
    one pixel thin, while resampling a contour map would break or thicken the lines.

    Args:
        low_threshold (float): Canny hysteresis low threshold on the 8-bit relabelled map.
        high_threshold (float): Canny high threshold. Defaults (1, 2) catch every id change.
        min_edge_pixels (int): the authors' loader rejected samples whose edge map had fewer
            than 350 pixels > 0 and drew another index at random. Set it (e.g. 350, a count
            at the resolution this transform runs at) to do the same: the transform then
            returns ``None`` and mmengine's ``BaseDataset`` re-draws a random index in
            training (``test_mode=False``; in test mode it raises). Default 0: off.
        overwrite (bool): recompute even when ``gt_contour`` is already present. Default
            True when ``gt_instance`` exists.
        method (str): 'canny' (default, the authors' method) or 'boundary' (exact id
            changes, :func:`instance_boundaries`; no gaps at junctions).
    """

    def __init__(self, low_threshold: float = 1.0, high_threshold: float = 2.0,
                 min_edge_pixels: int = 0, overwrite: bool = True,
                 method: str = 'canny') -> None:
        if method not in ('canny', 'boundary'):
            raise ValueError(f"method must be 'canny' or 'boundary', got {method!r}")
        self.method = method
        self.low_threshold = low_threshold
        self.high_threshold = high_threshold
        self.min_edge_pixels = int(min_edge_pixels)
        self.overwrite = overwrite

    def transform(self, results: Dict) -> Optional[Dict]:
        """Add ``gt_contour``; ``None`` if it has fewer than ``min_edge_pixels`` pixels."""
        if 'gt_instance' in results and (self.overwrite or 'gt_contour' not in results):
            if self.method == 'canny':
                results['gt_contour'] = instance_contours(
                    results['gt_instance'], self.low_threshold, self.high_threshold)
            else:
                results['gt_contour'] = instance_boundaries(results['gt_instance'])
            tasks = tuple(results.get('tasks', ()))
            if 'contour' not in tasks:
                results['tasks'] = tasks + ('contour', )
        elif 'gt_contour' not in results:
            raise KeyError(f"{results.get('img_path', '<sample>')}: InstanceToContour needs "
                           "'gt_instance' (or a precomputed 'gt_contour') in the sample")
        if self.min_edge_pixels > 0 and \
                int((results['gt_contour'] > 0).sum()) < self.min_edge_pixels:
            return None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(low_threshold={self.low_threshold}, '
                f'high_threshold={self.high_threshold}, '
                f'min_edge_pixels={self.min_edge_pixels}, overwrite={self.overwrite}, '
                f'method={self.method!r})')
