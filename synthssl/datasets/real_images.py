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


#: Natural photographs among the example data of Debian's ``opencv-doc`` (drawings, renders,
#: logos, calibration boards, a painting and the tampered/blurred demo images left out).
OPENCV_DOC_DATA = '/usr/share/doc/opencv-doc/examples/data'
OPENCV_DOC_PHOTOS = (
    'aero1.jpg', 'aero3.jpg', 'aloeL.jpg', 'aloeR.jpg', 'apple.jpg', 'baboon.jpg',
    'basketball1.png', 'basketball2.png', 'board.jpg', 'box.png', 'box_in_scene.png',
    'building.jpg', 'butterfly.jpg', 'ela_original.jpg', 'fruits.jpg', 'graf1.png',
    'graf3.png', 'home.jpg', 'left.jpg', 'leuvenA.jpg', 'leuvenB.jpg',
    'licenseplate_motion.jpg', 'messi5.jpg', 'orange.jpg', 'pca_test1.jpg', 'right.jpg',
    'rubberwhale1.png', 'rubberwhale2.png', 'squirrel_cls.jpg', 'stuff.jpg')
#: ``vtest.avi`` in the same folder: 795 real frames of one street scene; this many, evenly
#: spaced, are taken.
OPENCV_DOC_VIDEO_FRAMES = 8
#: Photographs in Debian's ``darknet`` data folder (``scream.jpg``, a painting, left out).
DARKNET_DATA = '/usr/share/darknet/data'
DARKNET_PHOTOS = ('dog.jpg', 'eagle.jpg', 'giraffe.jpg', 'horses.jpg', 'kite.jpg',
                  'person.jpg')


def _read_bgr_as_rgb(path: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise OSError(f'{path}: not a readable image')
        return img[..., ::-1]
    return load


def _video_frame(path: str, index: int) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        cap = cv2.VideoCapture(path)
        try:
            cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = cap.read()
        finally:
            cap.release()
        if not ok:
            raise OSError(f'{path}: cannot read frame {index}')
        return frame[..., ::-1]
    return load


def _system_photos() -> List[Tuple[str, Callable[[], np.ndarray]]]:
    """Photographs that Debian packages and matplotlib install (no download): the natural
    photos of ``opencv-doc`` (plus evenly spaced frames of its ``vtest.avi``), ``darknet``'s
    and matplotlib's ``grace_hopper.jpg``. Only those present on this machine are listed;
    ``tools/setup/install_real_data.sh`` installs the packages."""
    photos = [(f'opencv_{osp.splitext(n)[0]}', _read_bgr_as_rgb(osp.join(OPENCV_DOC_DATA, n)))
              for n in OPENCV_DOC_PHOTOS if osp.isfile(osp.join(OPENCV_DOC_DATA, n))]
    video = osp.join(OPENCV_DOC_DATA, 'vtest.avi')
    if osp.isfile(video):
        cap = cv2.VideoCapture(video)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        k = OPENCV_DOC_VIDEO_FRAMES
        photos += [(f'opencv_vtest_{i:04d}', _video_frame(video, i))
                   for i in sorted({j * count // k for j in range(k)}) if count > 0]
    photos += [(f'darknet_{osp.splitext(n)[0]}', _read_bgr_as_rgb(osp.join(DARKNET_DATA, n)))
               for n in DARKNET_PHOTOS if osp.isfile(osp.join(DARKNET_DATA, n))]
    try:
        import matplotlib
        hopper = osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg')
    except ImportError:
        hopper = ''
    if hopper and osp.isfile(hopper):
        photos.append(('matplotlib_grace_hopper', _read_bgr_as_rgb(hopper)))
    return photos


def _photo_sources(with_system: bool) -> List[Tuple[str, Callable[[], np.ndarray]]]:
    return _skimage_photos() + _sklearn_photos() + (_system_photos() if with_system else [])


def builtin_photo_names(with_system: bool = False) -> List[str]:
    """Names (file stems) of the built-in photos available in this environment."""
    return [name for name, _ in _photo_sources(with_system)]


def materialize_builtin_photos(out_dir: str, overwrite: bool = False,
                               with_system: bool = False) -> List[str]:
    """Write the built-in photographs as RGB PNGs into ``out_dir``; return their paths.

    Sources: scikit-image's sample photos (always; grey ones are stored with 3 equal
    channels) and scikit-learn's two sample images when sklearn is installed (it is not a
    dependency); with ``with_system`` also the photos of Debian's ``opencv-doc`` and
    ``darknet`` packages and matplotlib's, where installed (:func:`_system_photos`).
    Nothing is downloaded. Existing files are kept unless ``overwrite``.
    Read the folder with :class:`RealImageFolderDataset`; crop in the pipeline.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, load in _photo_sources(with_system):
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
