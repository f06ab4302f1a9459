# Copyright (c) synthssl contributors.
"""Checked reading of dataset files: every failure is an exception naming the file and the
problem, never a silent ``None`` or a wrong-typed array. Used by the dataset readers, the
transforms and the renderer's own format (:mod:`synthssl.render.io`). No torch, no mmengine.
"""
import json
import os.path as osp
from typing import Any, Optional

import cv2
import numpy as np


class BadFileError(ValueError):
    """A dataset file that exists but cannot be used; the message names the file."""


def imread(path: str, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """``cv2.imread`` that raises ``FileNotFoundError`` / :class:`BadFileError` naming
    ``path`` for a missing or undecodable (truncated, corrupt) file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file does not exist')
    img = cv2.imread(path, flags)
    if img is None:
        raise BadFileError(f'{path}: not a readable image (truncated or corrupt?)')
    return img


def check_image(path: str, img: np.ndarray, dtypes, channels: Optional[int],
                what: str) -> None:
    """:class:`BadFileError` naming ``path`` unless ``img`` is one of ``dtypes`` (a dtype or
    a sequence of them) with ``channels`` channels (None: any)."""
    dtypes = tuple(np.dtype(d).name for d in (dtypes if isinstance(dtypes, (tuple, list))
                                                 else (dtypes, )))
    got_c = 1 if img.ndim == 2 else img.shape[2]
    if img.dtype.name not in dtypes or (channels is not None and got_c != channels):
        raise BadFileError(f'{path}: {what} must be {"/".join(dtypes)} with '
                           f'{channels} channel(s), got {img.dtype.name} with {got_c}')


def imread_checked(path: str, dtypes, channels: Optional[int], what: str) -> np.ndarray:
    """Read an image unchanged; FileNotFoundError / BadFileError naming ``path`` if it is
    missing, undecodable, or not one of ``dtypes`` (a dtype or a sequence of them) with
    ``channels`` channels. ``what`` names the map in the message (e.g. 'a depth map')."""
    img = imread(path)
    check_image(path, img, dtypes, channels, what)
    return img


def read_json(path: str, missing: str = 'file does not exist') -> Any:
    """The JSON document in ``path``; ``FileNotFoundError('<path>: <missing>')`` if there is
    no such file, ``ValueError`` naming the file if it is not valid JSON."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: {missing}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except ValueError as e:
        raise ValueError(f'{path}: not valid JSON ({e})') from e
