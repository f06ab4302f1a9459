# Copyright (c) synthssl contributors.
"""Render the toy 2-D shapes classification set (ImageNet folder layout)::

    python tools/render/render_toy_shapes.py data/toy_shapes --num-train 256 --num-val 64
"""
import argparse

from tqdm import tqdm

from synthssl.render.toy_shapes import render_toy_shapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--num-train', type=int, default=256)
    parser.add_argument('--num-val', type=int, default=64)
    parser.add_argument('--size', type=int, default=64, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    with tqdm(total=args.num_train + args.num_val, desc='toy shapes', unit='img') as bar:
        render_toy_shapes(args.out_dir, args.num_train, args.num_val, args.size, args.seed,
                          progress=lambda n: bar.update(n - bar.n))
    print(f'wrote {args.num_train} train + {args.num_val} val images to {args.out_dir}')


if __name__ == '__main__':
    main()
