# Copyright (c) synthssl contributors.
from .atdt_transfer import ATDTTransfer
from .base_dense_algorithm import BaseDenseAlgorithm
from .cross_domain_multitask import CrossDomainMultiTask
from .csg import CSG
from .dense_normal_estimator import DenseNormalEstimator

__all__ = [
    'ATDTTransfer', 'BaseDenseAlgorithm', 'CrossDomainMultiTask', 'CSG', 'DenseNormalEstimator'
]
