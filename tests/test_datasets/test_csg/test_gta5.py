# Copyright (c) synthssl contributors.
"""GTA5 in its public layout (images/, labels/ palette PNGs, split.mat), written here, read
through mmseg's own pipeline: ids -> the 19 Cityscapes trainIds end to end."""
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from helpers import first_batch
from synthssl.datasets import (CITYSCAPES_TRAIN_LABEL_IDS, GTA5Dataset,
                               cityscapes_id_to_train_id, cityscapes_id_to_train_id_lut)
from synthssl.datasets.transforms import MatchImageToSegMap

# label ids of the test frames: road 7, sidewalk 8, car 26, bicycle 33 (train ids 0, 1, 13,
# 18); unlabeled 0, guard rail 14, caravan 29, license plate-ish 34 and 255 are all ignored.
IDS = np.array([[7, 7, 8, 8, 26, 26],
                [0, 14, 29, 34, 33, 255],
                [26, 8, 7, 33, 0, 7],
                [33, 33, 26, 26, 8, 8]], np.uint8)
TRAIN_IDS = np.array([[0, 0, 1, 1, 13, 13],
                      [255, 255, 255, 255, 18, 255],
                      [13, 1, 0, 18, 255, 0],
                      [18, 18, 13, 13, 1, 1]], np.uint8)


def palette_png(path: str, ids: np.ndarray) -> None:
    """A GTA5-style "P" PNG: pixel values are label ids, the palette holds colours that
    differ from the ids (so a colour decode would give different numbers)."""
    img = Image.fromarray(ids, mode='P')
    rng = np.random.default_rng(0)
    img.putpalette(rng.integers(40, 250, (256, 3)).astype(np.uint8).flatten().tolist())
    img.save(path)


def write_gta5(root: str, n: int = 3, img_hw=(4, 6)) -> str:
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'labels'), exist_ok=True)
    for i in range(1, n + 1):
        Image.fromarray(np.full(img_hw + (3, ), 10 * i, np.uint8)).save(
            osp.join(root, 'images', f'{i:05d}.png'))
        palette_png(osp.join(root, 'labels', f'{i:05d}.png'), np.roll(IDS, i - 1, axis=1))
    return root


def seg_pipeline(**load_kwargs):
    return [dict(type='LoadImageFromFile'),
            dict(type='mmseg.LoadAnnotations', **load_kwargs),
            dict(type='synthssl.MatchImageToSegMap'),
            dict(type='mmseg.PackSegInputs')]


def test_id_to_train_id_table():
    table = cityscapes_id_to_train_id()
    assert len(table) == 256 and sum(v != 255 for v in table.values()) == 19
    assert [table[i] for i in (7, 8, 11, 26, 33)] == [0, 1, 2, 13, 18]
    assert all(table[i] == 255 for i in (0, 1, 6, 9, 14, 15, 16, 18, 29, 30, 34, 255))
    lut = cityscapes_id_to_train_id_lut()
    assert [lut[i] for i in range(256)] == [table[i] for i in range(256)]


def test_table_matches_cityscapesscripts():
    # cityscapesscripts is a pinned test requirement (requirements/tests.txt): no skip
    from cityscapesscripts.helpers import labels

    from synthssl.datasets.label_maps import CITYSCAPES_ID_TO_TRAINID
    ref = {lb.id: lb.trainId for lb in labels.labels if lb.id >= 0}
    assert tuple(i for i, t in sorted(ref.items()) if t not in (255, -1)) == \
        CITYSCAPES_TRAIN_LABEL_IDS
    # id -> trainId, for every labelled id (the official 255 / -1 are ignored here)
    official = {i: (255 if t in (255, -1) else t) for i, t in ref.items()}
    table = cityscapes_id_to_train_id()
    assert {i: table[i] for i in official} == official
    assert CITYSCAPES_ID_TO_TRAINID == {i: t for i, t in official.items() if t != 255}


def test_pillow_reads_palette_indices_cv2_does_not(tmp_path):
    """The authors' bug (NVlabs/CSG #2), measured on a palette PNG written with PIL."""
    import mmcv
    path = str(tmp_path / 'l.png')
    palette_png(path, IDS)
    with open(path, 'rb') as f:
        raw = f.read()
    assert np.array_equal(mmcv.imfrombytes(raw, flag='unchanged', backend='pillow'), IDS)
    as_cv2 = mmcv.imfrombytes(raw, flag='unchanged', backend='cv2')
    assert as_cv2.shape == IDS.shape + (3, )  # the palette's colours, not the ids


def test_scan_layout_end_to_end(tmp_path):
    root = write_gta5(str(tmp_path / 'gta5'))
    ds = GTA5Dataset(data_root=root, pipeline=seg_pipeline(), check_files=True)
    assert len(ds) == 3 and len(ds.metainfo['classes']) == 19
    assert ds.metainfo['classes'][13] == 'car' and ds.metainfo['palette'][0] == [128, 64, 128]
    batch = first_batch(ds, 3)
    assert batch['inputs'].shape == (3, 3, 4, 6)
    for i, sample in enumerate(batch['data_samples']):
        gt = sample.gt_sem_seg.data[0].numpy()
        assert np.array_equal(gt, np.roll(TRAIN_IDS, i, axis=1)), i
        assert sample.img_path.endswith(f'{i + 1:05d}.png')


def test_unsafe_label_loading_is_refused(tmp_path):
    root = write_gta5(str(tmp_path / 'gta5'), n=1)
    with pytest.raises(ValueError, match="imdecode_backend='cv2'"):
        GTA5Dataset(data_root=root, pipeline=seg_pipeline(imdecode_backend='cv2'))
    with pytest.raises(ValueError, match='mmcv.transforms.LoadAnnotations'):
        GTA5Dataset(data_root=root, pipeline=[dict(type='LoadImageFromFile'),
                                              dict(type='LoadAnnotations', with_bbox=False,
                                                   with_label=False, with_seg=True)])
    with pytest.raises(ValueError, match='19 Cityscapes classes'):
        GTA5Dataset(data_root=root, metainfo=dict(classes=('road', 'car')))


def test_size_mismatch_resize_or_error(tmp_path):
    root = write_gta5(str(tmp_path / 'gta5'), n=1, img_hw=(5, 8))  # label is 4 x 6
    ds = GTA5Dataset(data_root=root, pipeline=seg_pipeline())
    sample = ds[0]['data_samples']
    assert ds[0]['inputs'].shape == (3, 4, 6)
    assert sample.ori_shape == (4, 6) and np.array_equal(sample.gt_sem_seg.data[0].numpy(),
                                                         TRAIN_IDS)
    strict = seg_pipeline()
    strict[2] = dict(type='synthssl.MatchImageToSegMap', on_mismatch='error')
    ds = GTA5Dataset(data_root=root, pipeline=strict)
    with pytest.raises(ValueError, match=r'images/00001.png is 8x5 but its label .*'
                                         r'labels/00001.png is 6x4'):
        ds[0]


def test_colour_label_is_an_error():
    t = MatchImageToSegMap()
    with pytest.raises(ValueError, match=r'lab.png: label map has shape \(4, 6, 3\)'):
        t(dict(img=np.zeros((4, 6, 3), np.uint8), gt_seg_map=np.zeros((4, 6, 3), np.uint8),
               seg_map_path='lab.png'))


def test_list_files(tmp_path):
    root = write_gta5(str(tmp_path / 'gta5'))
    (tmp_path / 'gta5' / 'stems.txt').write_text('00003\n\n00001\n')
    ds = GTA5Dataset(data_root=root, ann_file='stems.txt', check_files=True)
    assert [osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))] == \
        ['00003.png', '00001.png']
    # the authors' gta5_train.txt format: "<image> <label>" relative to the GTA5 root
    (tmp_path / 'gta5' / 'gta5_train.txt').write_text(
        'images/00002.png labels/00002.png\nimages/00001.png labels/00001.png\n')
    ds = GTA5Dataset(data_root=root, ann_file='gta5_train.txt', pipeline=seg_pipeline())
    assert ds.get_data_info(0)['seg_map_path'] == osp.join(root, 'labels', '00002.png')
    assert np.array_equal(ds[1]['data_samples'].gt_sem_seg.data[0].numpy(), TRAIN_IDS)


def test_bad_list_and_missing_files_name_the_file(tmp_path):
    root = write_gta5(str(tmp_path / 'gta5'), n=2)
    lst = tmp_path / 'gta5' / 'bad.txt'
    lst.write_text('00001\nimages/00002.png labels/00002.png extra\n')
    with pytest.raises(ValueError, match=r'bad.txt:2: expected'):
        GTA5Dataset(data_root=root, ann_file=str(lst))
    os.remove(osp.join(root, 'labels', '00002.png'))
    with pytest.raises(FileNotFoundError, match=r'\(scan\): label .*labels/00002.png'):
        GTA5Dataset(data_root=root, check_files=True)
    lst.write_text('00001\n00002\n')
    with pytest.raises(FileNotFoundError, match=r'bad.txt:2: label .*00002.png'):
        GTA5Dataset(data_root=root, ann_file=str(lst), check_files=True)
    with pytest.raises(FileNotFoundError, match='split file .*none.txt'):
        GTA5Dataset(data_root=root, ann_file='none.txt')


def test_official_split_mat(tmp_path):
    import scipy.io as scipy_io  # a pinned runtime requirement (split.mat reader)
    root = write_gta5(str(tmp_path / 'gta5'))
    # GTA5's split.mat: column vectors of 1-based frame numbers
    scipy_io.savemat(osp.join(root, 'split.mat'),
                     dict(trainIds=np.array([[1], [3]], np.float64),
                          valIds=np.array([[2]], np.float64), testIds=np.zeros((0, 1))))
    names = {split: [osp.basename(d['img_path']) for d in GTA5Dataset(
        data_root=root, ann_file='split.mat', split=split).load_data_list()]
        for split in ('train', 'val')}
    assert names == dict(train=['00001.png', '00003.png'], val=['00002.png'])
    scipy_io.savemat(osp.join(root, 'other.mat'), dict(foo=np.ones(2)))
    with pytest.raises(KeyError, match=r"other.mat: no 'trainIds' array \(found \['foo'\]\)"):
        GTA5Dataset(data_root=root, ann_file='other.mat')
    with pytest.raises(ValueError, match='split must be'):
        GTA5Dataset(data_root=root, ann_file='split.mat', split='training')
