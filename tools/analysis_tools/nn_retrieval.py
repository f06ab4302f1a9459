# Copyright (c) synthssl contributors.
"""Nearest-neighbour retrieval with backbone features (Ren & Lee, Fig. 3)::

    python tools/analysis_tools/nn_retrieval.py CONFIG CKPT [CKPT ...] --out nn.png \\
        [--names random no-DA full] [--layer conv5] [--pool none|avg|max] [--topk 4] \\
        [--num-queries 5 | --query-indices 3 17 42] [--image-dir DIR --img-size 227] \\
        [--gray] [--keep-self] [--dump-json nn.json] [--device cpu] [--amp] [--cfg-options ...]

Every CKPT (a runner checkpoint of CONFIG's model, a backbone-only export, or ``random`` /
``none`` for the randomly initialised network) embeds each image of the image set -- the
config's test set (``--split val`` for the val set) or every image under ``--image-dir`` --
by the backbone's ``--layer`` output (a stage name or index of SynthAlexNet / SynthVGG16,
an output index or sub-module name of any other backbone). Features are flattened
(``--pool none``, the paper's "conv5 features"; or global average / max pooled per
channel), L2-normalised, and compared by cosine similarity (their dot product). For each
query (an image of the set) the ``--topk`` most similar other images are retrieved
(``--keep-self`` keeps the query itself, which is then its own first neighbour with
similarity 1). ``--amp`` runs the backbone under autocast (bfloat16 on the CPU, float16 on
CUDA); the features are normalised and compared in float32.

The PNG has one row per query and, for each checkpoint side by side, a column group: the
query (its index in the image set written on it) and its neighbours, best first, each with
its similarity; the group's name (``--names``, default the checkpoint's file name) heads its
query column. ``--dump-json`` writes the indices, paths and similarities.

Memory: the features of the whole set are kept, N x D float32 (conv5 of a 227 input:
D = 256 x 13 x 13 = 43,264, i.e. ~170 kB per image; ``--pool avg`` gives D = 256).
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmengine.runner import autocast  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.utils.analysis import (backbone_features, build_eval_dataloader,  # noqa: E402
                                     build_model, checkpoints_parser, get_backbone,
                                     global_pool, image_folder_dataloader,
                                     load_config_and_checkpoints, parse_layer, sample_path,
                                     to_gray)
from synthssl.visualization import input_image, write_panel  # noqa: E402

POOLS = ('none', 'avg', 'max')


def parse_args() -> argparse.Namespace:
    parser = checkpoints_parser(__doc__)
    parser.add_argument('--layer', default='conv5', help='backbone output: name or index')
    parser.add_argument('--pool', choices=POOLS, default='none',
                        help="'none': flatten C x H x W (default); 'avg'/'max': per channel")
    parser.add_argument('--topk', type=int, default=4)
    queries = parser.add_mutually_exclusive_group()
    queries.add_argument('--num-queries', type=int,
                         help='random queries (seeded by --seed); default min(5, set size)')
    queries.add_argument('--query-indices', type=int, nargs='+',
                         help='queries by their index in the image set')
    parser.add_argument('--keep-self', action='store_true',
                        help='a query may retrieve itself (excluded by default)')
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    parser.add_argument('--image-dir', help='retrieve among these images instead')
    parser.add_argument('--img-size', type=int, default=227,
                        help='--image-dir images are resized to this square size')
    parser.add_argument('--gray', action='store_true',
                        help='feed grayscale (channel mean) images, as Ren & Lee train')
    parser.add_argument('--thumb', type=int, default=96, help='cell size in the PNG')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-workers', type=int, default=0)
    parser.add_argument('--device', default='cpu', help="e.g. 'cpu', 'cuda'")
    parser.add_argument('--amp', action='store_true',
                        help='backbone under autocast: bfloat16 on the CPU, float16 on CUDA')
    parser.add_argument('--seed', type=int, default=0,
                        help='query sampling and random initialisation')
    parser.add_argument('--dump-json', help='write neighbour indices and similarities')
    return parser.parse_args()


def preprocess(model: torch.nn.Module, data: Dict, gray: bool) -> torch.Tensor:
    """A collated batch -> the (N, 3, H, W) network input."""
    if gray:
        data = dict(data, inputs=to_gray(data['inputs']))
    return model.data_preprocessor(data, False)['inputs']


@torch.no_grad()
def extract(model: torch.nn.Module, loader, layer, pool: str, gray: bool,
            desc: str, amp: bool = False) -> torch.Tensor:
    """(N, D) L2-normalised float32 features of every image of ``loader`` (in dataset
    order); ``amp``: the backbone under autocast (bfloat16 on the CPU, float16 on CUDA)."""
    backbone = get_backbone(model)
    device_type = next(model.parameters()).device.type
    feats: List[torch.Tensor] = []
    with tqdm(total=len(loader.dataset), desc=desc, unit='img') as bar:
        for data in loader:
            inputs = preprocess(model, data, gray)
            with autocast(device_type=device_type, enabled=amp):
                f = backbone_features(backbone, inputs, layer)
            f = global_pool(f.float(), pool)
            feats.append(F.normalize(f.flatten(1).float(), dim=1).cpu())
            bar.update(f.shape[0])
    return torch.cat(feats)


def neighbours(feats: torch.Tensor, queries: List[int], k: int, keep_self: bool):
    """Top-``k`` cosine neighbours of each query row: (Q, k) indices and similarities."""
    sim = feats[queries] @ feats.T
    if not keep_self:
        sim[torch.arange(len(queries)), torch.as_tensor(queries)] = -float('inf')
    values, indices = sim.topk(k, dim=1)
    return indices, values


def thumbnail(img: np.ndarray, size: int, text: str) -> np.ndarray:
    """(H, W, 3) uint8 -> (size, size, 3) with ``text`` on a dark strip at the bottom."""
    t = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(size / 240, 0.3)
    (tw, th), base = cv2.getTextSize(text, font, scale, 1)
    t[size - th - base - 3:] //= 3
    cv2.putText(t, text, (2, size - base - 1), font, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return t


def main() -> None:
    args = parse_args()
    if args.topk < 1:
        raise ValueError(f'--topk must be positive, got {args.topk}')
    layer = parse_layer(args.layer)
    cfg, names = load_config_and_checkpoints(args)
    if args.image_dir:
        loader = image_folder_dataloader(args.image_dir, args.img_size, args.batch_size,
                                         args.num_workers)
        source = args.image_dir
    else:
        loader = build_eval_dataloader(cfg, args.split, args.batch_size, args.num_workers)
        source = f'{args.config}: {args.split} set'
    dataset = loader.dataset
    n = len(dataset)
    if args.topk > n - (0 if args.keep_self else 1):
        raise ValueError(f'--topk {args.topk}: the image set ({source}) has only {n} images')
    if args.query_indices:
        queries = list(args.query_indices)
        bad = [q for q in queries if not 0 <= q < n]
        if bad:
            raise ValueError(f'--query-indices {bad}: out of range for the image set '
                             f'({source}) of {n} images')
    else:
        num = min(5, n) if args.num_queries is None else args.num_queries
        if not 1 <= num <= n:
            raise ValueError(f'--num-queries {num}: the image set ({source}) has {n} images')
        rng = np.random.default_rng(args.seed)
        queries = sorted(rng.choice(n, num, replace=False).tolist())

    results, display_model = [], None
    for name, ckpt in zip(names, args.checkpoints):
        model = build_model(cfg, ckpt, device=args.device, seed=args.seed)
        feats = extract(model, loader, layer, args.pool, args.gray,
                        desc=f'{name}: {args.layer} features', amp=args.amp)
        idx, sim = neighbours(feats, queries, args.topk, args.keep_self)
        results.append(dict(name=name, checkpoint=ckpt, dim=int(feats.shape[1]),
                            neighbours=idx.tolist(), similarities=sim.tolist()))
        display_model = model
        del feats

    # the images as the networks see them (after the data preprocessor)
    cache: Dict[int, np.ndarray] = {}

    def image(i: int) -> np.ndarray:
        if i not in cache:
            data = loader.collate_fn([dataset[i]])
            cache[i] = input_image(preprocess(display_model, data, args.gray)[0])
        return cache[i]

    rows = []
    with torch.no_grad():
        for r, q in enumerate(queries):
            row = []
            for res in results:
                row.append((thumbnail(image(q), args.thumb, f'#{q}'), 'rgb'))
                for j, s in zip(res['neighbours'][r], res['similarities'][r]):
                    row.append((thumbnail(image(j), args.thumb, f'{s:.3f}'), 'rgb'))
            rows.append(row)
    labels = [lab for res in results
              for lab in [res['name']] + [str(i + 1) for i in range(args.topk)]]
    write_panel(args.out, rows, labels=labels, cell=(args.thumb, args.thumb))
    print(f'wrote {args.out}: {len(queries)} queries x {len(results)} checkpoints x '
          f'(query + {args.topk} neighbours), {args.layer} features, pool {args.pool}')
    if args.dump_json:
        dump = dict(config=args.config, layer=args.layer, pool=args.pool, gray=args.gray,
                    amp=args.amp,
                    keep_self=args.keep_self, image_set=source, num_images=n,
                    queries=[dict(index=q, path=sample_path(dataset, q)) for q in queries],
                    checkpoints=[dict(res, neighbour_paths=[[sample_path(dataset, j)
                                                             for j in row]
                                                            for row in res['neighbours']])
                                 for res in results])
        os.makedirs(osp.dirname(osp.abspath(args.dump_json)), exist_ok=True)
        with open(args.dump_json, 'w', encoding='utf-8') as f:
            json.dump(dump, f, indent=1)
        print(f'wrote {args.dump_json}')


if __name__ == '__main__':
    main()
