# Copyright (c) synthssl contributors.
"""The data conventions every layer shares (the dense ground-truth keys and their tasks)."""
from .dense_keys import DENSE_KEYS, TASK_KEYS

__all__ = ['DENSE_KEYS', 'TASK_KEYS']
