# Copyright (c) synthssl contributors.
"""Reader of SceneNet RGB-D (McCormac et al., ICCV'17), as Ren & Lee used it."""
import glob
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS


def scenenet_intrinsics(width: int = 320, height: int = 240, hfov_deg: float = 60.0,
                        vfov_deg: float = 45.0) -> np.ndarray:
    """SceneNet RGB-D's pinhole camera as (3, 3) K in synthssl's pixel-centre convention.

    SceneNet's own ``pixel_to_ray`` (pySceneNetRGBD ``calculate_surface_normals.py``) maps
    pixel (x, y) to the ray ``(tan(hfov/2) * (2 (x + 0.5) / W - 1), tan(vfov/2) *
    (2 (y + 0.5) / H - 1), 1)`` with hfov 60 deg, vfov 45 deg at 320 x 240, i.e.
    ``fx = 160 / tan(30 deg) = 277.13``, ``fy = 120 / tan(22.5 deg) = 289.71`` and the
    principal point at the image centre: (160, 120) in pixel-edge coordinates, which is
    ``cx = 159.5, cy = 119.5`` with pixel centres at integer coordinates (synthssl's, and
    OpenCV's, convention). The axes are OpenCV's (x right, y down, z forward).
    """
    fx = (width / 2.0) / math.tan(math.radians(hfov_deg / 2.0))
    fy = (height / 2.0) / math.tan(math.radians(vfov_deg / 2.0))
    return np.array([[fx, 0.0, width / 2.0 - 0.5], [0.0, fy, height / 2.0 - 0.5],
                     [0.0, 0.0, 1.0]])


def _frame_key(path: str):
    name = osp.splitext(osp.basename(path))[0]
    return (0, int(name), '') if name.isdigit() else (1, 0, name)


@DATASETS.register_module()
class SceneNetRGBDDataset(BaseDataset):
    """SceneNet RGB-D: ``<data_root>/<split>/<k>/<traj>/{photo/<frame>.jpg,
    depth/<frame>.png, instance/<frame>.png}`` at 320 x 240.

    * depth: uint16 millimetres, **the distance along the pixel's ray** from the camera
      centre (pySceneNetRGBD multiplies unit rays by it), so samples carry
      ``depth_type='ray'`` and the loader converts it to z-depth with ``K``
      (``depth_is_ray_length=False`` reads it as z instead);
    * normals are not provided: put :class:`~synthssl.datasets.transforms.DepthToNormal`
      in the pipeline. If ``normal_dir`` is given (the authors' MATLAB-made 8-bit normals,
      ``uint8(255 * (n + 1) / 2)``) those files are listed instead;
    * intrinsics: :func:`scenenet_intrinsics` (hfov 60 deg, vfov 45 deg). Ren & Lee's MATLAB
      script used NYU Kinect intrinsics (518.86, 519.47, 325.58, 253.74) for these frames;
      pass ``intrinsics`` to reproduce that, knowingly.

    Samples come from ``ann_file`` if given -- the authors' list format, one
    ``scenenet train/<k>/<traj> <frame>`` per line (lines of other sources, e.g.
    ``suncg ...``, are skipped) -- or else from a sorted scan of
    ``<data_root>/<split>/*/*/<photo_dir>/*<photo_ext>``.

    Args:
        data_root (str): dataset root (the directory holding ``train/``, ``val/``).
        split (str): sub-directory scanned when there is no list. Default 'train'.
        ann_file (str): optional list file (relative to ``data_root`` or absolute).
        photo_dir, depth_dir, instance_dir (str | None): per-trajectory sub-directories;
            None disables that modality. ``normal_dir``, ``edge_dir`` (None by default):
            the authors' extra ``normal/`` and ``edge/`` folders.
        photo_ext (str): image extension. Default '.jpg'.
        intrinsics (array-like, optional): (3, 3) K; default :func:`scenenet_intrinsics`.
        intrinsics_size (tuple[int, int]): (W, H) that ``intrinsics`` refer to; the loader
            rescales K if the files have another size. Default (320, 240).
        depth_is_ray_length (bool): see above. Default True.
        check_files (bool): stat every listed file at initialisation. Default False (the
            full set has 5M frames); missing files still fail at load, naming the path.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments (``pipeline``, ...).
    """

    METAINFO: Dict = dict(classes=None)
    SOURCE = 'scenenet'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: str = '',
                 photo_dir: str = 'photo',
                 depth_dir: Optional[str] = 'depth',
                 instance_dir: Optional[str] = 'instance',
                 normal_dir: Optional[str] = None,
                 edge_dir: Optional[str] = None,
                 photo_ext: str = '.jpg',
                 intrinsics: Optional[Sequence[Sequence[float]]] = None,
                 intrinsics_size: Sequence[int] = (320, 240),
                 depth_is_ray_length: bool = True,
                 check_files: bool = False,
                 **kwargs) -> None:
        self.split = split
        self.photo_dir = photo_dir
        self.dirs = dict(depth=depth_dir, instance=instance_dir, normal=normal_dir,
                         contour=edge_dir)
        self.photo_ext = photo_ext
        self.K = np.asarray(scenenet_intrinsics() if intrinsics is None else intrinsics,
                            dtype=np.float64).reshape(3, 3)
        self.intrinsics_size = tuple(int(v) for v in intrinsics_size)
        self.depth_is_ray_length = depth_is_ray_length
        self.check_files = check_files
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def _list_frames(self) -> List[tuple]:
        """(trajectory dir relative to data_root, frame name) pairs."""
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'{self.ann_file}: SceneNet list file does not exist')
            frames = []
            with open(self.ann_file, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    parts = line.split()
                    if not parts or parts[0] != self.SOURCE:
                        continue
                    if len(parts) != 3:
                        raise ValueError(f'{self.ann_file}:{lineno}: expected "scenenet '
                                         f'<split>/<k>/<traj> <frame>", got {line.strip()!r}')
                    frames.append((parts[1], parts[2]))
            return frames
        split_dir = osp.join(self.data_root, self.split)
        if not osp.isdir(split_dir):
            raise FileNotFoundError(f'{split_dir}: SceneNet split directory does not exist')
        pattern = osp.join(split_dir, '*', '*', self.photo_dir, '*' + self.photo_ext)
        photos = glob.glob(pattern)
        if not photos:
            raise FileNotFoundError(f'{pattern}: no SceneNet photos found')
        photos.sort(key=lambda p: (osp.dirname(p), _frame_key(p)))
        frames = []
        for p in photos:
            traj_dir = osp.relpath(osp.dirname(osp.dirname(p)), self.data_root)
            frames.append((traj_dir.replace(osp.sep, '/'),
                           osp.splitext(osp.basename(p))[0]))
        return frames

    def load_data_list(self) -> List[Dict]:
        """One dict of file paths per frame."""
        K = self.K.tolist()
        data_list = []
        for traj, frame in self._list_frames():
            base = osp.join(self.data_root, traj)
            info = dict(
                img_path=osp.join(base, self.photo_dir, frame + self.photo_ext),
                trajectory=traj, frame=frame, K=K, K_size=self.intrinsics_size,
                depth_type='ray' if self.depth_is_ray_length else 'z', depth_scale=1000.0,
                normal_encoding='uint8', normal_axes='opencv',
                instance_dtypes=('uint8', 'uint16'))
            tasks = []
            for task, sub in self.dirs.items():
                if sub:
                    info[f'{task}_path'] = osp.join(base, sub, frame + '.png')
                    tasks.append(task)
            info['tasks'] = tuple(tasks)
            if self.check_files:
                for key in ['img_path'] + [f'{t}_path' for t in tasks]:
                    if not osp.isfile(info[key]):
                        raise FileNotFoundError(f'{info[key]}: SceneNet file does not exist')
            data_list.append(info)
        return data_list

