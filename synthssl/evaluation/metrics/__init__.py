# Copyright (c) synthssl contributors.
from .contour_metric import ContourMetric
from .depth_metric import DepthMetric
from .focal_ratio_depth_metric import FocalRatioDepthMetric
from .hyperspherical_energy import HypersphericalEnergy, hyperspherical_energy
from .normal_metric import NormalMetric
from .per_class_iou_metric import PerClassIoUMetric

__all__ = [
    'ContourMetric', 'DepthMetric', 'FocalRatioDepthMetric', 'HypersphericalEnergy',
    'hyperspherical_energy', 'NormalMetric', 'PerClassIoUMetric'
]
