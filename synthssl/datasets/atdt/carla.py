# Copyright (c) synthssl contributors.
"""Reader of the AT/DT authors' CARLA renders."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from synthssl.registry import DATASETS

from .sem_depth_dataset import SemDepthDataset, sorted_files


@DATASETS.register_module()
class CARLADataset(SemDepthDataset):
    """CARLA episodes in the AT/DT authors' layout (their data set is not distributed; this is
    the layout of their ``filelist/*.txt``)::

        <data_root>/episode_XXXX/MyCamera_L/<frame>.png           8-bit RGB
        <data_root>/episode_XXXX/MyCamera_L/Semantic/<frame>.png  1-channel ids of the 11
                                                                  CARLA classes (>= 11 ignored)
        <data_root>/episode_XXXX/MyCamera_L/Depth/<frame>.png     CARLA depth camera RGB,
                                  (R + 256 G + 65536 B) / (2^24 - 1) * 1000 m

    Raw CARLA semantic images (tag in the R channel) read with
    ``label_mapping='carla_tags', seg_channel='R'``. ``ann_file`` reads the authors' lists.

    Args:
        data_root (str): folder of the ``episode_*`` folders.
        episodes (Sequence[str], optional): episode folder names; default all ``episode_*``.
        camera (str): camera folder. Default ``'MyCamera_L'``.
        seg_dir, depth_dir (str, optional): sub-folders of the camera folder (None: absent).
        **kwargs: see :class:`~synthssl.datasets.atdt.sem_depth_dataset.SemDepthDataset`.
    """

    DEPTH_ENCODING = 'carla_rgb'
    LABEL_MAPPING = 'carla11'

    def __init__(self,
                 data_root: str,
                 episodes: Optional[Sequence[str]] = None,
                 camera: str = 'MyCamera_L',
                 seg_dir: Optional[str] = 'Semantic',
                 depth_dir: Optional[str] = 'Depth',
                 **kwargs) -> None:
        self.episodes = None if episodes is None else list(episodes)
        self.camera, self.seg_dir, self.depth_dir = camera, seg_dir, depth_dir
        super().__init__(data_root=data_root, **kwargs)

    def scan(self) -> List[Dict]:
        """One sample per ``episode_*/<camera>/*.png``."""
        episodes = self.episodes
        if episodes is None:
            if not osp.isdir(self.data_root):
                raise FileNotFoundError(f'{self.data_root}: CARLA root does not exist')
            episodes = sorted(n for n in os.listdir(self.data_root)
                              if n.startswith('episode_')
                              and osp.isdir(osp.join(self.data_root, n)))
        samples = []
        for ep in episodes:
            cam = osp.join(self.data_root, ep, self.camera)
            for name in sorted_files(cam, '.png', 'CARLA camera'):
                samples.append(dict(
                    img_path=osp.join(cam, name),
                    seg_map_path=osp.join(cam, self.seg_dir, name) if self.seg_dir else None,
                    depth_map_path=osp.join(cam, self.depth_dir, name) if self.depth_dir else None,
                    episode=ep))
        return samples
