# Copyright (c) synthssl contributors.
# Registry location (see synthssl/registry.py); modules land here with the issues that add them.
from .contours import InstanceToContour, instance_boundaries, instance_contours
from .dense_keys import DENSE_KEYS, TASK_KEYS
from .formatting import PackMultiTaskInputs
from .geometric import (MultiTaskCenterCrop, MultiTaskRandomCrop, MultiTaskRandomFlip,
                        MultiTaskResize)
from .grayscale import RandomGrayscaleChannel
from .loading import LoadMultiTaskAnnotations
from .normals import DepthToNormal, backproject, depth_to_normals

__all__ = [
    'DENSE_KEYS', 'TASK_KEYS', 'LoadMultiTaskAnnotations', 'InstanceToContour',
    'instance_contours', 'instance_boundaries', 'DepthToNormal', 'depth_to_normals', 'backproject',
    'RandomGrayscaleChannel', 'MultiTaskResize', 'MultiTaskRandomCrop', 'MultiTaskCenterCrop',
    'MultiTaskRandomFlip', 'PackMultiTaskInputs'
]
