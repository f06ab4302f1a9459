# Copyright (c) synthssl contributors.
"""Tile the NEON tree-crown photographs that ship in the ``deepforest`` wheel into a
PASCAL-VOC tree that mmdet's ``VOCDataset`` reads (one class, ``Tree``).

The wheel's ``deepforest/data/`` folder holds four real airborne RGB photographs with
Pascal-VOC XML boxes (~950 crowns; 400x400 to 2299x2472; MIT licence). The wheel is taken
as it is (``pip download --no-deps deepforest``, no install: its dependencies are not
needed); ``tools/setup/install_real_data.sh`` does both steps::

    python tools/dataset_converters/neon_trees_to_voc.py deepforest-*.whl data/neon_trees

Tiling: a non-overlapping grid of ``--tile`` squares per photograph; edge tiles narrower
than half a tile are dropped. A box cut by a tile border keeps its clipped part when at
least ``--min-visible`` of its area is inside, otherwise it is kept as ``difficult`` (mmdet
ignores it in training and VOC AP). ``SOAP_061``'s ``Alive`` / ``Dead`` labels are both
``Tree``. Split: tile (row, col) of a photograph is held out for testing when
``(row + col) % 3 == 1`` -- a fixed, spatially interleaved third without overlap between
the two sets; the single-tile photographs train. Writes
``OUT/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{train,test,trainval}.txt}`` and
``OUT/summary.json``.
"""
import argparse
import io
import json
import os
import os.path as osp
import sys
import xml.etree.ElementTree as ET
import zipfile
from typing import Dict, List, Tuple

import cv2
import numpy as np

DATA_DIR = 'deepforest/data/'
TREE_NAMES = {'Tree', 'Alive', 'Dead'}


class _Source:
    """Files of ``deepforest/data`` from a wheel or from a folder (the extracted data)."""

    def __init__(self, path: str) -> None:
        self.path = path
        if osp.isfile(path) and zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.names = [n[len(DATA_DIR):] for n in self.zip.namelist()
                          if n.startswith(DATA_DIR)]
        elif osp.isdir(path):
            self.zip = None
            self.names = sorted(os.listdir(path))
        else:
            raise FileNotFoundError(f'{path}: neither a deepforest wheel nor a folder')

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(DATA_DIR + name)
        with open(osp.join(self.path, name), 'rb') as f:
            return f.read()


def parse_voc(text: bytes, where: str) -> Tuple[str, np.ndarray]:
    """Return (image file name, (K, 4) float boxes x1, y1, x2, y2) of one VOC XML."""
    try:
        root = ET.parse(io.BytesIO(text)).getroot()
    except ET.ParseError as e:
        raise ValueError(f'{where}: not valid XML ({e})') from e
    boxes = []
    for obj in root.iter('object'):
        name = obj.findtext('name')
        if name not in TREE_NAMES:
            raise ValueError(f'{where}: unexpected label {name!r} (expected {TREE_NAMES})')
        bb = obj.find('bndbox')
        try:
            boxes.append([float(bb.findtext(k)) for k in ('xmin', 'ymin', 'xmax', 'ymax')])
        except (TypeError, ValueError, AttributeError) as e:
            raise ValueError(f'{where}: malformed <bndbox> ({e})') from e
    return root.findtext('filename') or '', np.asarray(boxes, np.float64).reshape(-1, 4)


def tile_grid(width: int, height: int, tile: int) -> List[Tuple[int, int, int, int, int, int]]:
    """Non-overlapping tiles (row, col, x0, y0, x1, y1); edge tiles < tile/2 are dropped."""
    def starts(n: int) -> List[Tuple[int, int]]:
        spans = [(s, min(s + tile, n)) for s in range(0, n, tile)]
        return [sp for sp in spans if sp[1] - sp[0] >= tile / 2] or [(0, n)]
    return [(r, c, x0, y0, x1, y1) for r, (y0, y1) in enumerate(starts(height))
            for c, (x0, x1) in enumerate(starts(width))]


def clip_boxes(boxes: np.ndarray, x0: int, y0: int, x1: int, y1: int,
               min_visible: float) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes overlapping the tile, in tile coordinates, and their difficult flags (the
    source's coordinate convention is kept: mmdet's VOC reader treats both alike)."""
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    cl = np.stack([np.clip(boxes[:, 0], x0, x1), np.clip(boxes[:, 1], y0, y1),
                   np.clip(boxes[:, 2], x0, x1), np.clip(boxes[:, 3], y0, y1)], 1)
    vis = (cl[:, 2] - cl[:, 0]) * (cl[:, 3] - cl[:, 1])
    keep = (cl[:, 2] - cl[:, 0] >= 1) & (cl[:, 3] - cl[:, 1] >= 1)
    difficult = vis < min_visible * np.maximum(area, 1e-9)
    cl = cl[keep] - np.array([x0, y0, x0, y0], np.float64)
    return cl, difficult[keep]


def voc_xml(name: str, width: int, height: int, boxes: np.ndarray,
            difficult: np.ndarray) -> str:
    objs = ''.join(
        '<object><name>Tree</name><pose>Unspecified</pose><truncated>0</truncated>'
        f'<difficult>{int(d)}</difficult><bndbox><xmin>{b[0]:.0f}</xmin>'
        f'<ymin>{b[1]:.0f}</ymin><xmax>{b[2]:.0f}</xmax><ymax>{b[3]:.0f}</ymax>'
        '</bndbox></object>' for b, d in zip(boxes, difficult))
    return (f'<annotation><folder>VOC2007</folder><filename>{name}.jpg</filename>'
            f'<size><width>{width}</width><height>{height}</height><depth>3</depth></size>'
            f'<segmented>0</segmented>{objs}</annotation>\n')


def _atomic_write(path: str, data: bytes) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def convert(src: str, out: str, tile: int = 400, min_visible: float = 0.5) -> Dict:
    """Write the VOC tree; return a summary (tiles and boxes per split)."""
    source = _Source(src)
    xmls = sorted(n for n in source.names if n.endswith('.xml'))
    if not xmls:
        raise FileNotFoundError(f'{src}: no VOC .xml annotations under {DATA_DIR}')
    voc = osp.join(out, 'VOC2007')
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(voc, sub), exist_ok=True)
    splits: Dict[str, List[str]] = dict(train=[], test=[])
    counts = dict(train=0, test=0, difficult=0)
    for i, xml in enumerate(xmls):
        where = f'{src}:{DATA_DIR}{xml}'
        fname, boxes = parse_voc(source.read(xml), where)
        stem = osp.splitext(xml)[0]
        png = stem + '.png'  # the XMLs may name the .tif; every photo ships as .png
        if png not in source.names:
            raise FileNotFoundError(f'{where}: its photograph {png} ({fname}) is missing')
        img = cv2.imdecode(np.frombuffer(source.read(png), np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{src}:{DATA_DIR}{png}: not a readable image')
        h, w = img.shape[:2]
        if len(boxes) and (boxes[:, 2].max() > w + 1 or boxes[:, 3].max() > h + 1):
            raise ValueError(f'{where}: boxes extend beyond the {w}x{h} photograph')
        grid = tile_grid(w, h, tile)
        print(f'[{i + 1}/{len(xmls)}] {png}: {w}x{h}, {len(boxes)} boxes, {len(grid)} tiles',
              flush=True)
        for r, c, x0, y0, x1, y1 in grid:
            name = f'{stem}_r{r}_c{c}'
            split = 'test' if len(grid) > 1 and (r + c) % 3 == 1 else 'train'
            tb, diff = clip_boxes(boxes, x0, y0, x1, y1, min_visible)
            ok, jpg = cv2.imencode('.jpg', img[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 95])
            if not ok:
                raise OSError(f'{name}: JPEG encoding failed')
            _atomic_write(osp.join(voc, 'JPEGImages', name + '.jpg'), jpg.tobytes())
            _atomic_write(osp.join(voc, 'Annotations', name + '.xml'),
                          voc_xml(name, x1 - x0, y1 - y0, tb, diff).encode())
            splits[split].append(name)
            counts[split] += int((~diff).sum())
            counts['difficult'] += int(diff.sum())
    for split, names in (('train', splits['train']), ('test', splits['test']),
                         ('trainval', splits['train'])):
        _atomic_write(osp.join(voc, 'ImageSets', 'Main', split + '.txt'),
                      ''.join(n + '\n' for n in names).encode())
    summary = dict(source=osp.basename(src), tile=tile, min_visible=min_visible,
                   tiles=dict(train=len(splits['train']), test=len(splits['test'])),
                   boxes=dict(train=counts['train'], test=counts['test']),
                   difficult=counts['difficult'])
    _atomic_write(osp.join(out, 'summary.json'), json.dumps(summary, indent=1).encode())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help="the deepforest wheel, or a folder with its data files")
    parser.add_argument('out', help='output root (VOC2007/ is written inside)')
    parser.add_argument('--tile', type=int, default=400, help='tile side in pixels')
    parser.add_argument('--min-visible', type=float, default=0.5,
                        help='share of a cut box that must stay inside a tile, else difficult')
    args = parser.parse_args()
    if args.tile < 32 or not 0 < args.min_visible <= 1:
        parser.error('--tile must be >= 32 and --min-visible in (0, 1]')
    try:
        summary = convert(args.src, args.out, args.tile, args.min_visible)
    except (OSError, ValueError) as e:
        sys.exit(f'neon_trees_to_voc: {e}')
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
