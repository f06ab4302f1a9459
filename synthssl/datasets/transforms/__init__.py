# Copyright (c) synthssl contributors.
# Registry location (see synthssl/registry.py).
from .contours import InstanceToContour, instance_boundaries, instance_contours
from .dense_keys import DENSE_KEYS, TASK_KEYS
from .formatting import PackMultiTaskInputs
from .geometric import (MultiTaskCenterCrop, MultiTaskRandomCrop, MultiTaskRandomFlip,
                        MultiTaskResize)
from .grayscale import RandomGrayscaleChannel
from .loading import LoadMultiTaskAnnotations
from .normals import DepthToNormal, backproject, depth_to_normals

__all__ = [
    'InstanceToContour', 'instance_boundaries', 'instance_contours', 'DENSE_KEYS', 'TASK_KEYS',
    'PackMultiTaskInputs', 'MultiTaskCenterCrop', 'MultiTaskRandomCrop', 'MultiTaskRandomFlip',
    'MultiTaskResize', 'RandomGrayscaleChannel', 'LoadMultiTaskAnnotations', 'DepthToNormal',
    'backproject', 'depth_to_normals'
]
