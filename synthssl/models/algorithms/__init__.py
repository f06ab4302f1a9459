# Copyright (c) synthssl contributors.
from .cross_domain_multitask import CrossDomainMultiTask

__all__ = ['CrossDomainMultiTask']
