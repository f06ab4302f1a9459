# Copyright (c) synthssl contributors.
"""The AT/DT photometric augmentation (``core/input.py::augment_image`` of the released code,
inherited from monodepth): with probability ``prob`` the image in [0, 1] is raised to a gamma
U[0.8, 1.2], multiplied by a brightness U[0.5, 2.0] and by a per-channel colour U[0.8, 1.2],
then clipped to [0, 1]. mmseg's ``PhotoMetricDistortion`` (additive brightness, contrast, HSV
saturation/hue, each with its own coin) is a different augmentation, hence this transform."""
from typing import Dict, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomGammaBrightnessColor(BaseTransform):
    """Random gamma, brightness and per-channel colour scaling of ``img`` (uint8, any channel
    order) applied together with probability ``prob``; the image stays (H, W, C) uint8.

    ``out = clip((img / 255) ** gamma * brightness * colour[c], 0, 1) * 255`` (rounded).

    Args:
        prob (float): probability of applying all three. Default 0.5.
        gamma_range, brightness_range, color_range (Sequence[float]): uniform ranges.
            Defaults (0.8, 1.2), (0.5, 2.0), (0.8, 1.2), the authors' values.
    """

    def __init__(self,
                 prob: float = 0.5,
                 gamma_range: Sequence[float] = (0.8, 1.2),
                 brightness_range: Sequence[float] = (0.5, 2.0),
                 color_range: Sequence[float] = (0.8, 1.2)) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        for name, r in (('gamma_range', gamma_range), ('brightness_range', brightness_range),
                        ('color_range', color_range)):
            if len(r) != 2 or not 0 < r[0] <= r[1]:
                raise ValueError(f'{name} must be (low, high) with 0 < low <= high, got {r}')
        self.prob = prob
        self.gamma_range = tuple(gamma_range)
        self.brightness_range = tuple(brightness_range)
        self.color_range = tuple(color_range)

    def transform(self, results: Dict) -> Dict:
        """Maybe augment ``results['img']``; records the factors in ``photometric``."""
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        channels = 1 if img.ndim == 2 else img.shape[2]
        gamma = np.random.uniform(*self.gamma_range)
        brightness = np.random.uniform(*self.brightness_range)
        color = np.random.uniform(*self.color_range, size=channels)
        x = img.astype(np.float32) / 255.0
        x = np.power(x, gamma) * brightness
        x = x * (color if img.ndim == 3 else color[0])
        results['img'] = np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
        results['photometric'] = dict(gamma=float(gamma), brightness=float(brightness),
                                      color=[float(c) for c in color])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, gamma_range={self.gamma_range}, '
                f'brightness_range={self.brightness_range}, color_range={self.color_range})')
