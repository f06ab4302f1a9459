# Copyright (c) synthssl contributors.
"""Image / segmentation-label size agreement (some GTA5 frames disagree)."""
from typing import Dict

import mmcv
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MatchImageToSegMap(BaseTransform):
    """Make ``img`` the size of ``gt_seg_map``, or raise naming both files.

    Put it right after ``LoadAnnotations``. A label map must be 2-D (label ids); a 3-channel
    one (a colour-coded label, or a palette PNG decoded by OpenCV) is always an error. If
    the image's (H, W) differs from the label's, ``on_mismatch='resize'`` resizes the image
    bilinearly to the label's size -- the label is never interpolated; as the GTA5
    re-implementation ryanking13/CSG did -- and ``'error'`` raises.

    Required keys: ``img`` (H, W, C), ``gt_seg_map`` (h, w). Modified keys: ``img``,
    ``img_shape``, ``ori_shape`` (set to (h, w) after a resize, since the ground truth is
    at that size). Added keys: ``img_resized_to_seg`` (bool).

    Args:
        on_mismatch (str): ``'resize'`` (default) or ``'error'``.
    """

    def __init__(self, on_mismatch: str = 'resize') -> None:
        if on_mismatch not in ('resize', 'error'):
            raise ValueError(f"on_mismatch must be 'resize' or 'error', got {on_mismatch!r}")
        self.on_mismatch = on_mismatch

    def transform(self, results: Dict) -> Dict:
        img, seg = results['img'], results['gt_seg_map']
        img_path = results.get('img_path', '<image>')
        seg_path = results.get('seg_map_path', '<label>')
        if seg.ndim != 2:
            raise ValueError(f'{seg_path}: label map has shape {seg.shape}, expected (H, W) '
                             'label ids (is it a colour-coded label, or decoded with cv2?)')
        resized = img.shape[:2] != seg.shape
        if resized:
            if self.on_mismatch == 'error':
                raise ValueError(f'{img_path} is {img.shape[1]}x{img.shape[0]} but its label '
                                 f'{seg_path} is {seg.shape[1]}x{seg.shape[0]} (W x H)')
            results['img'] = mmcv.imresize(img, (seg.shape[1], seg.shape[0]),
                                           interpolation='bilinear')
            results['img_shape'] = seg.shape
            results['ori_shape'] = seg.shape
        results['img_resized_to_seg'] = resized
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(on_mismatch={self.on_mismatch!r})'
