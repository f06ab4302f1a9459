# Copyright (c) synthssl contributors.
"""The built-in renderer's views as an AT/DT domain (semantics + depth)."""
import json
import os.path as osp
from typing import Dict, List

from synthssl.registry import DATASETS
from synthssl.fileio import BadFileError, read_json
from synthssl.render.io import read_manifest_file, view_path
from synthssl.render.scene import CLASSES as RENDER_CLASSES

from .sem_depth_dataset import SemDepthDataset
from ..label_maps import RENDER_PALETTE, RENDER_SEG_CLASSES


@DATASETS.register_module()
class RenderedSceneSegDataset(SemDepthDataset):
    """Views written by :func:`synthssl.render.render_dataset` /
    ``tools/render/render_synthetic.py`` (layout in :mod:`synthssl.render.io`), read as image +
    semantic labels + depth::

        <data_root>/meta.json, manifest.jsonl
        <data_root>/scenes/<scene>/rgb/<view>.png        8-bit RGB
        <data_root>/scenes/<scene>/semantic/<view>.png   uint8 ids of synthssl.render.CLASSES
        <data_root>/scenes/<scene>/depth/<view>.png      uint16 millimetres, 0 invalid

    Each sample also gets ``focal_length`` (fx in pixels of the view's camera,
    ``scenes/<scene>/camera/<view>.json``'s ``K[0][0]``) when that file exists, as the KITTI
    reader does from its calibration (AT/DT's per-image focal ratio).

    Classes: the renderer's 11 minus ``'void'`` (id 0, no surface hit), which becomes
    ``ignore_index``; so ``floor`` is 0 ... ``mesh`` is 9 (``label_mapping='render'``). The
    ``meta.json`` must list the renderer's classes and millimetre depth; otherwise the files
    were written by something else and an error names the file.

    Args:
        data_root (str): a rendered dataset root.
        ann_file (str): manifest relative to ``data_root``. Default ``'manifest.jsonl'``.
        **kwargs: see :class:`~synthssl.datasets.atdt.sem_depth_dataset.SemDepthDataset`.
    """

    METAINFO: Dict = dict(classes=RENDER_SEG_CLASSES, palette=RENDER_PALETTE)
    DEPTH_ENCODING = 'uint16_mm'
    LABEL_MAPPING = 'render'

    def __init__(self, data_root: str, ann_file: str = 'manifest.jsonl', **kwargs) -> None:
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def _check_meta(self) -> None:
        path = osp.join(self.data_root, 'meta.json')
        meta = read_json(path, 'meta.json of the rendered dataset does not exist (render it '
                         'with tools/render/render_atdt_pair.py)')
        if tuple(meta.get('classes') or ()) != tuple(RENDER_CLASSES):
            raise BadFileError(f'{path}: classes {meta.get("classes")} differ from the '
                               f'renderer\'s {list(RENDER_CLASSES)}')
        scale = (meta.get('encodings') or {}).get('depth_scale_mm', 1000.0)
        if float(scale) != 1000.0:
            raise BadFileError(f'{path}: depth_scale_mm {scale} is not 1000 (millimetres)')

    def collect_samples(self) -> List[Dict]:
        """One sample per manifest line (``{"view": "<scene>/<view>", ...}``)."""
        self._check_meta()
        samples = []
        for e in read_manifest_file(self.ann_file):
            view = e['view']
            samples.append(dict(img_path=view_path(self.data_root, view, 'rgb'),
                                seg_map_path=view_path(self.data_root, view, 'semantic'),
                                depth_map_path=view_path(self.data_root, view, 'depth'),
                                view=view, scene=view.split('/')[0]))
        return samples

    def complete_sample(self, sample: Dict) -> Dict:
        """``focal_length`` = K[0][0] of the view's camera file, if it exists."""
        path = view_path(self.data_root, sample['view'], 'camera')
        if osp.isfile(path):
            try:
                with open(path, encoding='utf-8') as f:
                    sample['focal_length'] = float(json.load(f)['K'][0][0])
            except (ValueError, KeyError, IndexError, TypeError) as e:
                raise BadFileError(f'{path}: no camera matrix K ({e!r})') from e
        return sample
