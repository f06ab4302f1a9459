# Copyright (c) synthssl contributors.
# Registry location (see synthssl/registry.py).
from .contours import InstanceToContour, instance_boundaries, instance_contours
from .csg_views import AddKeyView, PackCSGSegInputs
from .depth_loading import (DEPTH_ENCODINGS, LoadDepthMap, decode_disparity, decode_rgb24,
                            encode_rgb24, encode_uint16_256, read_depth_file)
from .formatting import PackMultiTaskInputs
from .geometric import (MultiTaskCenterCrop, MultiTaskRandomCrop, MultiTaskRandomFlip,
                        MultiTaskResize)
from .grayscale import RandomGrayscaleChannel
from .loading import LoadMultiTaskAnnotations
from .normals import DepthToNormal, backproject, depth_to_normals
from .photometric import RandomGammaBrightnessColor
from .seg_map_size import MatchImageToSegMap
from .semantic_loading import LoadSemanticMap

__all__ = [
    'InstanceToContour', 'instance_boundaries', 'instance_contours', 'AddKeyView',
    'PackCSGSegInputs', 'DEPTH_ENCODINGS', 'LoadDepthMap',
    'decode_disparity', 'decode_rgb24', 'encode_rgb24', 'encode_uint16_256', 'read_depth_file',
    'PackMultiTaskInputs', 'MultiTaskCenterCrop', 'MultiTaskRandomCrop', 'MultiTaskRandomFlip',
    'MultiTaskResize', 'RandomGrayscaleChannel', 'LoadMultiTaskAnnotations', 'DepthToNormal',
    'backproject', 'depth_to_normals', 'RandomGammaBrightnessColor', 'MatchImageToSegMap',
    'LoadSemanticMap'
]
