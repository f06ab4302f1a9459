# Copyright (c) synthssl contributors.
"""Depth metrics with AT/DT's per-image focal-length correction (KITTI)."""
from typing import Optional, Sequence

from synthssl.registry import METRICS

from .depth_metric import DepthMetric, _to_numpy, depth_errors


@METRICS.register_module()
class FocalRatioDepthMetric(DepthMetric):
    """:class:`DepthMetric` whose predictions are first scaled per image by
    ``f_ratio = focal(image) / train_focal`` (AT/DT's ``eval_task.py``: a network trained on
    one camera predicts depth for its focal length; on a camera with another focal the
    same image content lies at ``f_test / f_train`` times that depth).

    ``DepthMetric(pred_scale=...)`` covers a test set with one focal length (Cityscapes,
    CARLA, SYNTHIA); this one reads each image's focal from the data sample's
    ``focal_key`` metainfo (pixels), e.g. the KITTI readers' ``focal_length`` from the
    calibration files, which PackSegInputs packs when it is in its ``meta_keys``.

    Args:
        train_focal (float): focal length (pixels) of the training camera, e.g. CARLA
            859.238 (the released focal table).
        focal_key (str): metainfo key of the test image's focal. Defaults to
            ``'focal_length'``.
        **kwargs: see :class:`DepthMetric` (``pred_scale`` multiplies on top).
    """

    def __init__(self, train_focal: float, focal_key: str = 'focal_length',
                 prefix: Optional[str] = None, **kwargs) -> None:
        super().__init__(prefix=prefix, **kwargs)
        if not float(train_focal) > 0:
            raise ValueError(f'FocalRatioDepthMetric: train_focal must be > 0, got {train_focal}')
        self.train_focal = float(train_focal)
        self.focal_key = focal_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            for key in (self.pred_key, self.gt_key):
                if key not in sample:
                    raise KeyError(f'FocalRatioDepthMetric needs {key!r} in each data sample, '
                                   f'got {sorted(sample)}')
            focal = sample.get(self.focal_key)
            if focal is None or not float(focal) > 0:
                raise KeyError(
                    f'FocalRatioDepthMetric: sample {sample.get("img_path", "?")} has no '
                    f'positive {self.focal_key!r} (got {focal!r}); the test set must provide '
                    f'it (e.g. KITTIDepthDataset with calib_dir) and PackSegInputs must list it '
                    'in meta_keys')
            scale = self.pred_scale * float(focal) / self.train_focal
            errs = depth_errors(_to_numpy(sample[self.pred_key]) * scale,
                                _to_numpy(sample[self.gt_key]), self.min_depth, self.max_depth)
            if errs is not None:
                self.results.append(errs)
