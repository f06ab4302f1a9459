# Copyright (c) synthssl contributors.
from . import transforms  # noqa: F401
from .atdt import (CARLADataset, CityscapesDepthDataset, KITTIDepthDataset,
                   RenderedSceneSegDataset, SemDepthDataset, SynthiaSFDataset)
from .cityscapes_labels import (CITYSCAPES_TRAIN_LABEL_IDS, cityscapes_id_to_train_id,
                                cityscapes_id_to_train_id_lut)
from .csg import VISDA17_CLASSES, GTA5Dataset, VisDA17Dataset
from .nyud_normals import NYUDv2NormalsDataset
from .on_the_fly import OnTheFlySyntheticDataset
from .paired import SynRealPairDataset
from .pbrs import PBRSDataset
from .real_images import RealImageFolderDataset, builtin_photo_names, materialize_builtin_photos
from .samplers import EpochEncodedInfiniteSampler, EpochEncodedSampler
from .scenenet import SceneNetRGBDDataset, scenenet_intrinsics
from .synthetic_multitask import SyntheticMultiTaskDataset

__all__ = [
    'CARLADataset', 'CityscapesDepthDataset', 'KITTIDepthDataset', 'RenderedSceneSegDataset',
    'SemDepthDataset', 'SynthiaSFDataset', 'CITYSCAPES_TRAIN_LABEL_IDS', 'GTA5Dataset',
    'cityscapes_id_to_train_id', 'cityscapes_id_to_train_id_lut', 'NYUDv2NormalsDataset',
    'OnTheFlySyntheticDataset', 'SynRealPairDataset', 'PBRSDataset', 'RealImageFolderDataset',
    'builtin_photo_names', 'materialize_builtin_photos', 'EpochEncodedInfiniteSampler',
    'EpochEncodedSampler', 'SceneNetRGBDDataset', 'scenenet_intrinsics',
    'SyntheticMultiTaskDataset', 'VISDA17_CLASSES', 'VisDA17Dataset'
]
