# Copyright (c) synthssl contributors.
"""Cityscapes with depth from its disparity maps (AT/DT domain "Cityscapes")."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from synthssl.registry import DATASETS
from synthssl.fileio import BadFileError

from .sem_depth_dataset import SemDepthDataset, sorted_files

# Cityscapes disparity PNGs store p = 256 d + 1 (cityscapesScripts README: d = (p - 1) / 256
# for p > 0, p = 0 invalid).
CITYSCAPES_DISPARITY_OFFSET = 1.0


def read_cityscapes_camera(path: str) -> Tuple[float, float]:
    """``(fx, baseline)`` (pixels, metres) of a Cityscapes ``*_camera.json``
    (``intrinsic.fx``, ``extrinsic.baseline``); errors name the file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: camera file does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            cam = json.load(f)
        fx = float(cam['intrinsic']['fx'])
        baseline = float(cam['extrinsic']['baseline'])
    except (ValueError, KeyError, TypeError) as e:
        raise BadFileError(f'{path}: not a Cityscapes camera file with intrinsic.fx and '
                           f'extrinsic.baseline ({type(e).__name__}: {e})') from e
    if not (fx > 0 and baseline > 0):
        raise BadFileError(f'{path}: fx ({fx}) and baseline ({baseline}) must be positive')
    return fx, baseline


def cityscapes_camera_path(root: str, split: str, city: str, stem: str,
                           camera_dir: str = 'camera') -> str:
    """``<root>/camera/<split>/<city>/<stem>_camera.json``."""
    return osp.join(root, camera_dir, split, city, f'{stem}_camera.json')


@DATASETS.register_module()
class CityscapesDepthDataset(SemDepthDataset):
    """Cityscapes images with labels mapped to the 11 CARLA classes and metric depth::

        <data_root>/leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png
        <data_root>/gtFine/<split>/<city>/<stem>_gtFine_labelTrainIds.png   (or _labelIds)
        <data_root>/depth/<split>/<city>/<stem>_depth.png     uint16, metres * 256, 0 invalid,
            written by tools/dataset_converters/cityscapes_disparity_to_depth.py
        <data_root>/disparity/<split>/<city>/<stem>_disparity.png    (depth_encoding='disparity')
        <data_root>/camera/<split>/<city>/<stem>_camera.json          (depth_encoding='disparity')

    ``<stem>`` is ``<city>_<seq>_<frame>``. Labels: ``label_mapping='cityscapes_trainid'``
    (trainIds -> CARLA, the authors' table) or, for the ``*_gtFine_labelIds.png`` that ship with
    the download, ``seg_suffix='_gtFine_labelIds.png', label_mapping='cityscapes_id'``. With
    ``depth_encoding='disparity'`` depth is computed on the fly from the disparity PNG and the
    image's camera file (the converter's formula, no conversion step); ``'carla_rgb'`` reads
    depth converted to the authors' encoding.

    Args:
        data_root (str): Cityscapes root.
        split (str): ``'train'``, ``'val'`` or ``'test'``. Default 'train'.
        img_dir, seg_dir, depth_dir, camera_dir (str): top folders (``seg_dir`` / ``depth_dir``
            None: absent). ``depth_dir`` defaults to ``'disparity'`` for the disparity encoding.
        img_suffix, seg_suffix, depth_suffix (str): file name endings after ``<stem>``.
        **kwargs: see :class:`~synthssl.datasets.atdt.sem_depth_dataset.SemDepthDataset`.
    """

    DEPTH_ENCODING = 'uint16_256'
    LABEL_MAPPING = 'cityscapes_trainid'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 img_dir: str = 'leftImg8bit',
                 seg_dir: Optional[str] = 'gtFine',
                 depth_dir: Optional[str] = None,
                 camera_dir: str = 'camera',
                 img_suffix: str = '_leftImg8bit.png',
                 seg_suffix: str = '_gtFine_labelTrainIds.png',
                 depth_suffix: Optional[str] = None,
                 **kwargs) -> None:
        disparity = kwargs.get('depth_encoding') == 'disparity'
        self.split, self.img_dir, self.seg_dir, self.camera_dir = split, img_dir, seg_dir, \
            camera_dir
        self.depth_dir = depth_dir or ('disparity' if disparity else 'depth')
        self.depth_suffix = depth_suffix or ('_disparity.png' if disparity else '_depth.png')
        self.img_suffix_cs, self.seg_suffix_cs = img_suffix, seg_suffix
        super().__init__(data_root=data_root, **kwargs)

    def scan(self) -> List[Dict]:
        """One sample per ``<img_dir>/<split>/<city>/*<img_suffix>``."""
        top = osp.join(self.data_root, self.img_dir, self.split)
        if not osp.isdir(top):
            raise FileNotFoundError(f'{top}: Cityscapes image folder does not exist')
        samples = []
        for city in sorted(os.listdir(top)):
            if not osp.isdir(osp.join(top, city)):
                continue
            for name in sorted_files(osp.join(top, city), self.img_suffix_cs, 'city'):
                stem = name[:-len(self.img_suffix_cs)]
                rel = osp.join(self.split, city)
                samples.append(dict(
                    img_path=osp.join(top, city, name),
                    seg_map_path=(osp.join(self.data_root, self.seg_dir, rel,
                                           stem + self.seg_suffix_cs) if self.seg_dir else None),
                    depth_map_path=osp.join(self.data_root, self.depth_dir, rel,
                                            stem + self.depth_suffix),
                    city=city, stem=stem))
        return samples

    def complete_sample(self, sample: Dict) -> Dict:
        """For the disparity encoding: ``focal_baseline`` from the image's camera file."""
        if self.depth_encoding == 'disparity' and sample.get('depth_map_path'):
            name = osp.basename(sample['img_path'])
            stem = sample.get('stem') or name[:-len(self.img_suffix_cs)]
            city = sample.get('city') or stem.split('_')[0]
            split = osp.basename(osp.dirname(osp.dirname(sample['img_path'])))
            fx, baseline = read_cityscapes_camera(cityscapes_camera_path(
                self.data_root, split, city, stem, self.camera_dir))
            sample.update(focal_baseline=fx * baseline,
                          disparity_offset=CITYSCAPES_DISPARITY_OFFSET)
        return sample
