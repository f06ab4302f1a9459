# Copyright (c) synthssl contributors.
"""Reader of the VisDA-17 classification data (Peng et al., 2017), as CSG (Chen et al.,
ICLR'21) trains on its synthetic ``train`` split and tests on its real ``validation`` split."""
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmengine.fileio import list_from_file
from mmpretrain.datasets import BaseDataset

from synthssl.registry import DATASETS

# Category ids of the VisDA-17 devkit (VisionLearningGroup/taskcv-2017-public,
# classification/README.md "The category IDs are as follows" and the names list of its
# evaluation script classification/exp_eval.py).
VISDA17_CLASSES = ('aeroplane', 'bicycle', 'bus', 'car', 'horse', 'knife', 'motorcycle',
                   'person', 'plant', 'skateboard', 'train', 'truck')


@DATASETS.register_module()
class VisDA17Dataset(BaseDataset):
    """VisDA-17 classification split read from its ``image_list.txt``.

    Public layout (one folder per split, each with its own list)::

        <root>/train/image_list.txt          # "aeroplane/src_1_..._45.png 0" (synthetic)
        <root>/train/aeroplane/...png
        <root>/validation/image_list.txt     # "aeroplane/..._0.jpg 0" (real, COCO crops)
        <root>/validation/aeroplane/...jpg

    Every non-empty line of the list is ``<path> <label>``: the path is relative to the
    split folder (``data_root`` joined with ``data_prefix``), the label an integer category
    id in ``[0, num_classes)`` with the devkit's ids (:data:`VISDA17_CLASSES`: 0 aeroplane,
    ..., 11 truck). Samples carry ``img_path`` and ``gt_label`` for mmpretrain's pipelines.

    Args:
        data_root (str): the split folder (``data/visda17/train``), or the VisDA root with
            ``ann_file='train/image_list.txt'`` and ``data_prefix='train'``.
        ann_file (str): the list, relative to ``data_root`` or absolute.
            Defaults to ``'image_list.txt'``.
        data_prefix (str | dict): folder the listed paths are relative to (joined with
            ``data_root``). Defaults to ``''``.
        pipeline (Sequence): mmpretrain transforms.
        check_files (bool): check at initialisation that every listed image exists
            (one ``stat`` per image: 152k for the train split). Defaults to False; a
            missing image then fails when it is loaded, naming the path.
        **kwargs: other :class:`mmpretrain.datasets.BaseDataset` arguments (``metainfo``,
            ``test_mode``, ``indices``, ...).
    """

    METAINFO = dict(classes=VISDA17_CLASSES)

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = 'image_list.txt',
                 data_prefix: Union[str, dict] = '',
                 pipeline: Sequence = (),
                 check_files: bool = False,
                 **kwargs) -> None:
        self.check_files = check_files
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            pipeline=pipeline,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse ``ann_file`` into ``dict(img_path, gt_label)`` samples."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'VisDA-17 image list {self.ann_file} not found (expected '
                '<split>/image_list.txt of the VisDA-17 classification data)')
        num_classes = len(self.metainfo['classes'])
        img_dir = self.data_prefix.get('img_path', '') or ''
        data_list = []
        for lineno, raw in enumerate(list_from_file(self.ann_file), start=1):
            line = raw.strip()
            if not line:
                continue
            parts = line.rsplit(maxsplit=1)
            where = f'{self.ann_file}:{lineno}'
            if len(parts) != 2:
                raise ValueError(f'{where}: expected "<relative path> <label>", got {line!r}')
            rel_path, label_str = parts
            label = _parse_label(label_str)
            if label is None or not 0 <= label < num_classes:
                raise ValueError(f'{where}: label {label_str!r} is not an integer class id in '
                                 f'[0, {num_classes - 1}] (line {line!r})')
            img_path = osp.join(img_dir, rel_path)
            if self.check_files and not osp.isfile(img_path):
                raise FileNotFoundError(f'{where}: image {img_path} does not exist')
            data_list.append(dict(img_path=img_path, gt_label=label))
        if not data_list:
            raise ValueError(f'VisDA-17 image list {self.ann_file} lists no image')
        return data_list


def _parse_label(text: str) -> Optional[int]:
    try:
        return int(text)
    except ValueError:
        return None
