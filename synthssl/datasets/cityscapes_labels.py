# Copyright (c) synthssl contributors.
"""The Cityscapes label tables, defined once: the 19 evaluated classes and the labelId ->
trainId map (cityscapesscripts/helpers/labels.py, the ids whose trainId is not 255). CSG's
GTA5 reader and AT/DT's label mappings both use them; mmseg exposes no such table (its
converter and CityscapesMetric import cityscapesscripts, which is optional)."""
from typing import Dict, Tuple

import numpy as np

CITYSCAPES_CLASSES: Tuple[str, ...] = (
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign',
    'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
    'motorcycle', 'bicycle')

#: Cityscapes label ids of the 19 evaluated classes, in trainId order (trainId i <-> id
#: ``CITYSCAPES_TRAIN_LABEL_IDS[i]``); also the CSG authors' ``GTA5.trans_labels``.
CITYSCAPES_TRAIN_LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                              31, 32, 33)

#: labelId (of 34) -> trainId (of 19), for the 19 evaluated ids only.
CITYSCAPES_ID_TO_TRAINID: Dict[int, int] = {
    label_id: train_id for train_id, label_id in enumerate(CITYSCAPES_TRAIN_LABEL_IDS)}


def cityscapes_id_to_train_id(ignore_index: int = 255) -> Dict[int, int]:
    """``{label id: trainId}`` for every uint8 value 0..255: the 19 ids of
    :data:`CITYSCAPES_TRAIN_LABEL_IDS` map to 0..18, every other value to ``ignore_index``."""
    table = {v: ignore_index for v in range(256)}
    table.update(CITYSCAPES_ID_TO_TRAINID)
    return table


def cityscapes_id_to_train_id_lut(ignore_index: int = 255) -> np.ndarray:
    """(256,) uint8 look-up table of :func:`cityscapes_id_to_train_id` (``lut[ids]``)."""
    lut = np.full(256, ignore_index, dtype=np.uint8)
    lut[list(CITYSCAPES_TRAIN_LABEL_IDS)] = np.arange(len(CITYSCAPES_TRAIN_LABEL_IDS))
    return lut
