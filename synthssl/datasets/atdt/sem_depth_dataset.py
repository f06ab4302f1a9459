# Copyright (c) synthssl contributors.
"""Shared reader of "images + semantic labels + depth" domains (AT/DT)."""
import os
import os.path as osp
from typing import Dict, List, Optional

from mmseg.datasets import BaseSegDataset

from synthssl.datasets.transforms.depth_loading import DEPTH_ENCODINGS

from ..label_maps import CARLA_CLASSES, CARLA_PALETTE, LABEL_MAPPINGS

_MISSING = ('', '_', '-', 'none', 'None')


class SemDepthDataset(BaseSegDataset):
    """Base of the AT/DT readers: a list of samples, each with an image, a semantic label map
    and a depth map (either may be absent), plus how to decode them.

    Each ``data_list`` entry::

        img_path, seg_map_path (or None), depth_map_path (or None)  absolute paths
        depth_encoding    how LoadDepthMap decodes the depth file (see depth_loading.py)
        label_mapping     LABEL_MAPPINGS name LoadSemanticMap applies (source ids -> classes)
        seg_channel       colour channel holding the ids ('R', ...) or None (1-channel PNG)
        label_map, reduce_zero_label, seg_fields              what mmseg's transforms expect
        (+ reader-specific keys, e.g. focal_baseline / disparity_offset for disparity files)

    Samples come from the reader's own folder layout (:meth:`scan`, in the subclasses) or, if
    ``ann_file`` is given, from a list file in the format of the authors' ``filelist/*.txt``::

        <rgb>;<right rgb>;<semantic>;<depth>[;<normals>]      # paths relative to data_root

    where ``_`` (or an empty field) marks a missing file; the right image and normals are
    kept as ``right_img_path`` / ``normal_path`` but not loaded.

    The depth encoding / label mapping / label channel default to the reader's class constants
    and can be overridden (e.g. ``depth_encoding='carla_rgb'`` for Cityscapes depth that was
    converted to the authors' CARLA encoding). With ``check_files`` every listed file is checked
    at initialisation and the first missing one is reported with its path.

    Args:
        data_root (str): dataset root.
        ann_file (str): optional list file (relative to ``data_root``). Default ''.
        depth_encoding, label_mapping, seg_channel (str, optional): override the defaults.
        check_files (bool): stat every file at init. Default True.
        **kwargs: the rest of :class:`mmseg.datasets.BaseSegDataset`'s arguments
            (``pipeline``, ``test_mode``, ``indices``, ``metainfo``, ``ignore_index``, ...).
    """

    METAINFO: Dict = dict(classes=CARLA_CLASSES, palette=CARLA_PALETTE)
    DEPTH_ENCODING: Optional[str] = None
    LABEL_MAPPING: Optional[str] = None
    SEG_CHANNEL: Optional[str] = None

    def __init__(self,
                 data_root: str,
                 ann_file: str = '',
                 depth_encoding: Optional[str] = None,
                 label_mapping: Optional[str] = None,
                 seg_channel: Optional[str] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        self.depth_encoding = depth_encoding or self.DEPTH_ENCODING
        self.label_mapping = label_mapping or self.LABEL_MAPPING
        self.seg_channel = seg_channel or self.SEG_CHANNEL
        if self.depth_encoding not in DEPTH_ENCODINGS:
            raise ValueError(f'{type(self).__name__}: unknown depth_encoding '
                             f'{self.depth_encoding!r}; known: {DEPTH_ENCODINGS}')
        if self.label_mapping not in (None, 'none') and self.label_mapping not in LABEL_MAPPINGS:
            raise ValueError(f'{type(self).__name__}: unknown label_mapping '
                             f"{self.label_mapping!r}; known: {sorted(LABEL_MAPPINGS)} or 'none'")
        if self.seg_channel not in (None, 'R', 'G', 'B'):
            raise ValueError(f"seg_channel must be None, 'R', 'G' or 'B', got {self.seg_channel!r}")
        self.check_files = check_files
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    # ------------------------------------------------------------------ sources of samples
    def scan(self) -> List[Dict]:
        """Samples (dicts with ``img_path``, ``seg_map_path``, ``depth_map_path``) found in the
        reader's folder layout under ``self.data_root``; implemented by the subclasses."""
        raise NotImplementedError(f'{type(self).__name__} reads list files only: give ann_file')

    def parse_list_file(self, path: str) -> List[Dict]:
        """Samples of an authors'-format list file (see the class docstring)."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: list file does not exist')
        samples = []
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip() or line.lstrip().startswith('#'):
                    continue
                fields = [p.strip() for p in line.rstrip('\n').split(';')]
                if len(fields) not in (4, 5):
                    raise ValueError(f'{path}:{lineno}: expected "rgb;right;semantic;depth'
                                     f'[;normals]", got {len(fields)} field(s): {line.strip()!r}')
                if fields[0] in _MISSING:
                    raise ValueError(f'{path}:{lineno}: the rgb field is empty')
                paths = [None if p in _MISSING else osp.join(self.data_root, p) for p in fields]
                sample = dict(img_path=paths[0], right_img_path=paths[1], seg_map_path=paths[2],
                              depth_map_path=paths[3], list_line=lineno)
                if len(paths) == 5:
                    sample['normal_path'] = paths[4]
                samples.append(sample)
        return samples

    def collect_samples(self) -> List[Dict]:
        """The list file's samples if ``ann_file`` is set, else :meth:`scan`'s."""
        if self.ann_file:
            return self.parse_list_file(self.ann_file)
        return self.scan()

    def complete_sample(self, sample: Dict) -> Dict:
        """Hook for reader-specific keys (e.g. disparity calibration); returns the sample."""
        return sample

    # ------------------------------------------------------------------ mmengine API
    def load_data_list(self) -> List[Dict]:
        """Collect the samples and attach decoding information; see the class docstring."""
        source = self.ann_file or f'the {type(self).__name__} layout under {self.data_root}'
        data_list = []
        for sample in self.collect_samples():
            sample.setdefault('seg_map_path', None)
            sample.setdefault('depth_map_path', None)
            sample.update(depth_encoding=self.depth_encoding, label_mapping=self.label_mapping,
                          seg_channel=self.seg_channel, label_map=self.label_map,
                          reduce_zero_label=self.reduce_zero_label, seg_fields=[])
            sample = self.complete_sample(sample)
            if self.check_files:
                for key in ('img_path', 'seg_map_path', 'depth_map_path'):
                    p = sample.get(key)
                    if p and not osp.isfile(p):
                        raise FileNotFoundError(f'{p}: {key} of a sample listed by {source} '
                                                'does not exist')
            data_list.append(sample)
        if not data_list:
            raise ValueError(f'{type(self).__name__}: no samples found in {source}')
        return data_list


def sorted_files(folder: str, suffix: str, what: str) -> List[str]:
    """Sorted names of the files ending in ``suffix`` directly in ``folder``;
    ``FileNotFoundError`` naming the folder if it does not exist."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: {what} folder does not exist')
    return sorted(n for n in os.listdir(folder)
                  if n.endswith(suffix) and osp.isfile(osp.join(folder, n)))
