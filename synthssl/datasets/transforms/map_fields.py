# Copyright (c) synthssl contributors.
"""What the loaders of extra dense maps (depth, remapped semantics) share: the map must
match the image's size, and its key joins ``seg_fields`` so that mmcv/mmseg geometric
transforms resample it with nearest neighbour."""
from typing import Dict

import numpy as np

from synthssl.fileio import BadFileError


def check_map_size(results: Dict, arr: np.ndarray, path: str, what: str) -> None:
    """:class:`BadFileError` naming both files unless ``arr`` (H, W[, C]) has the (H, W) of
    ``results['img']`` (no check before an image is loaded)."""
    img = results.get('img')
    if img is not None and arr.shape[:2] != img.shape[:2]:
        raise BadFileError(f'{path}: {what} is {arr.shape[1]}x{arr.shape[0]} (WxH) but the '
                           f'image {results.get("img_path")} is {img.shape[1]}x{img.shape[0]}')


def add_seg_field(results: Dict, key: str) -> None:
    """Append ``key`` to ``results['seg_fields']`` once."""
    fields = results.setdefault('seg_fields', [])
    if key not in fields:
        fields.append(key)
