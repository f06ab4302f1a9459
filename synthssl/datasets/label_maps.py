# Copyright (c) synthssl contributors.
"""Named label mappings (source ids -> a target class set) for :class:`LoadSemanticMap`:
the AT/DT domains' label sets and their maps to the 11 CARLA classes, and the renderer's.

AT/DT (Zama Ramirez et al., ICCV'19) trains and evaluates semantic segmentation on the eleven
classes of its CARLA renders ("those available in the Carla simulator plus ... 'Sky'"). The
authors' CARLA ``Semantic/*.png`` already hold these ids; Cityscapes is converted with
``utils/utils.py::labels_cityscapes_to_carla`` of the released code (terrain, rider, truck, bus,
train and bicycle are ignored; car and motorcycle become car; traffic light and sign merge).

A *label mapping* is a dict ``source id -> CARLA id`` (or another target set); ids that are
not in the dict become ``ignore_index`` (255). :func:`label_lut` turns a named mapping into a
lookup table for :class:`~synthssl.datasets.transforms.LoadSemanticMap`.
"""
from functools import lru_cache
from typing import Dict, Tuple

import numpy as np

from synthssl.render.scene import CLASSES as RENDER_CLASSES

from .cityscapes_labels import CITYSCAPES_ID_TO_TRAINID

IGNORE_INDEX = 255

# ----------------------------------------------------------------------------- CARLA (11)
CARLA_CLASSES: Tuple[str, ...] = ('road', 'sidewalk', 'wall', 'fence', 'person', 'pole',
                                  'vegetation', 'car', 'traffic sign', 'building', 'sky')
# CARLA's CityScapesPalette colours of these classes.
CARLA_PALETTE = [[128, 64, 128], [244, 35, 232], [102, 102, 156], [190, 153, 153],
                 [220, 20, 60], [153, 153, 153], [107, 142, 35], [0, 0, 142], [220, 220, 0],
                 [70, 70, 70], [70, 130, 180]]

# The authors' CARLA files: ids 0..10 as above, everything else ignored.
CARLA11_TO_CARLA = {i: i for i in range(len(CARLA_CLASSES))}

# Raw CARLA semantic tags (CARLA 0.8 / 0.9 ``SemanticSegmentation`` camera, tag in the R
# channel): 0 none, 1 building, 2 fence, 3 other, 4 pedestrian, 5 pole, 6 road line, 7 road,
# 8 sidewalk, 9 vegetation, 10 vehicle, 11 wall, 12 traffic sign, 13 sky (0.9.10+). Road lines
# are painted on the road and count as road here (a choice; the authors' mapping is unknown).
CARLA_TAGS_TO_CARLA = {1: 9, 2: 3, 4: 4, 5: 5, 6: 0, 7: 0, 8: 1, 9: 6, 10: 7, 11: 2, 12: 8,
                       13: 10}

# ----------------------------------------------------------------------------- Cityscapes
# trainIds -> CARLA (the authors' labels_cityscapes_to_carla). Missing: terrain 9, rider 12,
# truck 14, bus 15, train 16, bicycle 18 -> ignored.
CITYSCAPES_TRAINID_TO_CARLA = {0: 0, 1: 1, 2: 9, 3: 2, 4: 3, 5: 5, 6: 8, 7: 8, 8: 6, 10: 10,
                               11: 4, 13: 7, 17: 7}
CITYSCAPES_ID_TO_CARLA = {i: CITYSCAPES_TRAINID_TO_CARLA[t]
                          for i, t in CITYSCAPES_ID_TO_TRAINID.items()
                          if t in CITYSCAPES_TRAINID_TO_CARLA}

# ----------------------------------------------------------------------------- SYNTHIA-SF
# Class ids of SYNTHIA-SF's GT*/ images (stored in the R channel of an RGB PNG), as listed in
# the dataset's README.
SYNTHIA_SF_CLASSES: Tuple[str, ...] = (
    'void', 'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
    'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus',
    'train', 'motorcycle', 'bicycle', 'road lines', 'other', 'road works')
# Same policy as Cityscapes -> CARLA; road lines count as road (as for raw CARLA tags).
SYNTHIA_SF_TO_CARLA = {1: 0, 2: 1, 3: 9, 4: 2, 5: 3, 6: 5, 7: 8, 8: 8, 9: 6, 11: 10, 12: 4,
                       14: 7, 18: 7, 20: 0}

# ----------------------------------------------------------------------------- KITTI
# The KITTI semantic benchmark (Alhaija et al., 2018; the 200 KITTI 2015 training images)
# stores Cityscapes labelIds, so KITTI -> CARLA is Cityscapes id -> CARLA.
KITTI_TO_CARLA = CITYSCAPES_ID_TO_CARLA

# ----------------------------------------------------------------------------- renderer
# synthssl's renderer: ids of synthssl.render.scene.CLASSES; 'void' (0, nothing hit) ignored.
RENDER_SEG_CLASSES: Tuple[str, ...] = tuple(RENDER_CLASSES[1:])
RENDER_TO_SEG = {i: i - 1 for i in range(1, len(RENDER_CLASSES))}
RENDER_PALETTE = [[0, 114, 178], [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66],
                  [213, 94, 0], [204, 121, 167], [153, 102, 51], [120, 120, 120],
                  [255, 255, 255]]

LABEL_MAPPINGS: Dict[str, Dict[int, int]] = {
    'carla11': CARLA11_TO_CARLA,
    'carla_tags': CARLA_TAGS_TO_CARLA,
    'cityscapes_trainid': CITYSCAPES_TRAINID_TO_CARLA,
    'cityscapes_id': CITYSCAPES_ID_TO_CARLA,
    'cityscapes_id_to_trainid': CITYSCAPES_ID_TO_TRAINID,
    'synthia_sf': SYNTHIA_SF_TO_CARLA,
    'kitti': KITTI_TO_CARLA,
    'render': RENDER_TO_SEG,
}


@lru_cache(maxsize=None)
def label_lut(name: str, size: int = 256, ignore_index: int = IGNORE_INDEX) -> np.ndarray:
    """(size,) uint8 lookup table of the named mapping (:data:`LABEL_MAPPINGS`): source id
    ``i`` -> ``lut[i]``; unmapped ids -> ``ignore_index``. Read-only."""
    if name not in LABEL_MAPPINGS:
        raise KeyError(f'unknown label mapping {name!r}; known: {sorted(LABEL_MAPPINGS)}')
    lut = np.full(size, ignore_index, dtype=np.uint8)
    for src, dst in LABEL_MAPPINGS[name].items():
        if src < size:
            lut[src] = dst
    lut.setflags(write=False)
    return lut


def apply_label_mapping(ids: np.ndarray, name: str,
                        ignore_index: int = IGNORE_INDEX) -> np.ndarray:
    """(H, W) integer ids -> (H, W) uint8 ids of the mapping's target set."""
    size = 65536 if ids.dtype == np.uint16 else 256
    if ids.dtype not in (np.uint8, np.uint16):
        if ids.min(initial=0) < 0 or ids.max(initial=0) > 65535:
            raise ValueError(f'label ids must lie in [0, 65535], got {ids.min()}..{ids.max()}')
        ids = ids.astype(np.uint16 if ids.max(initial=0) > 255 else np.uint8)
        size = 65536 if ids.dtype == np.uint16 else 256
    return label_lut(name, size, ignore_index)[ids]


def colorize_labels(ids: np.ndarray, palette, ignore_color=(0, 0, 0)) -> np.ndarray:
    """(H, W) class ids -> (H, W, 3) uint8 RGB with ``palette`` (ignored/unknown: black)."""
    pal = np.zeros((256, 3), dtype=np.uint8)
    pal[:] = ignore_color
    pal[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    return pal[np.clip(ids, 0, 255).astype(np.int64)]
