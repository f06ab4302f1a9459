# Copyright (c) synthssl contributors.
from .multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

__all__ = ['MultiOptimWrapperConstructor']
