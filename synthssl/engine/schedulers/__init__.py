# Copyright (c) synthssl contributors.
from .quadratic_warmup import QuadraticWarmupLR, QuadraticWarmupParamScheduler

__all__ = ['QuadraticWarmupLR', 'QuadraticWarmupParamScheduler']
