# Copyright (c) synthssl contributors.
"""Write the real photographs that ship inside installed packages (scikit-image's sample
photos; scikit-learn's two if it is installed) into a folder, as the real domain of the
demo and the tests. ``--with-system`` adds the photos that Debian's ``opencv-doc`` and
``darknet`` packages and matplotlib install (``tools/setup/install_real_data.sh``).
Nothing is downloaded::

    python tools/misc/write_builtin_photos.py data/synthssl/real_photos [--with-system]
"""
import argparse

from synthssl.datasets import materialize_builtin_photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder (existing files are kept)')
    parser.add_argument('--with-system', action='store_true',
                        help="also the photos of Debian's opencv-doc / darknet and matplotlib")
    args = parser.parse_args()
    paths = materialize_builtin_photos(args.out_dir, with_system=args.with_system)
    print(f'{len(paths)} real photographs in {args.out_dir}')


if __name__ == '__main__':
    main()
