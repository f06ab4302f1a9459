# Copyright (c) synthssl contributors.
"""AT/DT domains: readers of image + semantic labels + depth, and their label sets."""
from .base import SemDepthDataset
from .carla import CARLADataset
from .cityscapes import CityscapesDepthDataset, read_cityscapes_camera
from .kitti import KITTIDepthDataset, read_kitti_focal_baseline
from .labels import (CARLA_CLASSES, CARLA_PALETTE, LABEL_MAPPINGS, RENDER_SEG_CLASSES,
                     apply_label_mapping, colorize_labels, label_lut)
from .rendered import RenderedSceneSegDataset
from .synthia_sf import SynthiaSFDataset

__all__ = [
    'SemDepthDataset', 'CARLADataset', 'CityscapesDepthDataset', 'KITTIDepthDataset',
    'SynthiaSFDataset', 'RenderedSceneSegDataset', 'read_cityscapes_camera',
    'read_kitti_focal_baseline', 'CARLA_CLASSES', 'CARLA_PALETTE', 'LABEL_MAPPINGS',
    'RENDER_SEG_CLASSES', 'apply_label_mapping', 'colorize_labels', 'label_lut'
]
