# Copyright (c) synthssl contributors.
"""SYNTHIA-SF reader (AT/DT domain "Synthia")."""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from synthssl.registry import DATASETS

from .sem_depth_dataset import SemDepthDataset, sorted_files


@DATASETS.register_module()
class SynthiaSFDataset(SemDepthDataset):
    """SYNTHIA-SF (San Francisco; the six sequences AT/DT uses), its downloaded layout::

        <data_root>/SEQ<n>/RGBLeft/<frame>.png    8-bit RGB, 1920x1080
        <data_root>/SEQ<n>/GTLeft/<frame>.png     class id in the R channel (ids: labels.py
                                                  SYNTHIA_SF_CLASSES; G/B hold instance info)
        <data_root>/SEQ<n>/DepthLeft/<frame>.png  8-bit RGB depth,
                                                  (R + 256 G + 65536 B) / (2^24 - 1) * 5000 m

    Labels are mapped to the 11 CARLA classes (``label_mapping='synthia_sf'``), depth decoded
    with ``depth_encoding='synthia_sf'``. The authors' code decoded every PNG with the CARLA
    factor (1000 m); pass ``depth_encoding='carla_rgb'`` to reproduce that. The paper splits
    train / val / test by sequence: choose them with ``sequences``.

    Args:
        data_root (str): the ``SYNTHIA-SF`` folder.
        sequences (Sequence[int], optional): sequence numbers to read; default all ``SEQ*``.
        img_dir, seg_dir, depth_dir (str): per-sequence folders (``'RGBRight'``, ``'GTright'``,
            ``'DepthRight'`` for the right camera). ``seg_dir`` / ``depth_dir`` may be None.
        **kwargs: see :class:`~synthssl.datasets.atdt.sem_depth_dataset.SemDepthDataset`.
    """

    DEPTH_ENCODING = 'synthia_sf'
    LABEL_MAPPING = 'synthia_sf'
    SEG_CHANNEL = 'R'

    def __init__(self,
                 data_root: str,
                 sequences: Optional[Sequence[int]] = None,
                 img_dir: str = 'RGBLeft',
                 seg_dir: Optional[str] = 'GTLeft',
                 depth_dir: Optional[str] = 'DepthLeft',
                 **kwargs) -> None:
        self.sequences = None if sequences is None else [int(s) for s in sequences]
        self.img_dir, self.seg_dir, self.depth_dir = img_dir, seg_dir, depth_dir
        super().__init__(data_root=data_root, **kwargs)

    def _sequence_dirs(self) -> List[str]:
        if self.sequences is not None:
            return [osp.join(self.data_root, f'SEQ{s}') for s in self.sequences]
        if not osp.isdir(self.data_root):
            raise FileNotFoundError(f'{self.data_root}: SYNTHIA-SF root does not exist')
        names = [n for n in os.listdir(self.data_root) if re.fullmatch(r'SEQ\d+', n)]
        return [osp.join(self.data_root, n) for n in sorted(names, key=lambda n: int(n[3:]))]

    def scan(self) -> List[Dict]:
        """One sample per ``SEQ*/<img_dir>/*.png``."""
        samples = []
        for seq in self._sequence_dirs():
            for name in sorted_files(osp.join(seq, self.img_dir), '.png', 'SYNTHIA-SF image'):
                samples.append(dict(
                    img_path=osp.join(seq, self.img_dir, name),
                    seg_map_path=osp.join(seq, self.seg_dir, name) if self.seg_dir else None,
                    depth_map_path=(osp.join(seq, self.depth_dir, name)
                                    if self.depth_dir else None),
                    sequence=osp.basename(seq)))
        return samples
