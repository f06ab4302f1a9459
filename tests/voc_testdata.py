# Copyright (c) synthssl contributors.
"""A tiny PASCAL VOC tree (VOCdevkit/VOC2007 + VOC2012) of drawn rectangles, for the
detection-transfer tests: 160x120 JPEGs with 1-2 clearly coloured objects each, VOC XMLs
(1-based inclusive pixel boxes) and ImageSets/Main lists."""
import os
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np

W, H = 160, 120
# per image: (class, (xmin, ymin, xmax, ymax) 1-based inclusive, BGR colour)
Obj = Tuple[str, Tuple[int, int, int, int], Tuple[int, int, int]]
IMAGES: Dict[str, List[Obj]] = {
    '000001': [('car', (11, 21, 70, 80), (40, 40, 220)),
               ('dog', (96, 31, 145, 100), (220, 60, 40))],
    '000002': [('person', (41, 11, 100, 110), (40, 200, 40))],
    '000003': [('cat', (21, 41, 90, 100), (200, 40, 200)),
               ('bus', (111, 11, 150, 60), (30, 220, 230))],
    '000004': [('car', (61, 31, 140, 90), (40, 40, 220))],
}
SPLITS = {
    'VOC2007': dict(trainval=['000001', '000002'], test=['000003', '000004']),
    'VOC2012': dict(train=['000001', '000003'], val=['000002', '000004']),
}


def draw_image(objects: List[Obj], seed: int) -> np.ndarray:
    """(H, W, 3) uint8 BGR: a mildly noisy grey background with filled rectangles."""
    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 128., np.float64) + rng.normal(0., 4., (H, W, 3))
    for _, (x1, y1, x2, y2), colour in objects:
        img[y1 - 1:y2, x1 - 1:x2] = np.asarray(colour, np.float64) + rng.normal(0., 4., 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def voc_xml(img_id: str, objects: List[Obj]) -> str:
    objs = ''.join(
        f'<object><name>{name}</name><pose>Unspecified</pose><truncated>0</truncated>'
        f'<difficult>0</difficult><bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin>'
        f'<xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>'
        for name, (x1, y1, x2, y2), _ in objects)
    return (f'<annotation><folder>VOC</folder><filename>{img_id}.jpg</filename>'
            f'<size><width>{W}</width><height>{H}</height><depth>3</depth></size>'
            f'<segmented>0</segmented>{objs}</annotation>\n')


def make_tiny_voc(root: str) -> str:
    """Writes ``root/VOCdevkit/{VOC2007,VOC2012}``; returns the VOCdevkit path."""
    devkit = osp.join(root, 'VOCdevkit')
    for year, splits in SPLITS.items():
        base = osp.join(devkit, year)
        for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
            os.makedirs(osp.join(base, sub), exist_ok=True)
        for n, (img_id, objects) in enumerate(IMAGES.items()):
            cv2.imwrite(osp.join(base, 'JPEGImages', f'{img_id}.jpg'), draw_image(objects, n),
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            with open(osp.join(base, 'Annotations', f'{img_id}.xml'), 'w') as f:
                f.write(voc_xml(img_id, objects))
        for split, ids in splits.items():
            with open(osp.join(base, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
                f.write(''.join(i + '\n' for i in ids))
    return devkit


def gt_boxes_0based(img_id: str) -> np.ndarray:
    """(G, 4) float ground truth of an image, 0-based inclusive (mmdet's ``minus_one``)."""
    return np.array([[c - 1 for c in box] for _, box, _ in IMAGES[img_id]], np.float64)
