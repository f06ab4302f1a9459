# Copyright (c) synthssl contributors.
"""The NEON tree-crown converter on a hand-made deepforest-like folder: tiling, the
interleaved split, cut boxes kept or marked difficult, mmdet's VOCDataset reading the
result, and bad input named."""
import json
import os.path as osp

import cv2
import numpy as np

from helpers import REPO, run_tool, tool_fails

CONVERTER = osp.join(REPO, 'tools', 'dataset_converters', 'neon_trees_to_voc.py')


def _voc(name, boxes, label='Tree'):
    objs = ''.join(f'<object><name>{label}</name><bndbox><xmin>{b[0]}</xmin><ymin>{b[1]}'
                   f'</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>'
                   for b in boxes)
    return f'<annotation><filename>{name}.tif</filename>{objs}</annotation>'


def _source(tmp_path, boxes, size=(200, 300), label='Tree'):
    src = tmp_path / 'data'
    src.mkdir()
    cv2.imwrite(str(src / 'SITE_1.png'), np.full((*size, 3), 90, np.uint8))
    (src / 'SITE_1.xml').write_text(_voc('SITE_1', boxes, label))
    return str(src)


def test_tiles_split_and_cut_boxes(tmp_path):
    # 300 x 200 photo, 100-px tiles: 2 rows x 3 cols; box A inside tile (0, 0); box B cut
    # in half by the x=100 border (kept, 50 % visible); box C mostly in tile (0, 2)
    src = _source(tmp_path, [(11, 11, 40, 40), (80, 11, 120, 30), (191, 51, 240, 90)])
    out = str(tmp_path / 'out')
    run_tool(['python', CONVERTER, src, out, '--tile', '100'])
    with open(osp.join(out, 'summary.json')) as f:
        summary = json.load(f)
    test_ids = open(osp.join(out, 'VOC2007/ImageSets/Main/test.txt')).read().split()
    train_ids = open(osp.join(out, 'VOC2007/ImageSets/Main/train.txt')).read().split()
    assert sorted(test_ids) == ['SITE_1_r0_c1', 'SITE_1_r1_c0']  # (r + c) % 3 == 1
    assert len(train_ids) == 4 and not set(train_ids) & set(test_ids)
    assert summary['tiles'] == dict(train=4, test=2)

    from mmdet.datasets import VOCDataset
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    ds = VOCDataset(data_root=out, ann_file='VOC2007/ImageSets/Main/trainval.txt',
                    data_prefix=dict(sub_data_root='VOC2007/'), metainfo=dict(classes=('Tree', )),
                    pipeline=[], test_mode=True)
    info = {osp.basename(d['img_path']): d for d in (ds.get_data_info(i) for i in range(len(ds)))}
    assert info['SITE_1_r0_c0.jpg']['width'] == 100
    boxes = {k: [(i['bbox'], i['ignore_flag']) for i in v['instances']] for k, v in info.items()}
    # box A whole (mmdet's VOC reader subtracts 1); box B's left half still 50 % visible
    assert boxes['SITE_1_r0_c0.jpg'][0] == ([10, 10, 39, 39], 0)
    assert boxes['SITE_1_r0_c0.jpg'][1][1] == 0
    # box C (y 51..90 of 100-px rows) lies in row 0; nothing of it in row 1
    assert all(flag == 1 for _, flag in boxes['SITE_1_r1_c2.jpg'])  # the sliver: difficult
    assert [flag for _, flag in boxes['SITE_1_r0_c2.jpg']] == [0]


def test_alive_dead_labels_are_trees_and_bad_input_is_named(tmp_path):
    src = _source(tmp_path, [(10, 10, 30, 30)], label='Dead')
    run_tool(['python', CONVERTER, src, str(tmp_path / 'ok'), '--tile', '100'])
    (tmp_path / 'data' / 'SITE_1.xml').write_text(_voc('SITE_1', [(10, 10, 30, 30)], 'Car'))
    err = tool_fails(['python', CONVERTER, src, str(tmp_path / 'bad')])
    assert 'SITE_1.xml' in err and "unexpected label 'Car'" in err
    (tmp_path / 'data' / 'SITE_1.xml').write_text(_voc('SITE_1', [(10, 10, 900, 30)]))
    err = tool_fails(['python', CONVERTER, src, str(tmp_path / 'bad2')])
    assert 'SITE_1.xml' in err and 'beyond' in err
    err = tool_fails(['python', CONVERTER, str(tmp_path / 'nope'), str(tmp_path / 'x')])
    assert 'nope' in err
