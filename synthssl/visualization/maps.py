# Copyright (c) synthssl contributors.
"""Colourisation of dense maps and image grids ("panels"). NumPy + OpenCV only.

Every ``colorize_*`` function returns an (H, W, 3) uint8 **RGB** image and shows invalid
pixels in black. Inputs are array-likes (NumPy arrays; CPU torch tensors work through
``np.asarray``); single-channel maps may be (H, W), (1, H, W) or (H, W, 1), normals
(H, W, 3) or (3, H, W), images (H, W, 3) / (3, H, W) / (H, W).

Kinds understood by :func:`colorize` and :func:`make_panel`:

============  ==============================================================================
``rgb``       colour image, RGB channel order (uint8 as is; float in [0, 1] scaled by 255)
``bgr``       colour image in BGR order (OpenCV / mmcv ``img``)
``gray``      single-channel intensity (uint8 as is; float in [0, 1] scaled by 255)
``depth``     metric depth, :func:`colorize_depth` (<= 0 / NaN / inf = invalid)
``normal``    unit normals, :func:`colorize_normal`
``ids``       integer labels (instance / semantic ids), :func:`colorize_ids` (0 = black);
              ``instance`` and ``semantic`` are aliases
``contour``   edge map or edge probability in [0, 1], :func:`colorize_contour`
``auto``      guessed: uint8 (H, W, 3) -> rgb; float (H, W, 3) -> normal; bool (H, W) ->
              contour; integer (H, W) -> ids; float (H, W) -> depth
============  ==============================================================================
"""
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

KINDS = ('auto', 'rgb', 'bgr', 'gray', 'depth', 'normal', 'ids', 'instance', 'semantic',
         'contour')
_CMAPS = dict(turbo=cv2.COLORMAP_TURBO, viridis=cv2.COLORMAP_VIRIDIS,
              magma=cv2.COLORMAP_MAGMA, inferno=cv2.COLORMAP_INFERNO,
              plasma=cv2.COLORMAP_PLASMA, jet=cv2.COLORMAP_JET)

Cell = Union[None, np.ndarray, Tuple[Any, str]]


# --------------------------------------------------------------------------- shapes
def _as_map(arr: Any, what: str) -> np.ndarray:
    """Array-like (H, W), (1, H, W) or (H, W, 1) -> (H, W) ndarray."""
    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    elif a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim != 2:
        raise ValueError(f'{what}: expected an (H, W) map (or (1, H, W) / (H, W, 1)), got '
                         f'shape {a.shape}')
    return a


def _as_hwc3(arr: Any, what: str) -> np.ndarray:
    """Array-like (H, W, 3) or (3, H, W) -> (H, W, 3) ndarray."""
    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[0] == 3 and a.shape[2] != 3:
        a = a.transpose(1, 2, 0)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f'{what}: expected an (H, W, 3) or (3, H, W) array, got shape '
                         f'{a.shape}')
    return a


def _to_uint8(a: np.ndarray) -> np.ndarray:
    """uint8 as is; other dtypes: floats in [0, 1] (non-finite -> 0) scaled to 0..255."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    f = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return np.clip(np.round(f * 255.0), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- colourisers
def colorize_depth(depth: Any, vmin: Optional[float] = None, vmax: Optional[float] = None,
                   cmap: str = 'turbo', valid: Optional[Any] = None) -> np.ndarray:
    """(H, W) float depth -> (H, W, 3) uint8 RGB through a perceptual colormap.

    Near (``vmin``) is the colormap's low end (turbo: dark blue), far (``vmax``) its high end
    (turbo: dark red). ``vmin`` / ``vmax`` default to the min / max of the valid pixels, so
    pass fixed values to compare several maps (prediction vs. ground truth). Invalid pixels
    (<= 0, NaN, inf, or ``valid`` False) are black.

    Args:
        depth: (H, W) (or (1, H, W) / (H, W, 1)) depth, any real dtype.
        vmin, vmax (float, optional): the depth range mapped onto the colormap.
        cmap (str): one of 'turbo', 'viridis', 'magma', 'inferno', 'plasma', 'jet'.
        valid: optional (H, W) bool mask of pixels to show.
    """
    if cmap not in _CMAPS:
        raise ValueError(f'unknown cmap {cmap!r}; expected one of {sorted(_CMAPS)}')
    d = _as_map(depth, 'colorize_depth').astype(np.float64)
    ok = np.isfinite(d) & (d > 0)
    if valid is not None:
        mask = _as_map(valid, 'colorize_depth valid mask').astype(bool)
        if mask.shape != d.shape:
            raise ValueError(f'colorize_depth: valid mask {mask.shape} != depth {d.shape}')
        ok &= mask
    out = np.zeros(d.shape + (3, ), np.uint8)
    if not ok.any():
        return out
    lo = float(d[ok].min()) if vmin is None else float(vmin)
    hi = float(d[ok].max()) if vmax is None else float(vmax)
    if not hi > lo:
        hi = lo + 1e-6
    t = np.zeros(d.shape, np.float64)
    t[ok] = np.clip((d[ok] - lo) / (hi - lo), 0.0, 1.0)
    grey = np.round(t * 255).astype(np.uint8)
    rgb = cv2.cvtColor(cv2.applyColorMap(grey, _CMAPS[cmap]), cv2.COLOR_BGR2RGB)
    out[ok] = rgb[ok]
    return out


def colorize_normal(normal: Any) -> np.ndarray:
    """(H, W, 3) or (3, H, W) unit normals -> (H, W, 3) uint8 RGB = round((n + 1) / 2 * 255).

    Pixels whose normal is (0, 0, 0) or not finite are black.
    """
    n = _as_hwc3(normal, 'colorize_normal').astype(np.float64)
    finite = np.all(np.isfinite(n), axis=-1)
    ok = finite & np.any(n != 0, axis=-1)
    n = np.where(finite[..., None], n, 0.0)
    out = np.clip(np.round((np.clip(n, -1, 1) + 1.0) / 2.0 * 255.0), 0, 255).astype(np.uint8)
    out[~ok] = 0
    return out


def id_colors(ids: Any, seed: int = 0) -> np.ndarray:
    """(N,) integer ids -> (N, 3) uint8 RGB: a fixed pseudo-random colour per id.

    A pure function of (id, seed) -- the same id has the same colour in every map, call and
    process -- built from an integer hash (splitmix64); channels lie in 40..255 so that no
    id other than 0 looks black. Id 0 is black.
    """
    x = np.asarray(ids).astype(np.int64).astype(np.uint64).ravel()
    with np.errstate(over='ignore'):
        z = x + np.uint64(0x9E3779B97F4A7C15) * np.uint64(int(seed) + 1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    chans = [((z >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.int64) for k in range(3)]
    rgb = (40 + np.stack(chans, axis=-1) * 215 // 255).astype(np.uint8)
    rgb[x == 0] = 0
    return rgb


def colorize_ids(ids: Any, seed: int = 0) -> np.ndarray:
    """(H, W) integer ids (instance or semantic) -> (H, W, 3) uint8 RGB; 0 is black.

    Colours come from :func:`id_colors` (stable per id). Negative ids are invalid (black).
    """
    a = _as_map(ids, 'colorize_ids')
    if not (np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f'colorize_ids: expected integer ids, got dtype {a.dtype} with '
                             'non-integer values')
    a = a.astype(np.int64)
    uniq, inverse = np.unique(a, return_inverse=True)
    lut = id_colors(np.maximum(uniq, 0), seed)
    lut[uniq < 0] = 0
    return lut[inverse.reshape(a.shape)]


def colorize_contour(contour: Any) -> np.ndarray:
    """(H, W) edge map or edge probability in [0, 1] -> (H, W, 3) uint8 grey RGB.

    Edges are white, background (and NaN) black; bool maps give 0 / 255, uint8 maps are
    shown as they are.
    """
    g = _to_uint8(_as_map(contour, 'colorize_contour'))
    return np.repeat(g[..., None], 3, axis=-1)


def _colorize_image(img: Any, kind: str) -> np.ndarray:
    a = np.asarray(img)
    if a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 1) or (a.ndim == 3 and a.shape[0] == 1
                                                            and a.shape[2] != 3):
        g = _to_uint8(_as_map(a, f'colorize(kind={kind!r})'))
        return np.repeat(g[..., None], 3, axis=-1)
    a = _to_uint8(_as_hwc3(a, f'colorize(kind={kind!r})'))
    return np.ascontiguousarray(a[..., ::-1] if kind == 'bgr' else a)


def guess_kind(arr: Any) -> str:
    """The kind ``'auto'`` stands for (see the module docstring)."""
    a = np.asarray(arr)
    three = a.ndim == 3 and 3 in (a.shape[0], a.shape[2])
    if three:
        return 'rgb' if a.dtype == np.uint8 else 'normal'
    if a.dtype == bool:
        return 'contour'
    if np.issubdtype(a.dtype, np.integer):
        return 'ids'
    return 'depth'


def colorize(arr: Any, kind: str = 'auto', **kwargs) -> np.ndarray:
    """Any supported map -> (H, W, 3) uint8 RGB according to ``kind`` (module docstring).

    ``kwargs`` go to the colouriser (e.g. ``vmin``/``vmax``/``cmap`` for depth).
    """
    if kind not in KINDS:
        raise ValueError(f'unknown kind {kind!r}; expected one of {KINDS}')
    if kind == 'auto':
        kind = guess_kind(arr)
    if kind in ('rgb', 'bgr', 'gray'):
        return _colorize_image(arr, kind)
    if kind == 'depth':
        return colorize_depth(arr, **kwargs)
    if kind == 'normal':
        return colorize_normal(arr)
    if kind in ('ids', 'instance', 'semantic'):
        return colorize_ids(arr, **kwargs)
    return colorize_contour(arr)


# --------------------------------------------------------------------------- panels
def _put_text(img: np.ndarray, text: str, x0: int, y0: int, w: int, h: int) -> None:
    """Write ``text`` centred in the box (x0, y0, w, h) of an RGB image, shrunk to fit."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = 0.5
    while True:
        (tw, th), base = cv2.getTextSize(text, font, scale, 1)
        if (tw <= w - 2 and th + base <= h - 1) or scale <= 0.25:
            break
        scale -= 0.05
    x = x0 + max((w - tw) // 2, 1)
    y = y0 + (h + th) // 2
    cv2.putText(img, text, (x, y), font, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _colorize_cell(item: Cell) -> np.ndarray:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], str):
            raise ValueError('make_panel: a tuple cell must be (array, kind) with kind a str, '
                             f'got a tuple of length {len(item)}')
        return colorize(item[0], item[1])
    return colorize(item)


def _cell_image(item: Cell, cell: Tuple[int, int]) -> np.ndarray:
    img = _colorize_cell(item)
    if img.shape[:2] != cell:
        img = cv2.resize(img, (cell[1], cell[0]), interpolation=cv2.INTER_NEAREST)
    return img


def make_panel(rows: Sequence[Sequence[Cell]], labels: Optional[Sequence[str]] = None,
               cell: Optional[Tuple[int, int]] = None,
               row_labels: Optional[Sequence[str]] = None, pad: int = 2,
               label_height: Optional[int] = None) -> np.ndarray:
    """A grid of colourised maps as one (H, W, 3) uint8 RGB image.

    Args:
        rows: a list of rows, each a list of cells. A cell is an array (kind ``'auto'``), an
            ``(array, kind)`` tuple (kinds: module docstring), or ``None`` (left black).
            Rows may have different lengths; the grid has as many columns as the longest.
        labels: column titles, drawn in a header strip above the grid.
        cell (tuple, optional): (height, width) every cell is resized to (nearest
            neighbour, so ids and contours stay crisp). Default: the size of the first cell.
        row_labels: row titles, drawn in a strip left of each row.
        pad (int): black gap in pixels between and around cells. Default 2.
        label_height (int, optional): height of the header strip. Default ~ 16 px.

    Returns:
        (H, W, 3) uint8 RGB with ``H = pad + n_rows * (cell_h + pad)`` (+ the header) and
        ``W = pad + n_cols * (cell_w + pad)`` (+ the row-label strip).
    """
    rows = [list(r) for r in rows]
    if not rows or not any(rows):
        raise ValueError('make_panel: rows is empty; expected a list of lists of arrays')
    n_cols = max(len(r) for r in rows)
    if cell is None:
        first = next((c for r in rows for c in r if c is not None), None)
        if first is None:
            raise ValueError('make_panel: every cell is None; pass cell=(h, w) or an array')
        cell = _colorize_cell(first).shape[:2]
    cell = (int(cell[0]), int(cell[1]))
    if min(cell) < 1:
        raise ValueError(f'make_panel: cell size must be positive, got {cell}')
    if labels is not None and len(labels) > n_cols:
        raise ValueError(f'make_panel: {len(labels)} column labels for {n_cols} columns')
    if row_labels is not None and len(row_labels) != len(rows):
        raise ValueError(f'make_panel: {len(row_labels)} row labels for {len(rows)} rows')
    ch, cw = cell
    head = 0 if labels is None else int(label_height or 16)
    left = 0 if row_labels is None else max(48, min(120, 7 * max(map(len, row_labels)) + 4))
    H = head + pad + len(rows) * (ch + pad)
    W = left + pad + n_cols * (cw + pad)
    panel = np.zeros((H, W, 3), np.uint8)
    for c, text in enumerate(labels or ()):
        _put_text(panel, str(text), left + pad + c * (cw + pad), 0, cw, head)
    for r, row in enumerate(rows):
        y = head + pad + r * (ch + pad)
        if row_labels is not None:
            _put_text(panel, str(row_labels[r]), 0, y, left, ch)
        for c, item in enumerate(row):
            if item is None:
                continue
            x = left + pad + c * (cw + pad)
            panel[y:y + ch, x:x + cw] = _cell_image(item, cell)
    return panel


def write_panel(path: str, rows: Sequence[Sequence[Cell]], **kwargs) -> np.ndarray:
    """:func:`make_panel` ``(rows, **kwargs)`` written to ``path`` (PNG/JPEG by extension;
    parent folders created). Returns the (H, W, 3) uint8 RGB panel."""
    panel = make_panel(rows, **kwargs)
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    try:
        ok = cv2.imwrite(path, np.ascontiguousarray(panel[..., ::-1]))
    except cv2.error as e:  # e.g. no encoder for the extension
        raise OSError(f'{path}: could not write the panel image ({e})') from e
    if not ok:
        raise OSError(f'{path}: could not write the panel image (unwritable folder?)')
    return panel


__all__: List[str] = ['colorize', 'colorize_depth', 'colorize_normal', 'colorize_ids',
                      'colorize_contour', 'id_colors', 'guess_kind', 'make_panel',
                      'write_panel', 'KINDS']
