# Copyright (c) synthssl contributors.
"""Seeded procedural 2-D shape images: a tiny classification set for smoke runs.

Each image shows one filled shape (the class) on a random gradient background with a
second-colour texture and noise. Same seed and index, bit-identical image. No torch, no
mmengine: this module only paints arrays and writes files.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np

CLASSES = ('circle', 'square', 'triangle', 'star')


def _polygon(shape: str, center: np.ndarray, radius: float, angle: float) -> np.ndarray:
    """Vertices (K, 2) of a regular polygon / star, rotated by ``angle`` radians."""
    if shape == 'square':
        t = angle + np.pi / 4 + np.arange(4) * np.pi / 2
        r = np.full(4, radius)
    elif shape == 'triangle':
        t = angle + np.arange(3) * 2 * np.pi / 3
        r = np.full(3, radius)
    elif shape == 'star':
        t = angle + np.arange(10) * np.pi / 5
        r = np.where(np.arange(10) % 2 == 0, radius, radius * 0.45)
    else:
        raise ValueError(f'unknown polygon shape {shape!r}')
    return np.stack([center[0] + r * np.cos(t), center[1] + r * np.sin(t)], axis=1)


def paint_shape(label: int, size: int, seed: int, index: int) -> np.ndarray:
    """Paint one image.

    Args:
        label (int): class index into :data:`CLASSES`.
        size (int): image side in pixels.
        seed (int): dataset seed.
        index (int): image index; ``(seed, index)`` seeds the generator.

    Returns:
        np.ndarray: (size, size, 3) uint8 BGR image.
    """
    rng = np.random.default_rng([seed, index])
    c0, c1 = rng.uniform(0, 255, size=(2, 3))
    ramp = np.linspace(0, 1, size)[:, None] if rng.random() < 0.5 \
        else np.linspace(0, 1, size)[None, :]
    img = c0[None, None] * (1 - ramp[..., None]) + c1[None, None] * ramp[..., None]
    img = np.broadcast_to(img, (size, size, 3)).copy()
    # Stripes texture so that colour alone never gives the class away.
    freq = rng.uniform(2, 8)
    phase = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[:size, :size] / size
    stripes = np.sin(2 * np.pi * freq * (xx * np.cos(phase) + yy * np.sin(phase)))
    img += 25 * stripes[..., None]

    radius = rng.uniform(0.18, 0.35) * size
    center = rng.uniform(radius, size - radius, size=2)
    color = tuple(float(v) for v in rng.uniform(0, 255, size=3))
    shape = CLASSES[label]
    if shape == 'circle':
        cv2.circle(img, (int(center[0]), int(center[1])), int(radius), color, -1,
                   lineType=cv2.LINE_AA)
    else:
        pts = _polygon(shape, center, radius, rng.uniform(0, 2 * np.pi))
        cv2.fillPoly(img, [np.round(pts).astype(np.int32)], color, lineType=cv2.LINE_AA)
    img += rng.normal(0, 6, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def render_toy_shapes(out_dir: str,
                      num_train: int = 64,
                      num_val: int = 32,
                      size: int = 64,
                      seed: int = 0,
                      progress: Optional[callable] = None) -> Dict[str, List[str]]:
    """Write an ImageNet-style folder set ``out_dir/{train,val}/<class>/<idx>.png``.

    Re-running with the same arguments skips images that already exist.

    Args:
        out_dir (str): output root.
        num_train (int): training images (split evenly over the classes).
        num_val (int): validation images.
        size (int): image side.
        seed (int): dataset seed; train and val images never share ``(seed, index)``.
        progress (callable, optional): called with the number of images done.

    Returns:
        dict: split name -> list of written (or found) relative paths.
    """
    if num_train < len(CLASSES) or num_val < len(CLASSES):
        raise ValueError(f'need at least {len(CLASSES)} images per split '
                         f'(one per class), got train={num_train} val={num_val}')
    written: Dict[str, List[str]] = {}
    offset = 0
    done = 0
    for split, num in (('train', num_train), ('val', num_val)):
        written[split] = []
        for i in range(num):
            label = i % len(CLASSES)
            rel = osp.join(split, CLASSES[label], f'{offset + i:06d}.png')
            path = osp.join(out_dir, rel)
            if not osp.isfile(path):
                os.makedirs(osp.dirname(path), exist_ok=True)
                if not cv2.imwrite(path, paint_shape(label, size, seed, offset + i)):
                    raise OSError(f'could not write {path}')
            written[split].append(rel)
            done += 1
            if progress is not None:
                progress(done)
        offset += num
    with open(osp.join(out_dir, 'meta.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(classes=CLASSES, size=size, seed=seed, num_train=num_train,
                       num_val=num_val), f, indent=1)
    return written
