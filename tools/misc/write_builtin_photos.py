# Copyright (c) synthssl contributors.
"""Write the real photographs that ship inside installed packages (scikit-image's sample
photos; scikit-learn's two if it is installed) into a folder, as the real domain of the
demo and the tests. Nothing is downloaded::

    python tools/misc/write_builtin_photos.py data/synthssl/real_photos
"""
import argparse

from synthssl.datasets import materialize_builtin_photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder (existing files are kept)')
    args = parser.parse_args()
    paths = materialize_builtin_photos(args.out_dir)
    print(f'{len(paths)} real photographs in {args.out_dir}')


if __name__ == '__main__':
    main()
