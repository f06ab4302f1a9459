# Copyright (c) synthssl contributors.
"""Reader of NYU Depth v2 surface normals (Ren & Lee §4.5) in the folder layout that
``tools/dataset_converters/nyud_normals.py`` writes from the public files.

Layout (``<data_root>``)::

    meta.json             provider, source files, axis mapping used, K, size, counts
    train.txt, test.txt   one image stem per line (the 1-based NYU index, '%04d')
    images/<stem>.png     uint8 RGB, 640 x 480 for the real data
    normals/<stem>.png    uint16 x3, synthssl's encoding (:mod:`synthssl.render.io`): unit
                          normals in OpenCV camera axes (x right, y down, z forward), facing
                          the camera; an all-zero pixel = invalid (the valid mask)
"""
import os.path as osp
from typing import Dict, List, Optional

from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS
from synthssl.fileio import read_json

#: NYU Depth v2 RGB camera (Silberman et al.'s toolbox ``camera_params.m``), 640 x 480,
#: pixel centres at integer coordinates.
NYU_K = ((5.1885790117450188e+02, 0.0, 3.2558244941119034e+02),
         (0.0, 5.1946961112127485e+02, 2.5373616633400465e+02), (0.0, 0.0, 1.0))
NYU_SIZE = (640, 480)  # (W, H)
SPLITS = ('train', 'test')
#: sizes of the standard split (Silberman et al.'s ``splits.mat``: trainNdxs, testNdxs)
NYU_SPLIT_SIZES = dict(train=795, test=654)


@DATASETS.register_module()
class NYUDv2NormalsDataset(BaseDataset):
    """NYU Depth v2 labelled images with ground-truth surface normals, standard split
    (795 train / 654 test), as converted by ``tools/dataset_converters/nyud_normals.py``.

    Each ``data_list`` entry (pixels are read by
    :class:`~synthssl.datasets.transforms.LoadMultiTaskAnnotations`)::

        img_path, normal_path, normal_encoding='uint16', normal_axes='opencv',
        tasks=('normal',), K (3, 3) list, K_size (W, H), nyu_index (1-based int), stem

    so the pipeline yields ``gt_normal`` (H, W, 3) float32, (0, 0, 0) where invalid.

    Args:
        data_root (str): the converted folder.
        split (str): 'train' or 'test'; the list file is ``<split>.txt`` unless
            ``ann_file`` is given.
        check_files (bool): stat every image / normal file at initialisation and report
            the first missing one by path. Default True.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments (``pipeline``,
            ``test_mode``, ``indices``, ...).
    """

    METAINFO: Dict = dict(provider=None)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f"NYUDv2NormalsDataset: split must be one of {SPLITS}, got "
                             f'{split!r}')
        self.split = split
        self.check_files = check_files
        super().__init__(data_root=data_root, ann_file=ann_file or f'{split}.txt', **kwargs)

    def _read_meta(self) -> Dict:
        path = osp.join(self.data_root, 'meta.json')
        meta = read_json(path, f'meta.json does not exist; is {self.data_root} the output '
                         'of tools/dataset_converters/nyud_normals.py?')
        if meta.get('normal_axes') != 'opencv':
            raise ValueError(f"{path}: normal_axes must be 'opencv', got "
                             f"{meta.get('normal_axes')!r}")
        return meta

    def _read_list(self) -> List[str]:
        path = self.ann_file
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: split list does not exist')
        stems = []
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                stem = line.strip()
                if not stem:
                    continue
                if not stem.isdigit():
                    raise ValueError(f'{path}:{lineno}: expected a 1-based NYU image index, '
                                     f'got {stem!r}')
                stems.append(stem)
        if not stems:
            raise ValueError(f'{path}: split list is empty')
        return stems

    def load_data_list(self) -> List[Dict]:
        """One dict of file paths (+ intrinsics) per listed image."""
        meta = self._read_meta()
        if self._metainfo.get('provider') is None:
            self._metainfo['provider'] = meta.get('provider')
        K = meta.get('K', [list(r) for r in NYU_K])
        K_size = tuple(meta.get('K_size', NYU_SIZE))
        data_list = []
        for stem in self._read_list():
            info = dict(
                img_path=osp.join(self.data_root, 'images', stem + '.png'),
                normal_path=osp.join(self.data_root, 'normals', stem + '.png'),
                normal_encoding='uint16',
                normal_axes='opencv',
                tasks=('normal', ),
                K=K,
                K_size=K_size,
                nyu_index=int(stem),
                stem=stem)
            if self.check_files:
                for key in ('img_path', 'normal_path'):
                    if not osp.isfile(info[key]):
                        raise FileNotFoundError(f'{info[key]}: file of image {stem} listed in '
                                                f'{self.ann_file} does not exist')
            data_list.append(info)
        return data_list

