# Copyright (c) synthssl contributors.
"""Ren & Lee's grayscale augmentation: one random colour channel copied to all three."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomGrayscaleChannel(BaseTransform):
    """With probability ``prob`` replace the image by one of its channels, replicated 3x.

    Required keys: ``img`` (H, W, 3). Modified keys: ``img`` (same shape and dtype). Added
    keys: ``gray_channel`` (int, the channel index used, or -1 when the image was kept).

    The authors (``GRAY: True``) drew **one channel index per batch** and applied it to the
    synthetic and the real batch alike, always (``prob=1``). A transform sees one sample,
    so here the channel is drawn **per sample**; with ``prob=1`` every image is still grey,
    only which channel makes it differs across a batch (this is the documented deviation).
    Pass ``channel`` to fix the index.

    Args:
        prob (float): probability of applying it. Default 1.0 (the paper's setting).
        channel (int, optional): fixed channel index (0, 1 or 2); None draws one uniformly.
    """

    def __init__(self, prob: float = 1.0, channel: Optional[int] = None) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if channel is not None and channel not in (0, 1, 2):
            raise ValueError(f'channel must be 0, 1, 2 or None, got {channel}')
        self.prob = prob
        self.channel = channel

    def transform(self, results: Dict) -> Dict:
        """Replace ``img`` by a replicated single channel (or keep it)."""
        img = results['img']
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"{results.get('img_path', '<sample>')}: RandomGrayscaleChannel "
                             f'needs an (H, W, 3) image, got shape {img.shape}')
        if np.random.rand() < self.prob:
            c = self.channel if self.channel is not None else int(np.random.randint(3))
            results['img'] = np.repeat(img[..., c:c + 1], 3, axis=2)
            results['gray_channel'] = c
        else:
            results['gray_channel'] = -1
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, channel={self.channel})'
