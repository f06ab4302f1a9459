# Copyright (c) synthssl contributors.
"""Selective search proposals for a PASCAL VOC split, as mmdet's ``proposal_file``::

    python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2007 trainval --workers 8
    python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2007 test --workers 8
    python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2012 train --workers 8
    python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2012 val --workers 8

Reads ``<VOC_DIR>/ImageSets/Main/<split>.txt`` and ``<VOC_DIR>/JPEGImages/<id>.jpg`` and writes
(default ``<VOC_DIR>/proposals/selective_search_<split>.pkl``, i.e.
``proposal_file='VOC2007/proposals/selective_search_trainval.pkl'`` under
``data_root='data/VOCdevkit/'``) a pickle loadable by ``mmengine.fileio.load``::

    {'JPEGImages/000005.jpg': {'bboxes': float32 (N, 4) x1 y1 x2 y2, 0-based,
                               'scores': float32 (N,) descending}, ...}

with exactly one entry per image of the split, in list order. Then prints a JSON summary
(boxes per image, seconds per image, and, where ``Annotations/<id>.xml`` exist, the recall of
the non-difficult ground-truth boxes at IoU 0.5 and 0.7).
"""
import argparse
import json
import os
import os.path as osp
import time
import xml.etree.ElementTree as ET
import zlib
from multiprocessing import Pool
from typing import Dict, List, Optional, Tuple

import numpy as np
from tqdm import tqdm


_SEARCH_KW: Dict = {}


def read_split(voc_dir: str, split: str) -> List[str]:
    """Image ids of ``<voc_dir>/ImageSets/Main/<split>.txt`` (first column)."""
    path = osp.join(voc_dir, 'ImageSets', 'Main', f'{split}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(f'selective_search_proposals: split list {path} not found')
    with open(path) as f:
        ids = [line.split()[0] for line in f if line.strip()]
    if not ids:
        raise ValueError(f'selective_search_proposals: split list {path} is empty')
    return ids


def read_gt_boxes(xml_path: str) -> np.ndarray:
    """Non-difficult boxes of a VOC XML, 0-based like mmdet's ``XMLDataset`` (N, 4)."""
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as e:
        raise ValueError(f'selective_search_proposals: cannot parse {xml_path}: {e}') from e
    boxes = []
    for obj in root.findall('object'):
        difficult = obj.find('difficult')
        if difficult is not None and int(difficult.text) == 1:
            continue
        bnd = obj.find('bndbox')
        boxes.append([float(bnd.find(k).text) - 1
                      for k in ('xmin', 'ymin', 'xmax', 'ymax')])
    return np.asarray(boxes, np.float64).reshape(-1, 4)


def _init_worker(search_kw: Dict) -> None:
    import cv2
    cv2.setNumThreads(1)
    _SEARCH_KW.update(search_kw)


def _propose(job: Tuple[str, str]) -> Tuple[str, np.ndarray, np.ndarray, float]:
    """(image id, path) -> (id, boxes, scores, seconds); seeded by the id (reproducible)."""
    import cv2

    from synthssl.datasets.proposals import selective_search
    img_id, path = job
    t = time.perf_counter()
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise OSError(f'selective_search_proposals: cannot read image {path}')
    boxes, scores = selective_search(img[..., ::-1].copy(),
                                     seed=zlib.crc32(img_id.encode()), **_SEARCH_KW)
    return img_id, boxes, scores, time.perf_counter() - t


def run(voc_dir: str, split: str, out: Optional[str] = None, workers: int = 1,
        progress: bool = True, **search_kw) -> Dict:
    """Computes, writes and summarises the proposals of a split; returns the summary dict."""
    ids = read_split(voc_dir, split)
    paths = [osp.join(voc_dir, 'JPEGImages', f'{i}.jpg') for i in ids]
    missing = [p for p in paths if not osp.isfile(p)]
    if missing:
        raise FileNotFoundError(
            f'selective_search_proposals: {len(missing)} image(s) of '
            f'{osp.join(voc_dir, "ImageSets", "Main", split + ".txt")} are missing, e.g. '
            f'{missing[:3]}')
    out = out or osp.join(voc_dir, 'proposals', f'selective_search_{split}.pkl')
    if not out.endswith('.pkl'):
        raise ValueError(f'selective_search_proposals: --out must be a .pkl file (mmdet loads '
                         f'proposal_file with mmengine.fileio.load), got {out}')
    # imported after the checks above: a wrong path fails at once
    from mmengine.fileio import dump

    from synthssl.datasets.proposals import proposal_recall
    jobs = list(zip(ids, paths))
    results = {}
    start = time.perf_counter()
    bar = tqdm(total=len(jobs), desc=f'selective search {split}', unit='img',
               disable=not progress)
    if workers > 1:
        with Pool(workers, initializer=_init_worker, initargs=(search_kw, )) as pool:
            for res in pool.imap_unordered(_propose, jobs, chunksize=1):
                results[res[0]] = res[1:]
                bar.update()
    else:
        _init_worker(search_kw)
        for job in jobs:
            res = _propose(job)
            results[res[0]] = res[1:]
            bar.update()
    bar.close()
    wall = time.perf_counter() - start

    proposals = {f'JPEGImages/{i}.jpg': dict(bboxes=results[i][0], scores=results[i][1])
                 for i in ids}
    if len(proposals) != len(ids):
        raise ValueError(f'selective_search_proposals: {split}.txt lists duplicate ids; '
                         f'mmdet needs exactly one proposal entry per listed image')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    tmp = out + '.tmp.pkl'
    dump(proposals, tmp)
    os.replace(tmp, out)

    counts = np.array([len(results[i][0]) for i in ids])
    summary = dict(out=out, split=split, images=len(ids),
                   boxes_per_image_mean=round(float(counts.mean()), 1),
                   boxes_per_image_min=int(counts.min()), boxes_per_image_max=int(counts.max()),
                   seconds_per_image=round(float(np.mean([results[i][2] for i in ids])), 3),
                   wall_s=round(wall, 1), workers=workers)
    xmls = [osp.join(voc_dir, 'Annotations', f'{i}.xml') for i in ids]
    if all(osp.isfile(x) for x in xmls):
        gts = [read_gt_boxes(x) for x in xmls]
        props = [results[i][0] for i in ids]
        summary['gt_boxes'] = int(sum(len(g) for g in gts))
        for thr in (0.5, 0.7):
            summary[f'recall@{thr}'] = round(proposal_recall(props, gts, thr), 4)
        for n in (100, 500):
            summary[f'recall@0.5_top{n}'] = round(proposal_recall(props, gts, 0.5, n), 4)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('voc_dir', help='VOC year folder, e.g. data/VOCdevkit/VOC2007')
    parser.add_argument('split', help='name of ImageSets/Main/<split>.txt, e.g. trainval')
    parser.add_argument('--out', help='output .pkl (default <voc_dir>/proposals/'
                        'selective_search_<split>.pkl)')
    parser.add_argument('--mode', default='fast', choices=('single', 'fast', 'quality'),
                        help='strategy preset (fast = R-CNN / Fast R-CNN)')
    parser.add_argument('--max-boxes', type=int, default=2000)
    parser.add_argument('--min-box-size', type=int, default=2,
                        help='drop boxes with a side below this many pixels (Fast R-CNN: 2)')
    parser.add_argument('--max-side', type=int, default=500,
                        help='downscale longer image sides to this for the search (0: never)')
    parser.add_argument('--workers', type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument('--summary-json', help='also write the summary here')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args()
    summary = run(args.voc_dir, args.split, out=args.out, workers=args.workers,
                  progress=not args.no_progress, mode=args.mode, max_boxes=args.max_boxes,
                  min_box_size=args.min_box_size, max_side=args.max_side or None)
    text = json.dumps(summary, indent=1)
    print(text)
    if args.summary_json:
        with open(args.summary_json, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
