# Copyright (c) synthssl contributors.
"""mmseg's IoUMetric that also returns the per-class IoU it only logs as a table."""
from typing import Dict

import numpy as np
from mmseg.evaluation.metrics import IoUMetric

from synthssl.registry import METRICS


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """:class:`mmseg.evaluation.IoUMetric` (same arguments, same ``aAcc`` / ``mIoU`` / ...,
    same per-class table in the log) whose results also hold ``IoU.<class name>`` for every
    class of ``dataset_meta['classes']`` (percent, 2 decimals like the table; NaN for a class
    that is in neither the ground truth nor the predictions, unless ``nan_to_num`` is set;
    ``mIoU`` is the NaN-mean of these). The AT/DT tables report exactly these numbers.
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only or not results:
            return metrics
        inter, union, pred_area, label_area = (sum(r) for r in zip(*results))
        iou = self.total_area_to_metrics(inter, union, pred_area, label_area, ['mIoU'],
                                         self.nan_to_num, self.beta)['IoU']
        classes = self.dataset_meta['classes']
        if len(classes) != len(iou):
            raise ValueError(f'PerClassIoUMetric: {len(iou)} IoU values but dataset_meta '
                             f'lists {len(classes)} classes')
        for name, v in zip(classes, np.asarray(iou, dtype=np.float64)):
            metrics[f'IoU.{name}'] = float(np.round(v * 100, 2))
        return metrics
