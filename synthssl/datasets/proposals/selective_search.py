# Copyright (c) synthssl contributors.
"""Selective search object proposals (Uijlings et al., IJCV 2013), the proposals of Fast R-CNN.

Per *strategy* (colour space x Felzenszwalb threshold ``k`` x similarity combination):

1. Felzenszwalb-Huttenlocher over-segmentation of the image converted to the colour space
   (``skimage.segmentation.felzenszwalb(scale=k, sigma=0.8, min_size=k)``, as the authors).
2. Hierarchical grouping: repeatedly merge the two most similar *adjacent* regions until one
   region is left. Similarity = sum of the selected measures, each in [0, 1]:
   ``C`` colour (histogram intersection, 25 bins per channel), ``T`` texture (intersection of
   histograms of Gaussian derivatives, sigma 1, 8 orientations x 10 bins per channel),
   ``S`` size ``1 - (|r_i| + |r_j|) / |im|``, ``F`` fill
   ``1 - (|BB_ij| - |r_i| - |r_j|) / |im|``. Merged histograms are size-weighted means.
3. Every region of the hierarchy (initial and merged) gives a box.

Ranking (paper Sec. 4.3): the ``n`` regions of a strategy get position ``n - index`` (the
final whole-image region is 1, the first initial region ``n``), times a uniform random number;
all strategies' boxes are sorted by that value, duplicates keep their best entry.

Presets: ``'single'`` (HSV, k=100, C+T+S+F), ``'fast'`` (HSV, Lab x k 50, 100 x C+T+S+F, T+S+F;
what R-CNN / Fast R-CNN used) and ``'quality'`` (HSV, Lab, rgI, H, I x k 50, 100, 150, 300 x
C+T+S+F, T+S+F, F, S).
"""
import heapq
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from scipy import ndimage
from skimage.color import rgb2hsv, rgb2lab
from skimage.segmentation import felzenszwalb

__all__ = ['selective_search', 'STRATEGY_PRESETS', 'COLOUR_SPACES']

COLOUR_SPACES = ('hsv', 'lab', 'rgi', 'h', 'i', 'rgb')
STRATEGY_PRESETS: Dict[str, Dict[str, Tuple]] = dict(
    single=dict(colour_spaces=('hsv', ), ks=(100, ), similarities=('CTSF', )),
    fast=dict(colour_spaces=('hsv', 'lab'), ks=(50, 100), similarities=('CTSF', 'TSF')),
    quality=dict(colour_spaces=('hsv', 'lab', 'rgi', 'h', 'i'), ks=(50, 100, 150, 300),
                 similarities=('CTSF', 'TSF', 'F', 'S')))
COLOUR_BINS = 25
TEXTURE_BINS = 10


def convert_colour(image: np.ndarray, space: str) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float64 (H, W, C) in [0, 1] in ``space`` (C = 3 or 1)."""
    rgb = image.astype(np.float64) / 255.
    if space == 'rgb':
        return rgb
    if space in ('hsv', 'h'):
        hsv = rgb2hsv(rgb)
        return hsv if space == 'hsv' else hsv[..., :1]
    if space == 'lab':
        lab = rgb2lab(rgb)
        lab[..., 0] /= 100.
        lab[..., 1:] = (lab[..., 1:] + 128.) / 255.
        return np.clip(lab, 0., 1.)
    if space in ('rgi', 'i'):
        total = rgb.sum(-1, keepdims=True)
        intensity = total / 3.
        if space == 'i':
            return intensity
        chroma = np.divide(rgb[..., :2], total, out=np.full_like(rgb[..., :2], 1 / 3),
                           where=total > 0)
        return np.concatenate([chroma, intensity], -1)
    raise ValueError(f'selective_search: unknown colour space {space!r}; expected one of '
                     f'{COLOUR_SPACES}')


def _quantise(values: np.ndarray, bins: int) -> np.ndarray:
    """Values in [0, 1] (H, W, C) -> bin index in [0, bins) (int64)."""
    return np.minimum((values * bins).astype(np.int64), bins - 1)


def texture_responses(image: np.ndarray) -> np.ndarray:
    """Gaussian derivatives (sigma 1) in 8 orientations per channel, each map scaled to [0, 1].

    Args:
        image (ndarray): (H, W, C) float in [0, 1].

    Returns:
        ndarray: (H, W, C * 8): for 0, 45, 90, 135 degrees the positive and the negative part
        of the directional derivative.
    """
    maps = []
    for c in range(image.shape[-1]):
        gy = ndimage.gaussian_filter(image[..., c], sigma=1., order=(1, 0))
        gx = ndimage.gaussian_filter(image[..., c], sigma=1., order=(0, 1))
        for theta in np.deg2rad([0., 45., 90., 135.]):
            d = np.cos(theta) * gx + np.sin(theta) * gy
            for part in (np.maximum(d, 0.), np.maximum(-d, 0.)):
                peak = part.max()
                maps.append(part / peak if peak > 0 else part)
    return np.stack(maps, -1)


def _region_histograms(labels: np.ndarray, num: int, bins: np.ndarray,
                       num_bins: int) -> np.ndarray:
    """Per-region L1-normalised concatenated histograms.

    Args:
        labels (ndarray): (H, W) region ids in [0, num).
        bins (ndarray): (H, W, D) bin index in [0, num_bins) per feature channel.

    Returns:
        ndarray: (num, D * num_bins) float64, rows sum to 1.
    """
    d = bins.shape[-1]
    idx = (labels[..., None] * d + np.arange(d)) * num_bins + bins
    hist = np.bincount(idx.ravel(), minlength=num * d * num_bins).astype(np.float64)
    hist = hist.reshape(num, d * num_bins)
    return hist / np.maximum(hist.sum(1, keepdims=True), 1e-12)


def _adjacent_pairs(labels: np.ndarray, num: int) -> np.ndarray:
    """(P, 2) sorted unique pairs (i < j) of 4-connected touching regions."""
    a = np.concatenate([labels[:, :-1].ravel(), labels[:-1, :].ravel()])
    b = np.concatenate([labels[:, 1:].ravel(), labels[1:, :].ravel()])
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    codes = np.unique(lo.astype(np.int64) * num + hi)
    return np.stack([codes // num, codes % num], 1)


def _similarity(measures: str, i: int, js: np.ndarray, size: np.ndarray, box: np.ndarray,
                colour: np.ndarray, texture: np.ndarray, im_size: float) -> np.ndarray:
    """Similarity of region ``i`` (or regions ``i`` when an array) to regions ``js``."""
    s = np.zeros(len(js))
    if 'C' in measures:
        s += np.minimum(colour[i], colour[js]).sum(-1)
    if 'T' in measures:
        s += np.minimum(texture[i], texture[js]).sum(-1)
    if 'S' in measures:
        s += 1. - (size[i] + size[js]) / im_size
    if 'F' in measures:
        x1 = np.minimum(box[i, 0], box[js, 0])
        y1 = np.minimum(box[i, 1], box[js, 1])
        x2 = np.maximum(box[i, 2], box[js, 2])
        y2 = np.maximum(box[i, 3], box[js, 3])
        bb = (x2 - x1 + 1) * (y2 - y1 + 1)
        s += 1. - (bb - size[i] - size[js]) / im_size
    return s


def hierarchical_grouping(labels: np.ndarray, colour_bins: np.ndarray,
                          texture_bins: np.ndarray, measures: str) -> np.ndarray:
    """Greedy merging of the most similar adjacent regions (Uijlings et al. Alg. 1).

    Args:
        labels (ndarray): (H, W) over-segmentation, ids 0..R-1.
        colour_bins (ndarray): (H, W, C) colour bin indices in [0, 25).
        texture_bins (ndarray): (H, W, 8C) texture bin indices in [0, 10).
        measures (str): letters of ``'CTSF'`` to sum.

    Returns:
        ndarray: (2R - 1, 4) int boxes x1, y1, x2, y2 (inclusive pixels) of the initial
        regions followed by the merged ones in merge order (the last is the whole image).
    """
    if not measures or set(measures) - set('CTSF'):
        raise ValueError(f'selective_search: similarity must be letters of CTSF, got '
                         f'{measures!r}')
    num = int(labels.max()) + 1
    total = 2 * num - 1
    im_size = float(labels.size)
    size = np.zeros(total)
    size[:num] = np.bincount(labels.ravel(), minlength=num)
    box = np.zeros((total, 4), np.int64)
    for r, sl in enumerate(ndimage.find_objects(labels + 1)):
        box[r] = (sl[1].start, sl[0].start, sl[1].stop - 1, sl[0].stop - 1)
    colour = np.zeros((total, colour_bins.shape[-1] * COLOUR_BINS))
    texture = np.zeros((total, texture_bins.shape[-1] * TEXTURE_BINS))
    if 'C' in measures:
        colour[:num] = _region_histograms(labels, num, colour_bins, COLOUR_BINS)
    if 'T' in measures:
        texture[:num] = _region_histograms(labels, num, texture_bins, TEXTURE_BINS)

    pairs = _adjacent_pairs(labels, num)
    neighbours: List[set] = [set() for _ in range(num)]
    for i, j in pairs.tolist():
        neighbours[i].add(j)
        neighbours[j].add(i)
    sims = _similarity(measures, pairs[:, 0], pairs[:, 1], size, box, colour, texture,
                       im_size)
    # Max-heap of (similarity, i, j); entries with a merged-away region are skipped on pop.
    heap = [(-s, i, j) for s, (i, j) in zip(sims.tolist(), pairs.tolist())]
    heapq.heapify(heap)
    alive = np.zeros(total, bool)
    alive[:num] = True
    t = num
    while heap:
        _, i, j = heapq.heappop(heap)
        if not (alive[i] and alive[j]):
            continue
        size[t] = size[i] + size[j]
        box[t, :2] = np.minimum(box[i, :2], box[j, :2])
        box[t, 2:] = np.maximum(box[i, 2:], box[j, 2:])
        colour[t] = (size[i] * colour[i] + size[j] * colour[j]) / size[t]
        texture[t] = (size[i] * texture[i] + size[j] * texture[j]) / size[t]
        alive[i] = alive[j] = False
        alive[t] = True
        nb = (neighbours[i] | neighbours[j]) - {i, j}
        for n in nb:
            neighbours[n].discard(i)
            neighbours[n].discard(j)
            neighbours[n].add(t)
        neighbours.append(nb)
        if nb:
            js = np.fromiter(nb, np.int64, len(nb))
            for s, n in zip(_similarity(measures, t, js, size, box, colour, texture,
                                        im_size).tolist(), js.tolist()):
                heapq.heappush(heap, (-s, t, n))
        t += 1
    # A disconnected adjacency graph (impossible for a segmentation of one image) would stop
    # early; only boxes of regions that exist are returned.
    return box[:t]


def selective_search(image: np.ndarray,
                     mode: str = 'fast',
                     colour_spaces: Optional[Sequence[str]] = None,
                     ks: Optional[Sequence[int]] = None,
                     similarities: Optional[Sequence[str]] = None,
                     sigma: float = 0.8,
                     max_boxes: Optional[int] = 2000,
                     min_box_size: int = 2,
                     max_side: Optional[int] = 500,
                     seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Selective search proposals of one RGB image, best first.

    Args:
        image (ndarray): (H, W, 3) uint8 RGB (or (H, W) grey).
        mode (str): ``'single'``, ``'fast'`` or ``'quality'`` preset; ``colour_spaces``,
            ``ks``, ``similarities`` override its parts.
        sigma (float): Gaussian smoothing of Felzenszwalb's algorithm.
        max_boxes (int | None): keep the best this many boxes.
        min_box_size (int): drop boxes narrower or lower than this (Fast R-CNN: 2 px), in
            pixels of the original image.
        max_side (int | None): images with a longer side are downscaled to it before the search
            (R-CNN ran "fast" mode at width 500); boxes are mapped back.
        seed (int): seed of the random ranking factor.

    Returns:
        tuple[ndarray, ndarray]: boxes (N, 4) float32 x1, y1, x2, y2, 0-based inclusive
        pixels of ``image`` (the VOC/mmdet convention after its ``minus_one``), and scores
        (N,) float32 in (0, 1], non-increasing (``1 / (1 + rank value)``).
    """
    if mode not in STRATEGY_PRESETS:
        raise ValueError(f'selective_search: unknown mode {mode!r}; expected one of '
                         f'{sorted(STRATEGY_PRESETS)}')
    preset = STRATEGY_PRESETS[mode]
    colour_spaces = tuple(colour_spaces or preset['colour_spaces'])
    ks = tuple(ks or preset['ks'])
    similarities = tuple(similarities or preset['similarities'])
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, -1)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f'selective_search: expected an (H, W, 3) uint8 RGB image, got '
                         f'{image.shape} {image.dtype}')
    h, w = image.shape[:2]
    scale = 1.
    if max_side is not None and max(h, w) > max_side:
        scale = max_side / max(h, w)
        image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)

    rng = np.random.default_rng(seed)
    all_boxes, all_rank = [], []
    for space in colour_spaces:
        converted = convert_colour(image, space)
        colour_bins = _quantise(converted, COLOUR_BINS)
        texture_bins = _quantise(texture_responses(converted), TEXTURE_BINS)
        for k in ks:
            labels = felzenszwalb(converted, scale=k, sigma=sigma, min_size=int(k),
                                  channel_axis=-1)
            labels = np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
            for measures in similarities:
                boxes = hierarchical_grouping(labels, colour_bins, texture_bins, measures)
                position = np.arange(len(boxes), 0, -1, dtype=np.float64)
                all_boxes.append(boxes)
                all_rank.append(position * rng.random(len(boxes)))
    boxes = np.concatenate(all_boxes)
    rank = np.concatenate(all_rank)
    order = np.argsort(rank, kind='stable')
    boxes, rank = boxes[order], rank[order]
    _, first = np.unique(boxes, axis=0, return_index=True)
    first = np.sort(first)
    boxes, rank = boxes[first].astype(np.float64), rank[first]
    if scale != 1.:
        boxes = np.round((boxes + 0.5) / scale - 0.5)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w - 1)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h - 1)
    keep = ((boxes[:, 2] - boxes[:, 0] + 1 >= min_box_size)
            & (boxes[:, 3] - boxes[:, 1] + 1 >= min_box_size))
    boxes, rank = boxes[keep], rank[keep]
    if scale != 1.:  # rescaling can map different boxes onto one
        _, first = np.unique(boxes, axis=0, return_index=True)
        first = np.sort(first)
        boxes, rank = boxes[first], rank[first]
    if max_boxes is not None:
        boxes, rank = boxes[:max_boxes], rank[:max_boxes]
    return boxes.astype(np.float32), (1. / (1. + rank)).astype(np.float32)
