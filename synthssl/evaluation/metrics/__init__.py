# Copyright (c) synthssl contributors.
from .contour_metric import ContourMetric
from .depth_metric import DepthMetric
from .normal_metric import NormalMetric

__all__ = ['ContourMetric', 'DepthMetric', 'NormalMetric']
