# Copyright (c) synthssl contributors.
"""Unlabelled real photographs: any image folder tree, plus photos shipped inside packages."""
import os
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def _skimage_photos() -> List[Tuple[str, Callable[[], np.ndarray]]]:
    """Genuine photographs in the scikit-image wheel (no download; the loaders read
    ``skimage/data/*`` files). Synthetic or drawn images (chessboard, colour wheel, logo,
    phantom, horse silhouette, binary blobs) and the scanned page are left out."""
    import skimage.data as d

    def motorcycle(i: int) -> Callable[[], np.ndarray]:
        return lambda: d.stereo_motorcycle()[i]

    names = ('astronaut', 'brick', 'camera', 'cat', 'clock', 'coffee', 'coins', 'grass',
             'gravel', 'hubble_deep_field', 'immunohistochemistry', 'moon', 'retina',
             'rocket', 'text')
    photos = [(f'skimage_{n}', getattr(d, n)) for n in names if hasattr(d, n)]
    if hasattr(d, 'stereo_motorcycle'):
        photos += [('skimage_motorcycle_left', motorcycle(0)),
                   ('skimage_motorcycle_right', motorcycle(1))]
    return photos


def _sklearn_photos() -> List[Tuple[str, Callable[[], np.ndarray]]]:
    """scikit-learn's two sample photos (china, flower) when sklearn is importable."""
    try:
        from sklearn.datasets import load_sample_image
    except ImportError:
        return []
    return [(f'sklearn_{osp.splitext(n)[0]}', (lambda n=n: load_sample_image(n)))
            for n in ('china.jpg', 'flower.jpg')]


def builtin_photo_names() -> List[str]:
    """Names (file stems) of the built-in photos available in this environment."""
    return [name for name, _ in _skimage_photos() + _sklearn_photos()]


def materialize_builtin_photos(out_dir: str, overwrite: bool = False) -> List[str]:
    """Write the built-in photographs as RGB PNGs into ``out_dir``; return their paths.

    Sources: scikit-image's sample photos (always; grey ones are stored with 3 equal
    channels) and scikit-learn's two sample images when sklearn is installed (it is not a
    dependency). Nothing is downloaded. Existing files are kept unless ``overwrite``.
    Read the folder with :class:`RealImageFolderDataset`; crop in the pipeline.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, load in _skimage_photos() + _sklearn_photos():
        path = osp.join(out_dir, name + '.png')
        if overwrite or not osp.isfile(path):
            img = np.asarray(load())
            if img.dtype != np.uint8:
                img = np.clip(img, 0, 255).astype(np.uint8)
            if img.ndim == 2:
                img = np.repeat(img[..., None], 3, axis=2)
            img = img[..., :3]  # drop alpha if any
            tmp = path + '.tmp.png'
            if not cv2.imwrite(tmp, np.ascontiguousarray(img[..., ::-1])):
                raise OSError(f'{path}: could not write the built-in photo')
            os.replace(tmp, path)
        paths.append(path)
    return paths


@DATASETS.register_module()
class RealImageFolderDataset(BaseDataset):
    """Unlabelled images found recursively under ``data_root`` (e.g. Places365).

    ``data_list`` entries: ``img_path`` only (sorted by relative path, so the order is
    deterministic). Load with :class:`~synthssl.datasets.transforms.LoadMultiTaskAnnotations`
    (loads just the image) or mmcv's ``LoadImageFromFile`` -- both give BGR by default --
    and crop/resize in the pipeline. For the built-in photos, run
    :func:`materialize_builtin_photos` into a folder first and point ``data_root`` at it.

    Args:
        data_root (str): folder to scan.
        extensions (Sequence[str]): case-insensitive file extensions to accept.
        recursive (bool): descend into sub-folders. Default True.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments (``pipeline``, ...).
    """

    METAINFO: Dict = dict(classes=None)

    def __init__(self, data_root: str, extensions: Sequence[str] = IMG_EXTENSIONS,
                 recursive: bool = True, **kwargs) -> None:
        self.extensions = tuple(e.lower() for e in extensions)
        self.recursive = recursive
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Scan ``data_root`` for images."""
        root = self.data_root
        if not osp.isdir(root):
            raise FileNotFoundError(f'{root}: image folder does not exist')
        found = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            dirnames.sort()
            for fn in filenames:
                if fn.lower().endswith(self.extensions) and not fn.endswith('.tmp.png'):
                    found.append(osp.join(dirpath, fn))
            if not self.recursive:
                break
        if not found:
            raise FileNotFoundError(f'{root}: no images with extensions {self.extensions}')
        found.sort(key=lambda p: osp.relpath(p, root))
        return [dict(img_path=p) for p in found]
