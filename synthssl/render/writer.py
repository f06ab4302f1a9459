# Copyright (c) synthssl contributors.
"""Render a synthetic RGB-D dataset to disk (layout and encodings: :mod:`.io`).

Scene ``s`` of a dataset with seed ``seed`` is ``sample_scene(scene_seed(seed, s), cfg)``
and its view ``v`` uses ``scene.camera(v)``; the files of a view therefore depend only on
(seed, s, v, cfg, size, shadows), never on the number of workers or on what was rendered
before. Re-running skips views whose files all exist (each file is written atomically).
"""
import json
import multiprocessing as mp
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

from synthssl.fileio import BadFileError
from . import io
from .scene import CLASSES, SceneConfig, sample_scene

MANIFEST = 'manifest.jsonl'
META = 'meta.json'
# settings that must match when resuming into an existing folder
_RESUME_KEYS = ('format_version', 'width', 'height', 'seed', 'shadows', 'scene_config')


def scene_seed(seed: int, scene_index: int) -> int:
    """The 32-bit seed of scene ``scene_index`` of a dataset rendered with ``seed``."""
    return int(np.random.SeedSequence([int(seed), int(scene_index)]).generate_state(1)[0])


def view_key(scene_index: int, view_index: int) -> str:
    """``'<scene>/<view>'`` name of a view, e.g. ``'000012/0003'``."""
    return f'{scene_index:06d}/{view_index:04d}'


def view_complete(root: str, view: str) -> bool:
    """Whether every modality file of ``view`` exists under ``root``."""
    return all(osp.isfile(io.view_path(root, view, m)) for m in io.MODALITIES)


def write_view(root: str, view: str, out: Dict[str, np.ndarray]) -> None:
    """Write one rendered view (the dict of :meth:`GLRenderer.render`) with :mod:`.io`."""
    io.write_rgb(io.view_path(root, view, 'rgb'), out['rgb'])
    io.write_depth(io.view_path(root, view, 'depth'), out['depth'])
    io.write_normal(io.view_path(root, view, 'normal'), out['normal'])
    io.write_ids(io.view_path(root, view, 'instance'), out['instance'], np.uint16)
    io.write_ids(io.view_path(root, view, 'semantic'), out['semantic'], np.uint8)
    h, w = out['depth'].shape
    io.write_camera(io.view_path(root, view, 'camera'), out['K'], out['cam_to_world'], w, h)


def _atomic_write_text(path: str, text: str) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- workers
_RENDERER = None


def _worker_renderer(width: int, height: int, shadows: bool):
    global _RENDERER
    from .rasterizer import GLRenderer
    if _RENDERER is None or (_RENDERER.width, _RENDERER.height, _RENDERER.shadows) != (
            width, height, shadows):
        if _RENDERER is not None:
            _RENDERER.release()
        _RENDERER = GLRenderer(width, height, shadows=shadows)
    return _RENDERER


def _init_worker() -> None:
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    os.environ.setdefault('LP_NUM_THREADS', '1')  # one llvmpipe thread per worker process


def _render_scene(task: Tuple) -> Tuple[int, int]:
    """Render the listed views of one scene; returns (scene index, views written)."""
    root, seed, s, views, width, height, shadows, cfg = task
    renderer = _worker_renderer(width, height, shadows)
    scene = sample_scene(scene_seed(seed, s), cfg)
    for v in views:
        write_view(root, view_key(s, v), renderer.render(scene, scene.camera(v)))
    return s, len(views)


# --------------------------------------------------------------------------- main entry
def _check_meta(path: str, meta: Dict) -> None:
    try:
        with open(path, encoding='utf-8') as f:
            old = json.load(f)
    except (OSError, ValueError) as e:
        raise BadFileError(f'{path}: unreadable meta.json ({e}); delete it or use a new '
                              f'output folder') from e
    diff = [k for k in _RESUME_KEYS if old.get(k) != meta[k]]
    if diff:
        raise ValueError(f'{path}: the folder was rendered with different settings ('
                         + ', '.join(f'{k}: {old.get(k)!r} != {meta[k]!r}' for k in diff)
                         + '); use a new output folder to render with these settings')


def render_dataset(out_root: str, num_scenes: int, views_per_scene: int, width: int = 256,
                   height: int = 256, seed: int = 0, workers: int = 1,
                   scene_cfg: Optional[SceneConfig] = None, progress: bool = True,
                   shadows: bool = True) -> Dict:
    """Render ``num_scenes * views_per_scene`` views to ``out_root`` (resumable).

    Writes ``meta.json`` first and ``manifest.jsonl`` (every view, in order) last. With
    ``workers > 1`` scenes are spread over a spawn-started process pool, each process
    with its own GL context. Returns a summary dict (``rendered``, ``skipped``,
    ``views``, ``seconds``, ``views_per_s``, ``root``).
    """
    from tqdm import tqdm

    cfg = scene_cfg or SceneConfig()
    os.makedirs(out_root, exist_ok=True)
    meta = dict(format_version=io.FORMAT_VERSION, classes=list(CLASSES), width=int(width),
                height=int(height), seed=int(seed), shadows=bool(shadows),
                num_scenes=int(num_scenes), views_per_scene=int(views_per_scene),
                style=cfg.style, scene_config=json.loads(json.dumps(cfg.to_dict())),
                modalities=list(io.MODALITIES),
                encodings=dict(rgb='png uint8 RGB', depth='png uint16 millimetres, 0=invalid',
                               depth_scale_mm=io.DEPTH_SCALE_MM,
                               normal='png uint16x3 round((n+1)/2*65535), camera space '
                                      '(opencv), 0=invalid',
                               instance='png uint16, 0=background',
                               semantic='png uint8 index into classes, 0=void',
                               camera='json K (3x3), cam_to_world (4x4), opencv axes'),
                scene_seed='numpy SeedSequence([seed, scene_index]).generate_state(1)[0]',
                camera='Scene.camera(view_index)')
    meta_path = osp.join(out_root, META)
    if osp.isfile(meta_path):
        _check_meta(meta_path, meta)
    _atomic_write_text(meta_path, json.dumps(meta, indent=1))

    tasks: List[Tuple] = []
    skipped = 0
    for s in range(num_scenes):
        todo = [v for v in range(views_per_scene) if not view_complete(out_root, view_key(s, v))]
        skipped += views_per_scene - len(todo)
        if todo:
            tasks.append((out_root, int(seed), s, todo, int(width), int(height), bool(shadows),
                          cfg))
    total = num_scenes * views_per_scene
    t0 = time.perf_counter()
    rendered = 0
    with tqdm(total=total, initial=skipped, desc='render', unit='view',
              disable=not progress) as bar:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                rendered += _render_scene(task)[1]
                bar.update(len(task[3]))
        else:
            ctx = mp.get_context('spawn')
            with ctx.Pool(min(workers, len(tasks)), initializer=_init_worker) as pool:
                for _, n in pool.imap_unordered(_render_scene, tasks):
                    rendered += n
                    bar.update(n)
    seconds = time.perf_counter() - t0

    lines = [json.dumps(dict(view=view_key(s, v), scene=s, scene_seed=scene_seed(seed, s),
                             view_index=v, style=cfg.style))
             for s in range(num_scenes) for v in range(views_per_scene)]
    _atomic_write_text(osp.join(out_root, MANIFEST), '\n'.join(lines) + '\n')
    return dict(root=out_root, views=total, rendered=rendered, skipped=skipped,
                seconds=seconds, views_per_s=rendered / seconds if seconds > 0 else 0.0)


def read_manifest(root: str) -> List[Dict]:
    """The entries of ``<root>/manifest.jsonl`` (error naming the file and line if bad)."""
    return io.read_manifest_file(osp.join(root, MANIFEST), 'file does not exist')
