# Copyright (c) synthssl contributors.
"""Panel rows of a multi-task model's predictions next to the ground truth (Ren & Lee, Fig. 5).

Shared by ``tools/analysis_tools/visualize_predictions.py`` and
:class:`synthssl.engine.hooks.PredictionPanelHook`. Torch tensors are accepted (they are
moved to the CPU and converted with ``.numpy()``); nothing here imports torch.
"""
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from synthssl.structures import TASK_KEYS
from .maps import Cell, colorize_depth

#: the dense tasks shown, in column order, with the panel kind of each.
TASKS = ('depth', 'normal', 'contour')


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, 'detach'):  # a torch tensor
        x = x.detach().cpu().float().numpy()
    return np.asarray(x)


def to_hwc(x: Any) -> np.ndarray:
    """(C, H, W) array or tensor -> (H, W) for C == 1, else (H, W, C)."""
    a = _numpy(x)
    if a.ndim != 3:
        raise ValueError(f'to_hwc: expected a (C, H, W) map, got shape {a.shape}')
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def input_image(img: Any) -> np.ndarray:
    """A (3, H, W) (normalised) network input -> (H, W, 3) uint8, min-max stretched to
    0..255 (the normalisation's mean and scale do not matter)."""
    a = to_hwc(img).astype(np.float64)
    lo, hi = float(a.min()), float(a.max())
    return np.round((a - lo) / (hi - lo + 1e-12) * 255).astype(np.uint8)


def prediction_row(img: Any, sample: Any,
                   tasks: Sequence[str] = TASKS) -> List[Cell]:
    """One panel row: the input, then predicted and true map for each task present.

    Args:
        img: the (3, H, W) network input of this sample.
        sample: a data sample with ``pred_<task>`` fields (``(1, H, W)`` depth in metres,
            ``(3, H, W)`` normals, ``(1, H, W)`` contour probability) and, where known,
            its ground truth (:data:`synthssl.structures.TASK_KEYS`). Tasks without a
            prediction are skipped; a missing ground truth leaves a black cell.
        tasks: tasks to show, in order.

    Returns:
        list: cells for :func:`synthssl.visualization.make_panel`. The predicted depth
        is coloured on the ground truth's (valid) depth range, so both share one scale.
    """
    row: List[Cell] = [(input_image(img), 'rgb')]
    for task in tasks:
        if f'pred_{task}' not in sample:
            continue
        pred, gt = to_hwc(sample.get(f'pred_{task}')), sample.get(TASK_KEYS[task])
        gt = None if gt is None else to_hwc(gt)
        if task == 'depth' and gt is not None and (gt > 0).any():
            lo, hi = float(gt[gt > 0].min()), float(gt[gt > 0].max())
            row.append((colorize_depth(pred, vmin=lo, vmax=hi), 'rgb'))
        else:
            row.append((pred, task))
        row.append(None if gt is None else (gt, task))
    return row


def prediction_rows(inputs: Any, samples: Sequence[Any],
                    tasks: Sequence[str] = TASKS,
                    limit: Optional[int] = None) -> Tuple[List[List[Cell]], List[str]]:
    """Rows (one per sample) and column labels of a prediction panel.

    Args:
        inputs: (N, 3, H, W) network inputs (after the data preprocessor).
        samples: N predicted data samples (see :func:`prediction_row`).
        tasks: tasks to show, in order.
        limit (int, optional): keep only the first ``limit`` samples.

    Returns:
        tuple: ``(rows, labels)`` for :func:`~synthssl.visualization.make_panel`; labels are
        ``input``, then ``predicted <task>`` / ``true <task>`` for each task the first sample
        predicts.
    """
    samples = list(samples)[:limit]
    if not samples:
        raise ValueError('prediction_rows: no samples')
    rows = [prediction_row(inputs[i], s, tasks) for i, s in enumerate(samples)]
    shown = [t for t in tasks if f'pred_{t}' in samples[0]]
    labels = ['input'] + [f'{w} {t}' for t in shown for w in ('predicted', 'true')]
    return rows, labels
