# Copyright (c) synthssl contributors.
"""CSG's key view for segmentation: the query crop with photometric jitter, packed with it.

Classification needs nothing here: mmpretrain's ``MultiView`` (two independent
RandAugment + crop views) followed by ``PackInputs`` already gives ``inputs = [q, k]``.
For segmentation the key is the *same* crop as the query (the dense InfoNCE compares
tile (i, j) of both), recoloured by ``ColorJitter(0.4, 0.4, 0.4, 0.4)`` as in the released
``dataloader_seg.TrainPre``::

    ...geometric transforms (RandomResize, RandomCrop, RandomFlip)...,
    dict(type='synthssl.AddKeyView', transforms=[
        dict(type='mmpretrain.NumpyToPIL', to_rgb=True),
        dict(type='mmpretrain.torchvision/ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.4),
        dict(type='mmpretrain.PILToNumpy', to_bgr=True)]),
    dict(type='synthssl.PackCSGSegInputs'),

(torchvision's ColorJitter, the authors' op; mmpretrain's ``ColorJitter`` fails on negative
hue shifts under numpy 2 inside ``mmcv.adjust_hue``.)

mmseg's ``PackSegInputs`` then runs unchanged on the query, and the packed ``inputs`` become
``[query, key]`` (C, H, W) tensors; :class:`synthssl.CSG` normalises each view with the
segmentor's own ``SegDataPreProcessor``.
"""
import copy
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform, Compose

from synthssl.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AddKeyView(BaseTransform):
    """Add ``results['img_k']``: ``results['img']`` passed through ``transforms``.

    The sub-pipeline sees a copy of the results (so random choices are its own) and must
    be photometric: an output of another shape is an error, since the key must stay
    pixel-aligned with the query.

    Args:
        transforms (list[dict]): photometric transforms (e.g. a ColorJitter).
        key (str): where to store the key image. Defaults to ``'img_k'``.
    """

    def __init__(self, transforms: List[Dict], key: str = 'img_k') -> None:
        self.pipeline = Compose(transforms)
        self.key = key

    def transform(self, results: Dict) -> Dict:
        if 'img' not in results:
            raise KeyError(f'AddKeyView: no image in the results of {results.get("img_path")}')
        view = self.pipeline(copy.deepcopy(results))
        if view is None or view['img'].shape != results['img'].shape:
            raise ValueError(f'AddKeyView: the key transforms changed the image of '
                             f'{results.get("img_path")} from {results["img"].shape} to '
                             f'{None if view is None else view["img"].shape}; only photometric '
                             'transforms keep the key aligned with the query')
        results[self.key] = view['img']
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(key={self.key!r}, transforms={self.pipeline})'


@TRANSFORMS.register_module()
class PackCSGSegInputs(BaseTransform):
    """mmseg's ``PackSegInputs`` for the query, with ``inputs = [query, key]``.

    Args:
        key (str): results key of the key image (see :class:`AddKeyView`).
            Defaults to ``'img_k'``.
        meta_keys (Sequence[str], optional): passed to ``PackSegInputs``; its default if None.
    """

    def __init__(self, key: str = 'img_k', meta_keys: Optional[Sequence[str]] = None) -> None:
        pack = dict(type='mmseg.PackSegInputs')  # built lazily: mmseg is imported on use
        if meta_keys is not None:
            pack['meta_keys'] = tuple(meta_keys)
        self.pack = TRANSFORMS.build(pack)
        self.key = key

    @staticmethod
    def _to_tensor(img: np.ndarray) -> torch.Tensor:
        if img.ndim < 3:
            img = img[..., None]
        return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))

    def transform(self, results: Dict) -> Dict:
        if self.key not in results:
            raise KeyError(f'PackCSGSegInputs: no {self.key!r} in the results of '
                           f'{results.get("img_path")}; add synthssl.AddKeyView before it')
        packed = self.pack(results)
        packed['inputs'] = [packed['inputs'], self._to_tensor(results[self.key])]
        return packed

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(key={self.key!r}, pack={self.pack!r})'
