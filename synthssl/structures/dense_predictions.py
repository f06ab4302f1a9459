# Copyright (c) synthssl contributors.
"""Dense predictions in data samples: ``pred_<task>`` fields, at the ground truth's size."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.structures import BaseDataElement

from .dense_keys import TASK_KEYS


def ensure_data_samples(data_samples: Optional[List], inputs: torch.Tensor) -> List:
    """``data_samples``, or N new ``BaseDataElement`` s with the input's ``img_shape``."""
    if data_samples is not None:
        return data_samples
    shape = tuple(inputs.shape[-2:])
    return [BaseDataElement(metainfo=dict(img_shape=shape)) for _ in range(inputs.shape[0])]


def prediction_size(data_samples: List, tasks: Sequence[str]) -> Tuple[int, int]:
    """(H, W) to predict at: that of the samples' ground truth of the first of ``tasks``
    they carry (evaluation at the ground truth's resolution), else their ``img_shape``."""
    first = data_samples[0]
    for task in tasks:
        if TASK_KEYS[task] in first:
            return tuple(first.get(TASK_KEYS[task]).shape[-2:])
    if 'img_shape' in first.metainfo:
        return tuple(first.metainfo['img_shape'][:2])
    raise KeyError('cannot tell the prediction size: the data samples carry neither ground '
                   f'truth of {tuple(tasks)} nor an img_shape')


def add_dense_predictions(data_samples: List, preds: Dict[str, torch.Tensor]) -> List:
    """Write ``preds[task][i]`` (detached) as ``pred_<task>`` of sample ``i``; returns the
    samples."""
    for i, sample in enumerate(data_samples):
        for task, value in preds.items():
            sample.set_field(value[i].detach(), f'pred_{task}')
    return data_samples
