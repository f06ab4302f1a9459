# Copyright (c) synthssl contributors.
from .builders import build_shared2fc_dropout_bbox_head, build_single_roi_extractor
from .torchvision_roi_pool import TorchvisionRoIPool

__all__ = ['TorchvisionRoIPool', 'build_single_roi_extractor',
           'build_shared2fc_dropout_bbox_head']
