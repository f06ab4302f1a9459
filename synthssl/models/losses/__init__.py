# Copyright (c) synthssl contributors.
from .class_balanced_bce_loss import ClassBalancedBCELoss
from .info_nce_loss import InfoNCELoss
from .masked_l1_depth_loss import MaskedL1DepthLoss
from .normal_dot_loss import NormalDotLoss
from .scale_invariant_depth_loss import ScaleInvariantDepthLoss

__all__ = [
    'ClassBalancedBCELoss', 'InfoNCELoss', 'MaskedL1DepthLoss', 'NormalDotLoss',
    'ScaleInvariantDepthLoss'
]
