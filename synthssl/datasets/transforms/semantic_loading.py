# Copyright (c) synthssl contributors.
"""Loading of semantic label maps whose ids need remapping (AT/DT domains -> CARLA classes)."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from synthssl.fileio import BadFileError, imread_checked
from synthssl.registry import TRANSFORMS

from ..label_maps import LABEL_MAPPINGS, apply_label_mapping
from .map_fields import add_seg_field, check_map_size

# channel letter -> index in cv2's BGR(A) order
_CHANNELS = {'R': 2, 'G': 1, 'B': 0}


@TRANSFORMS.register_module()
class LoadSemanticMap(BaseTransform):
    """Load ``gt_seg_map`` (H, W) uint8 class ids from ``seg_map_path``, remapped by a label
    mapping of :mod:`synthssl.datasets.label_maps` (unmapped ids -> ``ignore_index``).

    Which mapping and which channel hold the ids are the sample's ``label_mapping`` and
    ``seg_channel`` (set by the AT/DT readers) unless given here. With a channel (``'R'``,
    ``'G'`` or ``'B'``) the file must be a colour PNG (SYNTHIA-SF and raw CARLA keep the class in
    R); without one it must be single-channel. An mmseg ``label_map`` in the sample (custom class
    subsets) is applied afterwards. The result is added to ``seg_fields``, so mmseg's geometric
    transforms move it with the image and ``PackSegInputs`` packs it as ``gt_sem_seg``.

    Args:
        label_mapping (str, optional): name in ``LABEL_MAPPINGS``; ``'none'`` keeps the ids.
            Default: the sample's ``label_mapping`` (no mapping if absent).
        seg_channel (str, optional): ``'R'``, ``'G'`` or ``'B'``; default: the sample's.
        ignore_index (int): id of unmapped / missing pixels. Default 255.
        missing (str): a sample without ``seg_map_path`` gets ``'ignore'`` (default; a map of
            ``ignore_index`` of the image's size) or raises (``'error'``).
    """

    def __init__(self,
                 label_mapping: Optional[str] = None,
                 seg_channel: Optional[str] = None,
                 ignore_index: int = 255,
                 missing: str = 'ignore') -> None:
        if label_mapping is not None and label_mapping != 'none' \
                and label_mapping not in LABEL_MAPPINGS:
            raise KeyError(f'unknown label mapping {label_mapping!r}; known: '
                           f"{sorted(LABEL_MAPPINGS)} or 'none'")
        if seg_channel is not None and seg_channel not in _CHANNELS:
            raise ValueError(f"seg_channel must be 'R', 'G' or 'B', got {seg_channel!r}")
        if missing not in ('ignore', 'error'):
            raise ValueError(f"missing must be 'ignore' or 'error', got {missing!r}")
        self.label_mapping = label_mapping
        self.seg_channel = seg_channel
        self.ignore_index = ignore_index
        self.missing = missing

    def _read(self, path: str, channel: Optional[str]) -> np.ndarray:
        if channel is None:
            return imread_checked(path, ('uint8', 'uint16'), 1, 'a semantic id map')
        img = imread_checked(path, ('uint8', 'uint16'), None,
                             f'a colour label map with ids in {channel}')
        if img.ndim != 3 or img.shape[2] not in (3, 4):
            got = 1 if img.ndim == 2 else img.shape[2]
            raise BadFileError(f'{path}: a colour label map with ids in the {channel} channel '
                               f'must have 3 or 4 channels, got {got}')
        return np.ascontiguousarray(img[..., _CHANNELS[channel]])

    def transform(self, results: Dict) -> Dict:
        """Load and remap the label map of ``results``; see the class docstring."""
        path = results.get('seg_map_path')
        if not path:
            if self.missing == 'error' or results.get('img') is None:
                raise ValueError(f'{results.get("img_path")}: sample has no seg_map_path '
                                 '(and no loaded image to size an all-ignored map)')
            seg = np.full(results['img'].shape[:2], self.ignore_index, dtype=np.uint8)
        else:
            channel = self.seg_channel or results.get('seg_channel')
            ids = self._read(path, channel)
            mapping = self.label_mapping or results.get('label_mapping')
            if mapping and mapping != 'none':
                seg = apply_label_mapping(ids, mapping, self.ignore_index)
            else:
                if ids.max(initial=0) > 255:
                    raise BadFileError(f'{path}: label ids up to {ids.max()} do not fit uint8; '
                                       'give a label_mapping')
                seg = ids.astype(np.uint8)
            check_map_size(results, seg, path, 'label map')
        label_map = results.get('label_map')
        if label_map:
            lut = np.arange(256, dtype=np.uint8)
            for old, new in label_map.items():
                lut[old] = new
            seg = lut[seg]
        results['gt_seg_map'] = seg
        add_seg_field(results, 'gt_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(label_mapping={self.label_mapping!r}, '
                f'seg_channel={self.seg_channel!r}, ignore_index={self.ignore_index})')
