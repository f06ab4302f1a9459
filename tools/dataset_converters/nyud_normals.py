# Copyright (c) synthssl contributors.
"""Convert NYU Depth v2 + a surface-normal ground truth into the folder layout that
``synthssl.NYUDv2NormalsDataset`` reads (Ren & Lee, CVPR 2018, §4.5)::

    python tools/dataset_converters/nyud_normals.py \\
        --labeled-mat data/nyud/nyu_depth_v2_labeled.mat \\
        --splits data/nyud/splits.mat \\
        --normals data/nyud/nyuv2_surfacenormal_metadata.zip \\
        --out data/nyud_normals

Inputs (public files):

* ``nyu_depth_v2_labeled.mat`` (Silberman et al., ECCV 2012), MATLAB v7.3 = HDF5, read with
  h5py. As h5py sees MATLAB's column-major arrays: ``images`` (1449, 3, 640, 480) uint8
  = (N, C, W, H), ``depths`` (1449, 640, 480) float32 metres (in-painted) = (N, W, H).
* ``splits.mat`` (same page; MATLAB v5, read with scipy): ``trainNdxs`` (795, 1) and
  ``testNdxs`` (654, 1), 1-based indices into the 1449 images.
* the normals, one of:
  - Ladicky et al. (ECCV 2014) ground truth as redistributed by FAIR's self-supervision
    benchmark, ``nyuv2_surfacenormal_metadata.zip`` (or the ``all_normals.pklz`` inside):
    a gzip pickle ``{'all_normals': (1449, 480, 640, 3) float, 'all_filenames': [...]}``
    (file names ``'%06d'`` of the 1-based NYU index; array order is used when absent);
  - any other provider (e.g. Eigen & Fergus's) dumped as a ``.npy`` of (1449, 480, 640, 3)
    in NYU order.
  Pixels whose normal is not finite or whose length is not 1 +- 0.1 (zero vectors) are
  invalid.

Axes: the output is OpenCV camera space (x right, y down, z forward), normals facing the
camera. ``--axes`` gives the provider's axes as an OpenCV vector, e.g. ``x,-y,-z`` means
``n_cv = (n_x, -n_y, -n_z)`` (OpenGL axes); ``auto`` (default) picks, among the 48 signed
axis permutations, the one whose rotated normals agree best (mean cosine) with normals
computed from ``depths`` and the NYU intrinsics on ``--check-images`` images, and fails if
that agreement is below ``--min-agreement``. The mapping used and its agreement are
printed and stored in ``meta.json``.

Output: see :mod:`synthssl.datasets.nyud_normals` (images/, normals/, train.txt, test.txt,
meta.json). Peak memory: the whole normal array (~5.3 GB as float32, twice as float64).
"""
import argparse
import gzip
import itertools
import json
import os
import os.path as osp
import pickle
import sys
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from synthssl.datasets.nyud_normals import NYU_K, NYU_SPLIT_SIZES  # noqa: E402
from synthssl.datasets.transforms.normals import depth_to_normals  # noqa: E402
from synthssl.render.io import write_normal, write_rgb  # noqa: E402

AXES = 'xyz'
H5PY_HINT = 'pip install h5py==3.16.0'


class ConversionError(ValueError):
    """An input file that cannot be used; the message names the file."""


# --------------------------------------------------------------------------- axes
def parse_axes(spec: str) -> np.ndarray:
    """``'x,-y,-z'`` -> (3, 3) signed permutation M with ``n_opencv = M @ n_provider``."""
    parts = [p.strip() for p in spec.split(',')]
    M = np.zeros((3, 3))
    if len(parts) != 3:
        raise ValueError(f'--axes: expected three comma-separated axes like x,-y,-z, got '
                         f'{spec!r}')
    for row, p in enumerate(parts):
        sign = -1.0 if p.startswith('-') else 1.0
        name = p.lstrip('+-')
        if name not in AXES:
            raise ValueError(f'--axes: unknown axis {p!r} in {spec!r}')
        M[row, AXES.index(name)] = sign
    if sorted(np.abs(M).argmax(1)) != [0, 1, 2]:
        raise ValueError(f'--axes: every provider axis must be used once, got {spec!r}')
    return M


def format_axes(M: np.ndarray) -> str:
    """Inverse of :func:`parse_axes`."""
    out = []
    for row in M:
        j = int(np.abs(row).argmax())
        out.append(('-' if row[j] < 0 else '') + AXES[j])
    return ','.join(out)


def signed_permutations() -> List[np.ndarray]:
    """The 48 signed 3x3 permutation matrices."""
    mats = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            M = np.zeros((3, 3))
            for row, (col, s) in enumerate(zip(perm, signs)):
                M[row, col] = s
            mats.append(M)
    return mats


def valid_mask(n: np.ndarray, tol: float = 0.1) -> np.ndarray:
    """(..., 3) normals -> (...) bool: finite and of length 1 +- ``tol``."""
    finite = np.isfinite(n).all(-1)
    length = np.linalg.norm(np.where(finite[..., None], n, 0.0), axis=-1)
    return finite & (np.abs(length - 1.0) <= tol)


def axes_agreement(provider: Sequence[np.ndarray], from_depth: Sequence[np.ndarray],
                   ) -> List[Tuple[float, np.ndarray]]:
    """Mean cosine between ``M @ provider`` and depth-derived normals over the pixels
    valid in both, for every signed permutation M, best first."""
    C = np.zeros((3, 3))  # sum of d p^T; agreement(M) = sum(M * C) / count
    count = 0
    for p, d in zip(provider, from_depth):
        ok = valid_mask(p) & (np.abs(d).sum(-1) > 0)
        pv = p[ok].astype(np.float64)
        pv /= np.linalg.norm(pv, axis=-1, keepdims=True)
        C += d[ok].astype(np.float64).T @ pv
        count += int(ok.sum())
    if count == 0:
        raise ConversionError('axis detection: no pixel has both a valid provider normal and '
                              'a normal from depth')
    scores = [(float((M * C).sum() / count), M) for M in signed_permutations()]
    return sorted(scores, key=lambda s: -s[0])


# --------------------------------------------------------------------------- inputs
def load_splits(path: str) -> Dict[str, np.ndarray]:
    """``splits.mat`` -> {'train': 1-based int array, 'test': ...}."""
    from scipy.io import loadmat
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: split file does not exist')
    try:
        mat = loadmat(path)
    except Exception as e:  # scipy raises several types for non-.mat input
        raise ConversionError(f'{path}: not a readable MATLAB v5 .mat file ({e})') from e
    out = {}
    for split, key in (('train', 'trainNdxs'), ('test', 'testNdxs')):
        if key not in mat:
            raise ConversionError(f'{path}: has no {key!r} (expected trainNdxs and testNdxs)')
        out[split] = np.asarray(mat[key]).astype(np.int64).reshape(-1)
    if set(out['train']) & set(out['test']):
        raise ConversionError(f'{path}: trainNdxs and testNdxs overlap')
    return out


def load_provider_normals(path: str) -> Tuple[np.ndarray, Optional[List[str]]]:
    """Normals (N, H, W, 3) and file names (or None) from .zip / .pklz / .npy."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: normals file does not exist')
    names = None
    try:
        if path.endswith('.npy'):
            normals = np.load(path, mmap_mode='r')
        else:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    inner = [m for m in zf.namelist() if m.endswith('all_normals.pklz')]
                    if len(inner) != 1:
                        raise ConversionError(f'{path}: expected one all_normals.pklz in the '
                                              f'zip, found {len(inner)}')
                    with zf.open(inner[0]) as raw, gzip.open(raw) as f:
                        data = pickle.load(f)
            else:
                with gzip.open(path, 'rb') as f:
                    data = pickle.load(f)
            if not isinstance(data, dict) or 'all_normals' not in data:
                raise ConversionError(f"{path}: expected a dict with 'all_normals' (FAIR's "
                                      'all_normals.pklz)')
            normals = np.asarray(data['all_normals'])
            if data.get('all_filenames') is not None:
                names = [str(n) for n in data['all_filenames']]
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as e:
        if isinstance(e, ConversionError):
            raise
        raise ConversionError(f'{path}: cannot read normals ({e})') from e
    if normals.ndim != 4 or normals.shape[-1] != 3:
        raise ConversionError(f'{path}: normals must be (N, H, W, 3), got {normals.shape}')
    if names is not None and len(names) != normals.shape[0]:
        raise ConversionError(f'{path}: {len(names)} file names for {normals.shape[0]} maps')
    return normals, names


def normal_index(names: Optional[List[str]], num: int, path: str) -> Dict[int, int]:
    """1-based NYU index -> row of the normal array."""
    if names is None:
        return {i + 1: i for i in range(num)}
    out = {}
    for row, name in enumerate(names):
        stem = osp.splitext(osp.basename(name))[0].split('_')[0]
        if not stem.isdigit():
            raise ConversionError(f'{path}: file name {name!r} does not start with the NYU '
                                  'image index')
        out[int(stem)] = row
    return out


class LabeledMat:
    """``images`` / ``depths`` of ``nyu_depth_v2_labeled.mat`` (HDF5), per image, in
    (H, W[, 3]) order."""

    def __init__(self, path: str) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: labelled NYU Depth v2 file does not exist')
        try:
            import h5py
        except ImportError as e:
            raise ImportError(f'{path} is a MATLAB v7.3 (HDF5) file: reading it needs h5py '
                              f'({H5PY_HINT})') from e
        try:
            self.f = h5py.File(path, 'r')
        except OSError as e:
            raise ConversionError(f'{path}: not an HDF5 / MATLAB v7.3 file ({e})') from e
        self.path = path
        for key in ('images', 'depths'):
            if key not in self.f:
                raise ConversionError(f'{path}: has no {key!r} dataset')
        self.images, self.depths = self.f['images'], self.f['depths']
        n, c, w, h = self.images.shape if self.images.ndim == 4 else (0, 0, 0, 0)
        if self.images.ndim != 4 or c != 3 or self.depths.shape != (n, w, h):
            raise ConversionError(f'{path}: expected images (N, 3, W, H) and depths (N, W, H), '
                                  f'got {self.images.shape} and {self.depths.shape}')
        self.num, self.size = n, (w, h)

    def image(self, idx: int) -> np.ndarray:
        """(H, W, 3) uint8 RGB of 1-based ``idx``."""
        return np.ascontiguousarray(np.asarray(self.images[idx - 1]).transpose(2, 1, 0))

    def depth(self, idx: int) -> np.ndarray:
        """(H, W) float metres of 1-based ``idx``."""
        return np.ascontiguousarray(np.asarray(self.depths[idx - 1]).T)

    def close(self) -> None:
        self.f.close()


# --------------------------------------------------------------------------- convert
def convert(labeled_mat: str, splits: str, normals: str, out: str, axes: str = 'auto',
            K: Sequence[float] = (NYU_K[0][0], NYU_K[1][1], NYU_K[0][2], NYU_K[1][2]),
            check_images: int = 8, min_agreement: float = 0.5, provider: str = 'ladicky',
            progress: bool = True) -> Dict:
    """Write the layout of :mod:`synthssl.datasets.nyud_normals`; returns meta.json's dict."""
    split_idx = load_splits(splits)
    mat = LabeledMat(labeled_mat)
    try:
        normal_arr, names = load_provider_normals(normals)
        rows = normal_index(names, normal_arr.shape[0], normals)
        w, h = mat.size
        if normal_arr.shape[1:3] != (h, w):
            raise ConversionError(f'{normals}: normal maps are {normal_arr.shape[2]}x'
                                  f'{normal_arr.shape[1]} (WxH) but the images of '
                                  f'{labeled_mat} are {w}x{h}')
        wanted = np.concatenate([split_idx['train'], split_idx['test']])
        for idx in wanted:
            if not 1 <= idx <= mat.num:
                raise ConversionError(f'{splits}: index {idx} outside 1..{mat.num} of '
                                      f'{labeled_mat}')
            if idx not in rows:
                raise ConversionError(f'{normals}: has no normal map for NYU image {idx}')
        for split, n in NYU_SPLIT_SIZES.items():
            if len(split_idx[split]) != n:
                print(f'note: {splits} lists {len(split_idx[split])} {split} images, the '
                      f'standard split has {n}')

        fx, fy, cx, cy = (float(v) for v in K)
        Kmat = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
        if axes == 'auto':
            probe = sorted(wanted)[:max(1, check_images)]
            it = tqdm(probe, desc='axis check', disable=not progress)
            prov = [np.asarray(normal_arr[rows[i]], dtype=np.float64) for i in it]
            from_depth = [depth_to_normals(mat.depth(i), Kmat) for i in probe]
            ranked = axes_agreement(prov, from_depth)
            agreement, M = ranked[0]
            runner_up = ranked[1][0]
            print(f'axes auto: provider -> OpenCV = ({format_axes(M)}), mean cosine with '
                  f'depth normals {agreement:.3f} (next best {runner_up:.3f}) on '
                  f'{len(probe)} images')
            if agreement < min_agreement:
                raise ConversionError(
                    f'{normals}: no axis mapping agrees with the normals of the depth maps of '
                    f'{labeled_mat} (best mean cosine {agreement:.3f} < {min_agreement}); '
                    'check the files or pass --axes and --intrinsics explicitly')
        else:
            M, agreement, runner_up = parse_axes(axes), None, None

        os.makedirs(osp.join(out, 'images'), exist_ok=True)
        os.makedirs(osp.join(out, 'normals'), exist_ok=True)
        valid_frac = []
        for idx in tqdm(wanted, desc='convert', disable=not progress):
            stem = f'{idx:04d}'
            n = np.asarray(normal_arr[rows[idx]], dtype=np.float64)
            ok = valid_mask(n)
            n = np.where(ok[..., None], n, 0.0)
            n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)
            n = np.where(ok[..., None], n @ M.T, 0.0)
            write_rgb(osp.join(out, 'images', stem + '.png'), mat.image(idx))
            write_normal(osp.join(out, 'normals', stem + '.png'), n)
            valid_frac.append(float(ok.mean()))
        for split in ('train', 'test'):
            with open(osp.join(out, f'{split}.txt'), 'w', encoding='utf-8') as f:
                f.writelines(f'{i:04d}\n' for i in split_idx[split])
        meta = dict(
            provider=provider,
            sources=dict(labeled_mat=osp.abspath(labeled_mat), splits=osp.abspath(splits),
                         normals=osp.abspath(normals)),
            normal_axes='opencv',
            provider_to_opencv=format_axes(M),
            axes_mode=axes,
            axes_agreement=agreement,
            axes_runner_up=runner_up,
            K=Kmat.tolist(),
            K_size=[w, h],
            counts={s: int(len(v)) for s, v in split_idx.items()},
            mean_valid_fraction=float(np.mean(valid_frac)),
            encodings=dict(image='png uint8 RGB',
                           normal='png uint16x3 round((n+1)/2*65535), OpenCV camera axes, '
                                  'facing the camera, 0 = invalid'))
        with open(osp.join(out, 'meta.json'), 'w', encoding='utf-8') as f:
            json.dump(meta, f, indent=2)
        return meta
    finally:
        mat.close()


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--labeled-mat', required=True, help='nyu_depth_v2_labeled.mat')
    parser.add_argument('--splits', required=True, help='splits.mat (trainNdxs, testNdxs)')
    parser.add_argument('--normals', required=True,
                        help='nyuv2_surfacenormal_metadata.zip, all_normals.pklz or a .npy')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--axes', default='auto',
                        help="provider axes as OpenCV components, e.g. 'x,-y,-z', or 'auto'")
    parser.add_argument('--intrinsics', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'),
                        default=(NYU_K[0][0], NYU_K[1][1], NYU_K[0][2], NYU_K[1][2]),
                        help='camera for the depth normals of --axes auto (NYU RGB camera)')
    parser.add_argument('--check-images', type=int, default=8,
                        help='images used by --axes auto')
    parser.add_argument('--min-agreement', type=float, default=0.5)
    parser.add_argument('--provider', default='ladicky',
                        help="name stored in meta.json, e.g. 'ladicky' or 'eigen'")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    try:
        parse_axes(args.axes) if args.axes != 'auto' else None
        meta = convert(args.labeled_mat, args.splits, args.normals, args.out, axes=args.axes,
                       K=args.intrinsics, check_images=args.check_images,
                       min_agreement=args.min_agreement, provider=args.provider)
    except (FileNotFoundError, ConversionError, ImportError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(1)
    print(f"wrote {meta['counts']['train']} train + {meta['counts']['test']} test images to "
          f'{args.out} (axes {meta["provider_to_opencv"]}, mean valid fraction '
          f'{meta["mean_valid_fraction"]:.3f})')


if __name__ == '__main__':
    main()
