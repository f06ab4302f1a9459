# Copyright (c) synthssl contributors.
from .atdt import ATDTTransfer
from .cross_domain_multitask import CrossDomainMultiTask
from .csg import CSG
from .normal_estimator import DenseNormalEstimator

__all__ = ['ATDTTransfer', 'CrossDomainMultiTask', 'CSG', 'DenseNormalEstimator']
