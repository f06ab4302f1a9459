# Copyright (c) synthssl contributors.
"""VisDA-17 classification lists: the public train/ and validation/ layout, written here."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import first_batch
from synthssl.datasets import VISDA17_CLASSES, VisDA17Dataset


def write_visda(root: str, split: str, items) -> str:
    """items: [(category folder, file name, label, colour)] -> <root>/<split>/..."""
    lines = []
    for folder, name, label, colour in items:
        path = osp.join(root, split, folder, name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        Image.fromarray(np.full((20, 30, 3), colour, np.uint8)).save(path)
        lines.append(f'{folder}/{name} {label}')
    with open(osp.join(root, split, 'image_list.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return osp.join(root, split)


TRAIN = [('aeroplane', 'src_1_02691156_1_0_0.png', 0, (255, 0, 0)),
         ('knife', 'src_2_03624134_2_0_0.png', 5, (0, 255, 0)),
         ('truck', 'src_1_04467630_3_0_0.png', 11, (0, 0, 255))]
VAL = [('bus', 'aa.jpg', 2, (10, 20, 30)), ('skateboard', 'bb.jpg', 9, (40, 50, 60))]


def test_devkit_class_ids():
    # VisDA-17 devkit (classification/README.md): 0 aeroplane ... 5 knife ... 11 truck
    assert len(VISDA17_CLASSES) == 12
    assert VISDA17_CLASSES[0] == 'aeroplane' and VISDA17_CLASSES[5] == 'knife'
    assert VISDA17_CLASSES[9] == 'skateboard' and VISDA17_CLASSES[11] == 'truck'


def test_split_folder_layout_and_pipeline(tmp_path):
    split_root = write_visda(str(tmp_path), 'train', TRAIN)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(16, 16)),
                dict(type='mmpretrain.PackInputs')]
    ds = VisDA17Dataset(data_root=split_root, pipeline=pipeline, check_files=True)
    assert len(ds) == 3 and ds.metainfo['classes'] == VISDA17_CLASSES
    info = ds.get_data_info(1)
    assert info['img_path'] == osp.join(split_root, 'knife', TRAIN[1][1])
    assert info['gt_label'] == 5
    batch = first_batch(ds, 3)
    assert batch['inputs'].shape == (3, 3, 16, 16)
    assert [int(s.gt_label) for s in batch['data_samples']] == [0, 5, 11]
    # channel order BGR (mmcv): the red aeroplane image has its value in channel 2
    assert batch['inputs'][0][2].float().mean() == 255 and batch['inputs'][0][0].sum() == 0


def test_root_with_split_prefix(tmp_path):
    write_visda(str(tmp_path), 'validation', VAL)
    ds = VisDA17Dataset(data_root=str(tmp_path), ann_file='validation/image_list.txt',
                        data_prefix='validation', check_files=True)
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == [2, 9]
    assert ds.get_data_info(0)['img_path'] == osp.join(str(tmp_path), 'validation', 'bus',
                                                       'aa.jpg')
    assert torch.equal(torch.as_tensor(ds.get_gt_labels()), torch.tensor([2, 9]))


@pytest.mark.parametrize('bad,match', [('car/x.png 12',
                                        r"label '12' is not an integer class id in \[0, 11\]"),
                                       ('car/x.png three', r"label 'three'"),
                                       ('car/x.png -1', r"label '-1'"),
                                       ('lonely.png', 'expected "<relative path> <label>"')])
def test_bad_lines_name_file_and_line(tmp_path, bad, match):
    split_root = write_visda(str(tmp_path), 'train', TRAIN[:1])
    lst = osp.join(split_root, 'image_list.txt')
    with open(lst, 'a') as f:
        f.write(bad + '\n')
    with pytest.raises(ValueError, match=match) as e:
        VisDA17Dataset(data_root=split_root)
    assert f'{lst}:2' in str(e.value)


def test_missing_image_and_list(tmp_path):
    split_root = write_visda(str(tmp_path), 'train', TRAIN)
    os.remove(osp.join(split_root, 'knife', TRAIN[1][1]))
    assert len(VisDA17Dataset(data_root=split_root)) == 3  # not checked by default
    with pytest.raises(FileNotFoundError, match=r'image_list.txt:2: image .*knife'):
        VisDA17Dataset(data_root=split_root, check_files=True)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        VisDA17Dataset(data_root=split_root, ann_file='nope.txt')
