# Copyright (c) synthssl contributors.
from .contour_metric import ContourMetric
from .depth_metric import DepthMetric
from .hyperspherical_energy import HypersphericalEnergy, hyperspherical_energy
from .normal_metric import NormalMetric

__all__ = [
    'ContourMetric', 'DepthMetric', 'HypersphericalEnergy', 'hyperspherical_energy',
    'NormalMetric'
]
