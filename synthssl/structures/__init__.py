# Copyright (c) synthssl contributors.
"""The data conventions every layer shares: the dense ground-truth keys, their tasks, and
``pred_<task>`` predictions in data samples."""
from .dense_keys import DENSE_KEYS, TASK_KEYS
from .dense_predictions import add_dense_predictions, ensure_data_samples, prediction_size

__all__ = [
    'DENSE_KEYS', 'TASK_KEYS', 'add_dense_predictions', 'ensure_data_samples', 'prediction_size'
]
