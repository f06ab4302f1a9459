# Copyright (c) synthssl contributors.
"""Reader of synthssl's own rendered multi-task views (layout in :mod:`synthssl.render.io`)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS
from synthssl.fileio import read_json
from synthssl.render.io import read_manifest_file, view_path

# Dense modalities of the render layout (rgb and camera are always required).
DENSE_MODALITIES = ('depth', 'normal', 'instance', 'semantic')


@DATASETS.register_module()
class SyntheticMultiTaskDataset(BaseDataset):
    """Views rendered by synthssl: ``<data_root>/manifest.jsonl`` + ``meta.json`` +
    ``scenes/<scene>/{rgb,depth,normal,instance,semantic,camera}/<view>.{png,json}``.

    Each ``data_list`` entry (pixels are read later by
    :class:`~synthssl.datasets.transforms.LoadMultiTaskAnnotations`)::

        img_path, depth_path, normal_path, instance_path, semantic_path  (present tasks only)
        camera_path           per-view camera JSON (intrinsics K, cam_to_world)
        K                     (3, 3) list, only when meta.json or the manifest line has it
        tasks                 tuple of available dense tasks, e.g. ('depth', 'normal', ...)
        depth_type='z', depth_scale, normal_encoding='uint16', normal_axes='opencv',
        instance_dtypes=('uint16',), semantic_dtypes=('uint8',)
        view, scene           plus every other field of the manifest line
        (``depth_scale`` from ``meta.json['encodings']['depth_scale_mm']`` when present)

    Which tasks exist: ``tasks`` if given; else ``meta.json['modalities']`` if present; else
    the modalities whose file exists for the first view of the manifest. With
    ``check_files`` every listed file is checked at initialisation and the first missing
    one is reported by path; otherwise a missing file fails when loaded (also naming it).

    Args:
        data_root (str): the rendered dataset root.
        ann_file (str): manifest, relative to ``data_root``. Default 'manifest.jsonl'.
        tasks (Sequence[str], optional): restrict to these dense tasks.
        check_files (bool): stat every file at init. Default True.
        **kwargs: the rest of :class:`mmengine.dataset.BaseDataset`'s arguments
            (``pipeline``, ``test_mode``, ``indices``, ``serialize_data``, ...).
    """

    METAINFO: Dict = dict(classes=None)

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'manifest.jsonl',
                 tasks: Optional[Sequence[str]] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if tasks is not None:
            bad = set(tasks) - set(DENSE_MODALITIES)
            if bad:
                raise ValueError(f'unknown tasks {sorted(bad)}; known: {DENSE_MODALITIES}')
        self.tasks = None if tasks is None else tuple(tasks)
        self.check_files = check_files
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def _read_meta(self) -> Dict:
        return read_json(osp.join(self.data_root, 'meta.json'),
                         'meta.json of the rendered dataset does not exist')

    def _read_manifest(self) -> List[Dict]:
        return read_manifest_file(self.ann_file,
                                  'manifest of the rendered dataset does not exist')

    def load_data_list(self) -> List[Dict]:
        """Parse the manifest into one dict of file paths per view."""
        meta = self._read_meta()
        if meta.get('classes') is not None and self._metainfo.get('classes') is None:
            self._metainfo['classes'] = tuple(meta['classes'])
        manifest = self._read_manifest()
        root = self.data_root
        tasks = self.tasks
        if tasks is None and meta.get('modalities') is not None:
            tasks = tuple(m for m in meta['modalities'] if m in DENSE_MODALITIES)
        if tasks is None:
            first = manifest[0]['view'] if manifest else None
            tasks = tuple(m for m in DENSE_MODALITIES
                          if first is not None and osp.isfile(view_path(root, first, m)))
        shared_K = meta.get('K')
        depth_scale = float((meta.get('encodings') or {}).get('depth_scale_mm', 1000.0))

        data_list = []
        for item in manifest:
            view = item['view']
            info = {k: v for k, v in item.items()}
            info.setdefault('scene', view.split('/')[0])
            info.update(
                view=view,
                img_path=view_path(root, view, 'rgb'),
                camera_path=view_path(root, view, 'camera'),
                tasks=tasks,
                depth_type='z',
                depth_scale=depth_scale,
                normal_encoding='uint16',
                normal_axes='opencv',
                instance_dtypes=('uint16', ),
                semantic_dtypes=('uint8', ))
            for m in tasks:
                info[f'{m}_path'] = view_path(root, view, m)
            if 'K' not in info and shared_K is not None:
                info['K'] = shared_K
            if self.check_files:
                for key in ('img_path', 'camera_path') + tuple(f'{m}_path' for m in tasks):
                    if key == 'camera_path' and 'K' in info and not osp.isfile(info[key]):
                        info.pop('camera_path')  # intrinsics already known
                        continue
                    if not osp.isfile(info[key]):
                        raise FileNotFoundError(
                            f'{info[key]}: file of view {view!r} listed in {self.ann_file} '
                            'does not exist')
            data_list.append(info)
        return data_list
