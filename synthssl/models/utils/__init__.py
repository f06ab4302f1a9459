# Copyright (c) synthssl contributors.
from .history_pool import FeatureHistoryPool

__all__ = ['FeatureHistoryPool']
