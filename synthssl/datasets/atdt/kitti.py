# Copyright (c) synthssl contributors.
"""KITTI reader (AT/DT domain "Kitti")."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from synthssl.registry import DATASETS
from synthssl.fileio import BadFileError

from .sem_depth_dataset import SemDepthDataset, sorted_files


def read_kitti_colour_projections(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """The 3x4 projection matrices of the colour stereo pair (cameras 2 and 3) of a KITTI
    calibration file: ``P2:``/``P3:`` lines (stereo 2012/2015 ``calib/``) or
    ``P_rect_02:``/``P_rect_03:`` (``calib_cam_to_cam``)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: KITTI calibration file does not exist')
    rows = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if ':' in line:
                key, _, vals = line.partition(':')
                rows[key.strip()] = vals
    for k2, k3 in (('P2', 'P3'), ('P_rect_02', 'P_rect_03')):
        if k2 in rows and k3 in rows:
            try:
                p2 = np.array(rows[k2].split(), dtype=np.float64).reshape(3, 4)
                p3 = np.array(rows[k3].split(), dtype=np.float64).reshape(3, 4)
            except ValueError as e:
                raise BadFileError(f'{path}: {k2}/{k3} are not 3x4 matrices ({e})') from e
            if not p2[0, 0] > 0:
                raise BadFileError(f'{path}: {k2}[0,0] (fx) = {p2[0, 0]} is not positive')
            return p2, p3
    raise BadFileError(f'{path}: no P2/P3 or P_rect_02/P_rect_03 lines')


def read_kitti_focal_baseline(path: str) -> float:
    """fx * baseline (pixels * metres) of the colour stereo pair from a KITTI calibration
    file (see :func:`read_kitti_colour_projections`). ``P[0, 3] = -fx * t_x``, so
    ``fx * B = P2[0, 3] - P3[0, 3]``."""
    p2, p3 = read_kitti_colour_projections(path)
    fb = float(p2[0, 3] - p3[0, 3])
    if not fb > 0:
        raise BadFileError(f'{path}: P2[0,3] - P3[0,3] = {fb} is not positive')
    return fb


def read_kitti_focal(path: str) -> float:
    """fx (pixels) of the left colour camera (``P2[0, 0]``) of a KITTI calibration file."""
    return float(read_kitti_colour_projections(path)[0][0, 0])


@DATASETS.register_module()
class KITTIDepthDataset(SemDepthDataset):
    """KITTI images with metric depth and (optionally) semantic labels, matched by file name::

        <data_root>/<img_dir>/<name>.png      colour image (image_2 / colored_0 / ...)
        <data_root>/<depth_dir>/<name>.png    depth_encoding 'uint16_256' (default): metres * 256,
                                              0 invalid (KITTI depth / proj_depth PNGs); or
                                              'disparity': the stereo benchmark's disp_occ*
                                              PNGs (d = p / 256), with fx * B read from
                                              <calib_dir>/<name without _10>.txt
        <data_root>/<seg_dir>/<name>.png      KITTI semantics (Cityscapes labelIds) -> CARLA

    AT/DT evaluates depth on the 200 KITTI 2012 stereo training images
    (``data_stereo_flow/training``: ``img_dir='colored_0', depth_dir='disp_occ',
    depth_encoding='disparity', calib_dir='calib'``) and uses the 200 semantically annotated
    KITTI 2015 images (``data_semantics/training``: ``image_2`` + ``semantic``). Either of
    ``seg_dir`` / ``depth_dir`` may be None; the loading transforms then give an all-ignored /
    all-invalid map.

    Args:
        data_root (str): folder holding the sub-folders.
        img_dir (str): default ``'image_2'``.
        depth_dir (str, optional): default ``'depth'``.
        seg_dir (str, optional): default None (no semantics).
        calib_dir (str, optional): calibration folder (``<name without _10>.txt``; needed
            for ``'disparity'``). Given, every sample also gets ``focal_length`` (fx).
        img_suffix (str): default ``'.png'``.
        **kwargs: see :class:`~synthssl.datasets.atdt.sem_depth_dataset.SemDepthDataset`.
    """

    DEPTH_ENCODING = 'uint16_256'
    LABEL_MAPPING = 'kitti'

    def __init__(self,
                 data_root: str,
                 img_dir: str = 'image_2',
                 depth_dir: Optional[str] = 'depth',
                 seg_dir: Optional[str] = None,
                 calib_dir: Optional[str] = None,
                 img_suffix: str = '.png',
                 **kwargs) -> None:
        self.img_dir, self.depth_dir, self.seg_dir, self.calib_dir = (img_dir, depth_dir,
                                                                      seg_dir, calib_dir)
        self.img_suffix_k = img_suffix
        if kwargs.get('depth_encoding') == 'disparity' and not calib_dir:
            raise ValueError('KITTIDepthDataset: the disparity encoding needs calib_dir')
        super().__init__(data_root=data_root, **kwargs)

    def scan(self) -> List[Dict]:
        """One sample per ``<img_dir>/*<img_suffix>``."""
        folder = osp.join(self.data_root, self.img_dir)
        samples = []
        for name in sorted_files(folder, self.img_suffix_k, 'KITTI image'):
            stem = name[:-len(self.img_suffix_k)]
            png = stem + '.png'
            samples.append(dict(
                img_path=osp.join(folder, name),
                seg_map_path=osp.join(self.data_root, self.seg_dir, png) if self.seg_dir else None,
                depth_map_path=(osp.join(self.data_root, self.depth_dir, png)
                                if self.depth_dir else None)))
        return samples

    @staticmethod
    def _calib_name(img_path: str) -> str:
        stem = osp.splitext(osp.basename(img_path))[0]
        return stem.rsplit('_', 1)[0] if '_' in stem else stem

    def complete_sample(self, sample: Dict) -> Dict:
        """With ``calib_dir``: ``focal_length`` (fx of the image's camera, pixels; AT/DT's
        per-image focal ratio, :class:`~synthssl.evaluation.FocalRatioDepthMetric`); for the
        disparity encoding also ``focal_baseline`` (fx * B)."""
        disparity = self.depth_encoding == 'disparity' and sample.get('depth_map_path')
        if disparity and not self.calib_dir:
            raise ValueError(f'{self.ann_file or self.data_root}: the disparity encoding '
                             'needs calib_dir')
        if self.calib_dir:
            calib = osp.join(self.data_root, self.calib_dir,
                             self._calib_name(sample['img_path']) + '.txt')
            sample['focal_length'] = read_kitti_focal(calib)
            if disparity:
                sample.update(focal_baseline=read_kitti_focal_baseline(calib),
                              disparity_offset=0.0)
        return sample
