# Copyright (c) synthssl contributors.
from . import transforms  # noqa: F401
from .atdt import (CARLADataset, CityscapesDepthDataset, KITTIDepthDataset,
                   RenderedSceneSegDataset, SemDepthDataset, SynthiaSFDataset)
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
    'SemDepthDataset', 'SynthiaSFDataset', 'NYUDv2NormalsDataset', 'OnTheFlySyntheticDataset',
    'SynRealPairDataset', 'PBRSDataset', 'RealImageFolderDataset', 'builtin_photo_names',
    'materialize_builtin_photos', 'EpochEncodedInfiniteSampler', 'EpochEncodedSampler',
    'SceneNetRGBDDataset', 'scenenet_intrinsics', 'SyntheticMultiTaskDataset'
]
