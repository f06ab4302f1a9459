# Copyright (c) synthssl contributors.
"""synthssl.visualization: colourisers and panels (numpy only)."""
import subprocess
import sys

import cv2
import numpy as np
import pytest

from helpers import REPO
from synthssl.visualization import (colorize, colorize_contour, colorize_depth, colorize_ids,
                                    colorize_normal, guess_kind, id_colors, make_panel,
                                    write_panel)


def _is_rgb_u8(img, h, w):
    return img.dtype == np.uint8 and img.shape == (h, w, 3)


def test_depth_invalid_black_range_and_colormap():
    d = np.tile(np.linspace(1.0, 5.0, 8, dtype=np.float32), (4, 1))
    d[0, 0], d[1, 1], d[2, 2], d[3, 3] = 0, np.nan, np.inf, -2
    img = colorize_depth(d)
    assert _is_rgb_u8(img, 4, 8)
    bad = np.zeros((4, 8), bool)
    bad[[0, 1, 2, 3], [0, 1, 2, 3]] = True
    assert (img[bad] == 0).all() and (img[~bad].max(axis=-1) > 0).all()
    # turbo: near is blue-ish, far red-ish; the default range spans the valid values
    assert img[0, 1, 2] > img[0, 1, 0] and img[0, 7, 0] > img[0, 7, 2]
    # a fixed range: everything beyond vmax saturates to the same colour
    fixed = colorize_depth(d, vmin=1.0, vmax=2.0)
    assert (fixed[0, 4:] == fixed[0, 7]).all() and not (fixed[0, 1] == fixed[0, 7]).all()
    # (1, H, W) tensors-as-arrays and a validity mask
    masked = colorize_depth(d[None], valid=d < 3)
    assert (masked[d >= 3] == 0).all() and (masked[1, 0] == img[1, 0]).all()
    assert (colorize_depth(np.zeros((2, 3))) == 0).all()
    assert (colorize_depth(d, cmap='viridis') != img).any()
    with pytest.raises(ValueError, match='unknown cmap'):
        colorize_depth(d, cmap='rainbow')
    with pytest.raises(ValueError, match=r'\(H, W\) map'):
        colorize_depth(np.ones((2, 3, 4)))


def test_normal_mapping_and_invalid_black():
    n = np.zeros((2, 4, 3), np.float32)
    n[0, 0] = (0, 0, -1)
    n[0, 1] = (1, 0, 0)
    n[0, 2] = (0, -1, 0)
    n[0, 3] = (-0.6, 0, -0.8)
    n[1, 0] = (np.nan, 0, 1)
    img = colorize_normal(n)
    assert _is_rgb_u8(img, 2, 4)
    assert img[0, 0].tolist() == [128, 128, 0] and img[0, 1].tolist() == [255, 128, 128]
    assert img[0, 2].tolist() == [128, 0, 128] and img[0, 3].tolist() == [51, 128, 25]
    assert (img[1] == 0).all()  # NaN and zero vectors
    np.testing.assert_array_equal(colorize_normal(n.transpose(2, 0, 1)), img)  # (3, H, W)
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        colorize_normal(np.ones((4, 4)))


def test_id_colours_stable_distinct_and_zero_black():
    ids = np.array([[0, 1, 2], [7, 1, 65535]], np.uint16)
    img = colorize_ids(ids)
    assert _is_rgb_u8(img, 2, 3)
    assert (img[0, 0] == 0).all() and (img[0, 1] == img[1, 1]).all()
    assert (img[[0, 0, 1, 1], [1, 2, 0, 2]].max(axis=-1) >= 40).all()  # no near-black id
    # the same id keeps its colour in another map, dtype, call and seed-free
    other = colorize_ids(np.array([[7, 2]], np.int64))
    assert (other[0, 0] == img[1, 0]).all() and (other[0, 1] == img[0, 2]).all()
    np.testing.assert_array_equal(id_colors([1, 2, 7]), img[[0, 0, 1], [1, 2, 0]])
    cols = id_colors(np.arange(1, 201))
    assert len({tuple(c) for c in cols}) == 200  # 200 ids, 200 different colours
    assert (id_colors([5], seed=1) != id_colors([5])).any()
    assert (colorize_ids(np.array([[-3, 0]])) == 0).all()
    with pytest.raises(ValueError, match='integer ids'):
        colorize_ids(np.array([[0.5, 1.0]]))


def test_contour_and_image_kinds():
    c = np.array([[0, 1], [0.5, np.nan]], np.float32)
    img = colorize_contour(c)
    assert _is_rgb_u8(img, 2, 2) and img[..., 0].tolist() == [[0, 255], [128, 0]]
    assert (img[..., 0] == img[..., 2]).all()
    assert colorize_contour(np.array([[True, False]]))[0, :, 1].tolist() == [255, 0]
    rgb = np.random.default_rng(0).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    np.testing.assert_array_equal(colorize(rgb, 'rgb'), rgb)
    np.testing.assert_array_equal(colorize(rgb, 'bgr'), rgb[..., ::-1])
    np.testing.assert_array_equal(colorize(rgb.transpose(2, 0, 1), 'rgb'), rgb)  # CHW
    assert colorize(np.full((1, 2, 2), 0.5), 'gray').tolist() == [[[128] * 3] * 2] * 2
    assert [guess_kind(a) for a in (rgb, rgb.astype(np.float32), np.zeros((2, 2), bool),
                                    np.zeros((2, 2), np.int64), np.zeros((2, 2)))] == [
        'rgb', 'normal', 'contour', 'ids', 'depth']
    with pytest.raises(ValueError, match='unknown kind'):
        colorize(rgb, 'albedo')


def test_panel_layout_cells_and_labels():
    rgb = np.full((6, 8, 3), 200, np.uint8)
    depth = np.linspace(1, 2, 48).reshape(6, 8)
    ids = np.arange(48).reshape(6, 8) % 3
    rows = [[rgb, (depth, 'depth'), (ids, 'instance')], [rgb, None]]
    panel = make_panel(rows, pad=2)
    assert _is_rgb_u8(panel, 2 + 2 * (6 + 2), 2 + 3 * (8 + 2))
    np.testing.assert_array_equal(panel[2:8, 2:10], rgb)
    np.testing.assert_array_equal(panel[2:8, 12:20], colorize_depth(depth))
    np.testing.assert_array_equal(panel[2:8, 22:30], colorize_ids(ids))
    assert (panel[10:16, 12:30] == 0).all()  # None and missing cells stay black
    big = make_panel(rows, labels=['rgb', 'depth', 'ids'], row_labels=['a', 'b'],
                     cell=(12, 16))
    assert big.shape[0] == 16 + 2 + 2 * 14 and big.shape[1] == 48 + 2 + 3 * 18
    assert big[:16].max() > 0  # the header has text
    np.testing.assert_array_equal(big[18:30, 50:66], cv2.resize(
        rgb, (16, 12), interpolation=cv2.INTER_NEAREST))
    with pytest.raises(ValueError, match='empty'):
        make_panel([])
    with pytest.raises(ValueError, match='4 column labels for 3 columns'):
        make_panel(rows, labels=list('abcd'))
    with pytest.raises(ValueError, match='tuple cell'):
        make_panel([[(rgb, 'rgb', 1)]])


def test_write_panel_roundtrip(tmp_path):
    path = str(tmp_path / 'sub' / 'panel.png')
    panel = write_panel(path, [[(np.eye(5) + 1, 'depth'), np.eye(5, dtype=np.int32)]],
                        labels=['d', 'i'])
    back = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(back, panel)
    with pytest.raises(OSError, match='could not write'):
        write_panel(str(tmp_path / 'panel.unknownext'), [[np.eye(3)]])


def test_no_torch_import():
    code = ('import sys, importlib.util as u; spec = u.spec_from_file_location("maps", '
            '"synthssl/visualization/maps.py"); m = u.module_from_spec(spec); '
            'spec.loader.exec_module(m); m.make_panel([[m.np.eye(3)]]); '
            'assert "torch" not in sys.modules, "maps.py imported torch"')
    subprocess.run([sys.executable, '-c', code], cwd=REPO, check=True)
