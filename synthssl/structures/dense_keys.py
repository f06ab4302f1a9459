# Copyright (c) synthssl contributors.
"""Names of the dense targets a multi-task pipeline carries in its ``results`` dict.

Every map has the image's height and width (``results['img'].shape[:2]``):

* ``gt_depth``    (H, W)    float32 metric z-depth in metres, 0 = invalid;
* ``gt_normal``   (H, W, 3) float32 unit camera-space normals (OpenCV axes: x right, y down,
  z forward), facing the camera, (0, 0, 0) = invalid;
* ``gt_instance`` (H, W)    int64 instance ids, 0 = background;
* ``gt_semantic`` (H, W)    int64 semantic class ids;
* ``gt_contour``  (H, W)    float32 instance contours in {0, 1}.

Geometric transforms resample all of them with nearest neighbour (never blending values
across object edges) and keep the intrinsics ``results['K']`` (3, 3) float64 in step.
"""
from typing import Tuple

DENSE_KEYS: Tuple[str, ...] = ('gt_depth', 'gt_normal', 'gt_instance', 'gt_semantic',
                               'gt_contour')
# Task name (as listed in a sample's ``tasks``) -> results key.
TASK_KEYS = dict(depth='gt_depth', normal='gt_normal', instance='gt_instance',
                 semantic='gt_semantic', contour='gt_contour')
