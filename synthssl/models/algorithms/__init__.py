# Copyright (c) synthssl contributors.
from .cross_domain_multitask import CrossDomainMultiTask
from .csg import CSG
from .normal_estimator import DenseNormalEstimator

__all__ = ['CrossDomainMultiTask', 'CSG', 'DenseNormalEstimator']
