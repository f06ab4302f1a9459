# Copyright (c) synthssl contributors.
"""Reader of SUNCG / PBRS renders (Zhang et al., CVPR'17) in the layouts Ren & Lee used."""
import glob
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS

#: PBRS camera (``yindaz/pbrs`` README): f 517.97, principal point (320, 240) at 640 x 480.
PBRS_INTRINSICS = ((517.97, 0.0, 320.0), (0.0, 517.97, 240.0), (0.0, 0.0, 1.0))
PBRS_SIZE = (640, 480)

#: File-name patterns per variant; ``{house}`` and ``{view}`` are substituted.
VARIANTS: Dict[str, Dict] = {
    # The PBRS release: Mitsuba MLT renders + gaps ground truth, 640 x 480.
    'full': dict(
        img='mlt/{house}/{view}_mlt.png',
        depth='depth/{house}/{view}_depth.png',
        normal='normal/{house}/{view}_norm_camera.png',
        instance='node/{house}/{view}_node.png',
        contour=None,
        normal_encoding='uint16'),
    # Ren & Lee's pre-downsampled copy (``suncg_image256``): 8-bit normals, edge maps.
    '256': dict(
        img='mlt/{house}/{view}_256.png',
        depth='depth/{house}/{view}_256.png',
        normal='normal/{house}/{view}_256.png',
        instance=None,
        contour='edge/{house}/{view}_256.png',
        normal_encoding='uint8'),
}
_TASKS = ('depth', 'normal', 'instance', 'contour')


def _pattern_regex(pattern: str) -> 're.Pattern':
    parts = re.split(r'(\{house\}|\{view\})', pattern)
    rx = ''.join('(?P<house>[^/]+)' if p == '{house}' else
                 '(?P<view>[^/]+)' if p == '{view}' else re.escape(p) for p in parts)
    return re.compile(rx + '$')


@DATASETS.register_module()
class PBRSDataset(BaseDataset):
    """SUNCG physically-based renders (PBRS), per-house folders under ``data_root``.

    ``variant='full'`` (the PBRS release, 640 x 480)::

        mlt/<house>/<view>_mlt.png            Mitsuba MLT colour render
        depth/<house>/<view>_depth.png        uint16 z-depth in millimetres
        normal/<house>/<view>_norm_camera.png uint16 x 3, 0..65535 -> [-1, 1], camera frame of
                                              ``convert_camera_normal.m``
        node/<house>/<view>_node.png          instance ids (listed only where the file exists)

    ``variant='256'`` (Ren & Lee's ``suncg_image256``: ``{mlt,depth,normal,edge}/<house>/
    <view>_256.png``; 8-bit normals decoded as v / 127.5 - 1, precomputed edge maps whose
    pixels > 0 become contour 1).

    Every pattern is a constructor argument (``None`` disables a modality) defaulting to the
    variant's. PBRS camera normals use the axes x right, y forward, z up
    (``R_c2w = [towards x up, towards, up]`` in ``convert_camera_normal.m``), so samples carry
    ``normal_axes='pbrs'`` and the loader converts them to OpenCV axes (x, -z, y); pass
    ``normal_axes='opencv'`` for files already in OpenCV axes. Normals of length far from 1
    (PBRS's invalid pixels) become (0, 0, 0).

    Intrinsics: 517.97 / 320 / 240 at 640 x 480, rescaled by the loader to the size of the
    files actually read (``K_size``), so the ``_256`` files get matching intrinsics too.

    Samples come from ``ann_file`` if given -- the authors' list format, one
    ``suncg <house>/<view>`` per line (lines of other sources are skipped) -- or else from a
    sorted scan of the image pattern.

    Args:
        data_root (str): the directory holding ``mlt/``, ``depth/``, ...
        ann_file (str): optional list file (relative to ``data_root`` or absolute).
        variant (str): 'full' or '256': the default patterns and normal encoding.
        img_pattern, depth_pattern, normal_pattern, instance_pattern, contour_pattern
            (str | None, optional): override the variant's patterns ('' disables).
        normal_encoding (str, optional): 'uint16' or 'uint8'; default from the variant.
        normal_axes (str): 'pbrs' (default) or 'opencv'.
        optional_tasks (Sequence[str]): tasks listed only for samples whose file exists.
            Default ('instance',).
        intrinsics (array-like): (3, 3) K. ``intrinsics_size`` its (W, H).
        check_files (bool): stat every required file at init. Default False.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments (``pipeline``, ...).
    """

    METAINFO: Dict = dict(classes=None)
    SOURCE = 'suncg'

    def __init__(self,
                 data_root: str,
                 ann_file: str = '',
                 variant: str = 'full',
                 img_pattern: Optional[str] = None,
                 depth_pattern: Optional[str] = None,
                 normal_pattern: Optional[str] = None,
                 instance_pattern: Optional[str] = None,
                 contour_pattern: Optional[str] = None,
                 normal_encoding: Optional[str] = None,
                 normal_axes: str = 'pbrs',
                 optional_tasks: Sequence[str] = ('instance', ),
                 intrinsics: Sequence[Sequence[float]] = PBRS_INTRINSICS,
                 intrinsics_size: Tuple[int, int] = PBRS_SIZE,
                 check_files: bool = False,
                 **kwargs) -> None:
        if variant not in VARIANTS:
            raise ValueError(f'variant must be one of {sorted(VARIANTS)}, got {variant!r}')
        preset = VARIANTS[variant]
        given = dict(img=img_pattern, depth=depth_pattern, normal=normal_pattern,
                     instance=instance_pattern, contour=contour_pattern)
        # None -> the variant's pattern; '' -> disabled.
        self.patterns = {k: (preset[k] if v is None else (v or None)) for k, v in given.items()}
        if not self.patterns['img']:
            raise ValueError('img_pattern cannot be disabled')
        self.variant = variant
        self.normal_encoding = normal_encoding or preset['normal_encoding']
        self.normal_axes = normal_axes
        self.optional_tasks = tuple(optional_tasks)
        self.K = np.asarray(intrinsics, dtype=np.float64).reshape(3, 3)
        self.intrinsics_size = tuple(int(v) for v in intrinsics_size)
        self.check_files = check_files
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def _path(self, task: str, house: str, view: str) -> str:
        return osp.join(self.data_root, self.patterns[task].format(house=house, view=view))

    def _list_views(self) -> List[Tuple[str, str]]:
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'{self.ann_file}: PBRS list file does not exist')
            views = []
            with open(self.ann_file, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    parts = line.split()
                    if not parts or parts[0] != self.SOURCE:
                        continue
                    if len(parts) != 2 or parts[1].count('/') != 1:
                        raise ValueError(f'{self.ann_file}:{lineno}: expected "suncg '
                                         f'<house_id>/<view_id>", got {line.strip()!r}')
                    views.append(tuple(parts[1].split('/')))
            return views
        pattern = self.patterns['img']
        rx = _pattern_regex(pattern)
        found = glob.glob(osp.join(self.data_root,
                                   pattern.format(house='*', view='*')))
        views = []
        for p in sorted(found):
            m = rx.search(osp.relpath(p, self.data_root).replace(osp.sep, '/'))
            if m:
                views.append((m.group('house'), m.group('view')))
        if not views:
            raise FileNotFoundError(
                f'{osp.join(self.data_root, pattern)}: no PBRS images match this pattern')
        return views

    def load_data_list(self) -> List[Dict]:
        """One dict of file paths per view."""
        K = self.K.tolist()
        data_list = []
        for house, view in self._list_views():
            info = dict(
                img_path=self._path('img', house, view), house=house, view=view,
                K=K, K_size=self.intrinsics_size, depth_type='z', depth_scale=1000.0,
                normal_encoding=self.normal_encoding, normal_axes=self.normal_axes,
                instance_dtypes=('uint8', 'uint16'))
            tasks = []
            for task in _TASKS:
                if not self.patterns[task]:
                    continue
                path = self._path(task, house, view)
                if task in self.optional_tasks and not osp.isfile(path):
                    continue
                info[f'{task}_path'] = path
                tasks.append(task)
            info['tasks'] = tuple(tasks)
            if self.check_files:
                for key in ['img_path'] + [f'{t}_path' for t in tasks]:
                    if not osp.isfile(info[key]):
                        raise FileNotFoundError(f'{info[key]}: PBRS file does not exist')
            data_list.append(info)
        return data_list
