# Copyright (c) synthssl contributors.
"""AT/DT domains: readers of image + semantic labels + depth (their label sets are in
:mod:`synthssl.datasets.label_maps`)."""
from .sem_depth_dataset import SemDepthDataset
from .carla import CARLADataset
from .cityscapes import CityscapesDepthDataset, read_cityscapes_camera
from .kitti import KITTIDepthDataset, read_kitti_focal_baseline
from .rendered import RenderedSceneSegDataset
from .synthia_sf import SynthiaSFDataset

__all__ = [
    'SemDepthDataset', 'CARLADataset', 'CityscapesDepthDataset', 'KITTIDepthDataset',
    'SynthiaSFDataset', 'RenderedSceneSegDataset', 'read_cityscapes_camera',
    'read_kitti_focal_baseline'
]
