# Copyright (c) synthssl contributors.
"""Fast R-CNN RoI max pooling that runs on CPU and GPU (torchvision's kernel).

mmcv's ``RoIPool`` has CUDA/MLU/NPU kernels only, so a Fast R-CNN with a CaffeNet-style
backbone could not even be unit-tested on CPU. ``torchvision.ops.roi_pool`` is the original
Caffe Fast R-CNN kernel (RoI corners rounded to the feature grid, inclusive end,
``bin = floor/ceil`` partition, max per bin, empty bins give 0) on both devices.
"""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.nn.modules.utils import _pair
from torchvision.ops import roi_pool

from synthssl.registry import MODELS


@MODELS.register_module(name=['RoIPool', 'TorchvisionRoIPool'])
class TorchvisionRoIPool(nn.Module):
    """RoI max pooling with the call signature of ``mmcv.ops.RoIPool``.

    Registered in synthssl's ``MODELS`` as ``'RoIPool'`` (and ``'TorchvisionRoIPool'``);
    use it in mmdet through :class:`synthssl.models.roi.SingleRoIExtractor`, e.g.
    ``roi_layer=dict(type='synthssl.RoIPool', output_size=6)``.

    Args:
        output_size (int | tuple[int, int]): pooled (h, w), 6 for AlexNet's fc6.
        spatial_scale (float): feature stride reciprocal, 1/16 for AlexNet conv5.
    """

    def __init__(self, output_size: Union[int, Sequence[int]],
                 spatial_scale: float = 1.0) -> None:
        super().__init__()
        self.output_size: Tuple[int, int] = tuple(_pair(output_size))  # type: ignore
        self.spatial_scale = float(spatial_scale)
        if min(self.output_size) < 1 or self.spatial_scale <= 0:
            raise ValueError(f'TorchvisionRoIPool: need output_size >= 1 and spatial_scale '
                             f'> 0, got {self.output_size}, {self.spatial_scale}')

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """
        Args:
            input (Tensor): feature map (N, C, H, W).
            rois (Tensor): (K, 5) rows ``(batch_index, x1, y1, x2, y2)`` in image pixels.

        Returns:
            Tensor: (K, C, output_size[0], output_size[1]).
        """
        if rois.dim() != 2 or rois.size(1) != 5:
            raise ValueError(f'TorchvisionRoIPool: rois must be (K, 5), got {tuple(rois.shape)}')
        # torchvision's autocast wrapper would do the same; keep rois in the feature dtype.
        return roi_pool(input, rois.to(input.dtype), self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale})')
