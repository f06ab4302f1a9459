# Copyright (c) synthssl contributors.
"""Packing of an image and its dense targets for an mmpretrain-style model."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.structures import DataSample

from synthssl.registry import TRANSFORMS

# results key -> (dtype of the packed tensor)
_PACK_DTYPES = dict(gt_depth=torch.float32, gt_normal=torch.float32,
                    gt_contour=torch.float32, gt_instance=torch.int64,
                    gt_semantic=torch.int64)


@TRANSFORMS.register_module()
class PackMultiTaskInputs(BaseTransform):
    """Pack ``img`` and the dense targets into ``{'inputs', 'data_samples'}``.

    Output: ``inputs`` Tensor (3, H, W) of the image's dtype (uint8), as mmpretrain's
    ``PackInputs``; ``data_samples`` an :class:`mmpretrain.structures.DataSample` with the
    present targets as data fields:

    * ``gt_depth``    (1, H, W) float32 metres, 0 = invalid;
    * ``gt_normal``   (3, H, W) float32 unit OpenCV-camera normals, 0 = invalid;
    * ``gt_contour``  (1, H, W) float32 in {0, 1};
    * ``gt_instance`` (1, H, W) int64;
    * ``gt_semantic`` (1, H, W) int64;

    and the ``meta_keys`` found in ``results`` as metainfo (``K`` as a (3, 3) float32
    tensor). Absent targets are simply not set (a real image packs to inputs + metainfo).

    Note: mmpretrain registers its own, unrelated ``PackMultiTaskInputs`` in its scope; in a
    config with ``default_scope='mmpretrain'`` write ``type='synthssl.PackMultiTaskInputs'``.

    Args:
        input_key (str): key of the image. Default 'img'.
        meta_keys (Sequence[str]): metainfo keys to keep.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor',
                         'flip', 'flip_direction', 'K', 'tasks', 'gray_channel')

    def __init__(self, input_key: str = 'img',
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.input_key = input_key
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def _to_chw(arr: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
        if arr.ndim == 2:
            arr = arr[None]
        else:
            arr = arr.transpose(2, 0, 1)
        return torch.from_numpy(np.ascontiguousarray(arr)).to(dtype)

    def transform(self, results: Dict) -> Dict:
        """Pack; see the class docstring for shapes and dtypes."""
        packed = dict()
        img = results[self.input_key]
        if img.ndim == 2:
            img = img[..., None]
        packed['inputs'] = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0,
                                                                                1).contiguous()
        sample = DataSample()
        for key, dtype in _PACK_DTYPES.items():
            if key in results:
                sample.set_field(self._to_chw(results[key], dtype), key)
        for key in self.meta_keys:
            if key in results:
                value = results[key]
                if key == 'K' and value is not None:
                    value = torch.as_tensor(np.asarray(value), dtype=torch.float32)
                sample.set_field(value, key, field_type='metainfo')
        packed['data_samples'] = sample
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_key={self.input_key!r}, '
                f'meta_keys={self.meta_keys})')
