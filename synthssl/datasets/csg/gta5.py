# Copyright (c) synthssl contributors.
"""Reader of GTA5 ("Playing for Data", Richter et al., ECCV'16) for GTA5 -> Cityscapes
segmentation (CSG, Chen et al., ICLR'21), with its labels mapped to the 19 Cityscapes trainIds."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine
import numpy as np
from mmcv.transforms import LoadAnnotations as MMCVLoadAnnotations
from mmseg.datasets import BaseSegDataset, CityscapesDataset
from mmseg.datasets.transforms import LoadAnnotations as SegLoadAnnotations

from synthssl.registry import DATASETS

from ..cityscapes_labels import cityscapes_id_to_train_id

@DATASETS.register_module()
class GTA5Dataset(BaseSegDataset):
    """GTA5 with labels as the 19 Cityscapes trainIds (255 = ignore).

    Public layout (the official download; 24,966 frames, 1914 x 1052)::

        <data_root>/images/00001.png ... 24966.png
        <data_root>/labels/00001.png ... 24966.png   # palette ("P") PNGs of Cityscapes label ids
        <data_root>/split.mat                        # optional: trainIds/valIds/testIds

    **Labels.** Each label PNG stores the Cityscapes *label id* (0..33) of every pixel as a
    palette index; the palette only colours them. They must be decoded as indices: mmseg's
    ``LoadAnnotations`` does so with its default ``imdecode_backend='pillow'``, whereas
    OpenCV (cv2, what the authors' loader used, NVlabs/CSG issue #2) expands the palette to
    its colours. The dataset therefore refuses a pipeline whose ``LoadAnnotations`` decodes
    with another backend, or is mmcv's plain ``LoadAnnotations`` (cv2 by default, no label
    map: write ``type='mmseg.LoadAnnotations'`` in a config whose scope is not mmseg).
    The id -> trainId mapping (:func:`cityscapes_id_to_train_id`) is applied by mmseg's own
    ``label_map`` mechanism in ``LoadAnnotations``: every sample carries the full 256-value
    map, so any id outside the 19 classes (and 255) becomes 255.

    **Image/label size.** A few GTA5 frames have an image whose size differs from its label.
    Put ``synthssl.MatchImageToSegMap`` right after ``LoadAnnotations``: it resizes such an
    image to its label's size (the label is never interpolated), or raises, naming both
    files, with ``on_mismatch='error'``.

    **Splits.** ``ann_file`` may be

    * ``''``: every ``images/*<img_suffix>`` (sorted) with ``labels/<same name>``;
    * a text list: one ``<name>`` per line (mmseg style, e.g. ``00001``; suffixes added,
      relative to the ``images``/``labels`` prefixes), or ``<image> <label>`` per line,
      both relative to ``data_root`` (the authors' ``gta5_train.txt`` format, e.g.
      ``images/00001.png labels/00001.png``; the authors did not ship that file);
    * the official ``split.mat`` (needs scipy): the 1-based frame numbers of ``split``'s
      ``<split>Ids`` array (train 12,403 frames: the authors' ``num_train_imgs``; val
      6,382; test 6,181), read as ``%05d`` names.

    Args:
        data_root (str): the GTA5 root.
        ann_file (str): see above; relative to ``data_root`` or absolute. Default ``''``.
        split (str): ``'train'``, ``'val'`` or ``'test'``, for a ``.mat`` ``ann_file``.
        data_prefix (dict): ``img_path``/``seg_map_path`` folders. Default images/labels.
        img_suffix, seg_map_suffix (str): Defaults ``'.png'``.
        check_files (bool): check at initialisation that every image and label exists.
            Default False (errors then come at load time, naming the path).
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments.
    """

    METAINFO = dict(classes=CityscapesDataset.METAINFO['classes'],
                    palette=CityscapesDataset.METAINFO['palette'])

    def __init__(self,
                 data_root: Optional[str] = None,
                 ann_file: str = '',
                 split: str = 'train',
                 data_prefix: dict = dict(img_path='images', seg_map_path='labels'),
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 check_files: bool = False,
                 ignore_index: int = 255,
                 **kwargs) -> None:
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"GTA5Dataset: split must be 'train', 'val' or 'test', got "
                             f'{split!r}')
        if kwargs.get('reduce_zero_label'):
            raise ValueError('GTA5Dataset: reduce_zero_label must be False (label id 0, '
                             '"unlabeled", is mapped to the ignore index already)')
        self.split = split
        self.check_files = check_files
        self._ignore = ignore_index
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            ignore_index=ignore_index,
            **kwargs)
        self._check_pipeline()

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Dict[int, int]:
        """Cityscapes label id -> trainId for all 256 values (mmseg's ``label_map``)."""
        if new_classes is not None and list(new_classes) != list(self.METAINFO['classes']):
            raise ValueError('GTA5Dataset: classes must be the 19 Cityscapes classes '
                             f'{self.METAINFO["classes"]}, got {tuple(new_classes)}')
        return cityscapes_id_to_train_id(getattr(self, '_ignore', 255))

    def _check_pipeline(self) -> None:
        for t in self.pipeline.transforms:
            if isinstance(t, SegLoadAnnotations):
                if t.imdecode_backend != 'pillow':
                    raise ValueError(
                        f"GTA5Dataset: LoadAnnotations(imdecode_backend="
                        f"'{t.imdecode_backend}') would decode the palette label PNGs as "
                        "colours; use imdecode_backend='pillow' (the default)")
            elif isinstance(t, MMCVLoadAnnotations):
                raise ValueError(
                    'GTA5Dataset: the pipeline uses mmcv.transforms.LoadAnnotations, which '
                    'reads label PNGs with cv2 and ignores the id -> trainId label_map; '
                    "use type='mmseg.LoadAnnotations'")

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '') or ''
        ann_dir = self.data_prefix.get('seg_map_path', '') or ''
        ann_file = self.ann_file
        if not ann_file:
            if not osp.isdir(img_dir):
                raise FileNotFoundError(f'GTA5Dataset: image folder {img_dir} not found')
            pairs = [(info['img_path'], info['seg_map_path'], f'{img_dir} (scan)')
                     for info in super().load_data_list()]
        elif not osp.isfile(ann_file):
            raise FileNotFoundError(f'GTA5Dataset: split file {ann_file} not found')
        elif ann_file.endswith('.mat'):
            pairs = self._pairs_from_mat(ann_file, img_dir, ann_dir)
        else:
            pairs = self._pairs_from_list(ann_file, img_dir, ann_dir)
        if not pairs:
            raise ValueError(f'GTA5Dataset: no sample found ({ann_file or img_dir})')
        data_list = []
        for img_path, seg_path, where in pairs:
            if self.check_files:
                for kind, path in (('image', img_path), ('label', seg_path)):
                    if not osp.isfile(path):
                        raise FileNotFoundError(f'{where}: {kind} {path} does not exist')
            data_list.append(dict(img_path=img_path, seg_map_path=seg_path,
                                  label_map=self.label_map, reduce_zero_label=False,
                                  seg_fields=[]))
        return data_list

    def _pairs_from_list(self, ann_file: str, img_dir: str, ann_dir: str) -> list:
        root = self.data_root or ''
        pairs = []
        for lineno, raw in enumerate(mmengine.list_from_file(ann_file), start=1):
            parts = raw.split()
            where = f'{ann_file}:{lineno}'
            if not parts:
                continue
            if len(parts) == 1:
                name = parts[0]
                pairs.append((osp.join(img_dir, name + self.img_suffix),
                              osp.join(ann_dir, name + self.seg_map_suffix), where))
            elif len(parts) == 2:
                pairs.append((osp.join(root, parts[0]), osp.join(root, parts[1]), where))
            else:
                raise ValueError(f'{where}: expected "<name>" or "<image> <label>", got '
                                 f'{raw.strip()!r}')
        return pairs

    def _pairs_from_mat(self, ann_file: str, img_dir: str, ann_dir: str) -> list:
        try:
            from scipy.io import loadmat
        except ImportError as e:  # pragma: no cover - scipy is in the lock file
            raise ImportError(f'GTA5Dataset: reading {ann_file} needs scipy') from e
        key = f'{self.split}Ids'
        mat = loadmat(ann_file)
        if key not in mat:
            found = sorted(k for k in mat if not k.startswith('__'))
            raise KeyError(f'{ann_file}: no {key!r} array (found {found})')
        ids = np.asarray(mat[key]).reshape(-1)
        if ids.size and (ids.min() < 1 or not np.all(ids == np.round(ids))):
            raise ValueError(f'{ann_file}: {key} must hold 1-based integer frame numbers')
        return [(osp.join(img_dir, f'{int(i):05d}{self.img_suffix}'),
                 osp.join(ann_dir, f'{int(i):05d}{self.seg_map_suffix}'),
                 f'{ann_file}[{key}]') for i in ids]
