# Copyright (c) synthssl contributors.
"""Synthetic multi-task views rendered on the fly, inside the DataLoader workers.

No dataset on disk: item ``i`` of epoch ``e`` is rendered when it is requested, by a
headless GL renderer that every process (main or worker) creates for itself on its first
render. Pipelines are shared with the disk datasets; only the loading transform goes:

==============================================  ===========================================
disk (:class:`SyntheticMultiTaskDataset`)       on the fly (this class)
==============================================  ===========================================
``LoadMultiTaskAnnotations``                    -- (rendering fills the same keys; leave it
                                                out, the dataset refuses it)
``InstanceToContour``, ``DepthToNormal``,       the same
``MultiTaskResize`` / ``RandomCrop`` /
``CenterCrop`` / ``RandomFlip``,
``RandomGrayscaleChannel``,
``PackMultiTaskInputs``
==============================================  ===========================================

The rendered views are exactly the views :func:`synthssl.render.render_dataset` writes
with the same ``seed``, scene config, size and ``views_per_scene``: global view number
``g = epoch * num_views + i`` is view ``g % views_per_scene`` of scene
``g // views_per_scene``, i.e. ``sample_scene(scene_seed(seed, s), cfg).camera(v)``. So
epoch 0 of ``OnTheFlySyntheticDataset(num_views=S * V, views_per_scene=V, seed=k)``
reproduces a disk render of ``S`` scenes x ``V`` views with seed ``k`` (bit-identically
with ``quantize=True``), and every later epoch brings views never seen before.
"""
import os
from collections import OrderedDict
from dataclasses import fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS
from synthssl.render.io import DEPTH_SCALE_MM, decode_normal, encode_depth, encode_normal
from synthssl.render.scene import CLASSES, SceneConfig, sample_scene
from synthssl.render.writer import scene_seed, view_key

from .samplers import decode_epoch_index
from .synthetic_multitask import DENSE_MODALITIES
from .transforms.loading import LoadMultiTaskAnnotations, clean_normals

# --------------------------------------------------------------------------- per process GL
# One renderer per (width, height, shadows) and per process, shared by every dataset object
# of the process. Module state, so it is never pickled (spawn workers start empty); forked
# workers notice the parent's pid and build their own (the parent's context is unusable in
# a child and is left untouched).
_RENDERERS: Dict[Tuple[int, int, bool], Any] = {}
_RENDERERS_PID: Optional[int] = None
_RENDERERS_LP_THREADS: Dict[Tuple[int, int, bool], Optional[str]] = {}


def _fork_unsafe_message(lp: Optional[str]) -> str:
    return (f'OnTheFlySyntheticDataset: this process (pid {os.getpid()}) was forked from a '
            f'process that already rendered with a multi-threaded Mesa llvmpipe context '
            f'(LP_NUM_THREADS={lp!r}); creating a GL context in the forked child deadlocks. '
            'Set LP_NUM_THREADS=0 in the environment before the first render (the dataset '
            'does so by default unless it is already set), do not render in the main process '
            "before the DataLoader workers start, or use multiprocessing_context='spawn'.")


def process_renderer(width: int, height: int, shadows: bool):
    """This process's :class:`~synthssl.render.GLRenderer` of the given size (created on
    first use; after a fork the child creates its own)."""
    global _RENDERERS, _RENDERERS_PID, _RENDERERS_LP_THREADS
    pid = os.getpid()
    if _RENDERERS_PID != pid:
        inherited = dict(_RENDERERS_LP_THREADS) if _RENDERERS_PID is not None else {}
        unsafe = [lp for lp in inherited.values() if lp != '0']
        if unsafe:
            raise RuntimeError(_fork_unsafe_message(unsafe[0]))
        # The parent's renderers belong to its GL context: drop them without releasing.
        _RENDERERS, _RENDERERS_LP_THREADS, _RENDERERS_PID = {}, {}, pid
    key = (int(width), int(height), bool(shadows))
    renderer = _RENDERERS.get(key)
    if renderer is None:
        from synthssl.render.rasterizer import GLRenderer
        # llvmpipe rasterising in the calling thread: as fast for one process per core, and
        # the only setting under which forked DataLoader workers can still create contexts.
        os.environ.setdefault('LP_NUM_THREADS', '0')
        renderer = GLRenderer(*key[:2], shadows=key[2])
        _RENDERERS[key] = renderer
        _RENDERERS_LP_THREADS[key] = os.environ.get('LP_NUM_THREADS')
    return renderer


def _scene_config(cfg: Union[None, Mapping, SceneConfig]) -> SceneConfig:
    if cfg is None:
        return SceneConfig()
    if isinstance(cfg, SceneConfig):
        return cfg
    if not isinstance(cfg, Mapping):
        raise TypeError(f'scene_cfg must be a dict of SceneConfig fields or a SceneConfig, '
                        f'got {type(cfg).__name__}')
    known = {f.name for f in fields(SceneConfig)}
    bad = sorted(set(cfg) - known)
    if bad:
        raise ValueError(f'scene_cfg: unknown SceneConfig fields {bad}; known: {sorted(known)}')
    # configs give lists where SceneConfig holds tuples
    return SceneConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.items()})


@DATASETS.register_module()
class OnTheFlySyntheticDataset(BaseDataset):
    """Procedural indoor views rendered on request; an epoch is ``num_views`` new views.

    ``dataset[idx]`` renders a view into a ``results`` dict with the keys that
    :class:`~synthssl.datasets.transforms.LoadMultiTaskAnnotations` gives a disk view, then
    runs ``pipeline`` (which must therefore NOT contain the loading transform)::

        img          (H, W, 3) uint8, ``channel_order`` ('bgr' like the loader by default)
        gt_depth     (H, W) float32 metres, 0 = invalid        } only the tasks listed
        gt_normal    (H, W, 3) float32 unit OpenCV-camera      } in ``tasks`` (default
                     normals, (0, 0, 0) = invalid              } all four); the names are
        gt_instance  (H, W) int64, 0 = background              } also in ``results['tasks']``
        gt_semantic  (H, W) int64 index into ``metainfo['classes']``
        K (3, 3) float64, cam_to_world (4, 4) float64, img_shape = ori_shape = (H, W),
        flip=False, flip_direction=None, sample_idx=i, img_path (a view id
        'on-the-fly://seed<seed>/<scene>/<view>', not a file), view, scene, view_index,
        scene_seed, epoch, style

    **Epochs and seeding.** The view of index ``i`` in epoch ``e`` is a pure function of
    ``(seed, e, i)`` (and the rendering settings): global view ``g = e * num_views + i``
    (see the module docstring). Indices follow :class:`SynRealPairDataset`'s convention:
    ``idx >= len(self)`` is epoch-encoded, ``(e, i) = divmod(idx, len(self))`` (as yielded
    by ``synthssl.EpochEncodedSampler`` / ``EpochEncodedInfiniteSampler``, which reach
    persistent workers); plain ``0 <= idx < len(self)`` uses the epoch of the last
    :meth:`set_epoch` (default 0). Within an epoch distinct indices are distinct views, so
    however the sampler splits indices across workers and DDP ranks no view is rendered
    twice; every epoch renders new ones.

    Note:
        As the ``syn`` part of :class:`SynRealPairDataset` this dataset receives
        ``epoch * len(syn) + i`` (the pair dataset forwards the epoch to datasets that set
        ``EPOCH_ENCODED_INDICES``), so each epoch of the pair renders new views too.

    **Processes.** The GL renderer (one per process and size, see :func:`process_renderer`)
    is created on the first render in each process and never pickled; forked and spawned
    DataLoader workers both work. Views of one scene are consecutive indices, and a process
    keeps its last two scenes, so ``views_per_scene > 1`` saves scene sampling and the
    shadow map when a worker gets consecutive indices (``shuffle=False``; views are random
    anyway).

    If the pipeline returns ``None`` (e.g. ``InstanceToContour(min_edge_pixels=...)``) in
    training, another index of the same epoch, drawn from a generator seeded by
    ``(seed, epoch, i, attempt)``, is rendered instead (deterministic); in ``test_mode`` a
    ``RuntimeError`` is raised.

    Args:
        num_views (int): length of the dataset = views per epoch.
        width (int): image width in pixels. Default 128.
        height (int, optional): image height; default ``width``.
        seed (int): dataset seed (as ``render_dataset``'s). Default 0.
        scene_cfg (dict | SceneConfig, optional): :class:`SceneConfig` fields, e.g.
            ``dict(style='indoor_dark', num_objects=(2, 6))``.
        views_per_scene (int): consecutive views sharing one room. Default 1.
        shadows (bool): shadow mapping of the main light. Default True.
        tasks (Sequence[str], optional): dense targets to provide, a subset of
            ('depth', 'normal', 'instance', 'semantic'). Default all.
        channel_order (str): 'bgr' (default, like the loader) or 'rgb'.
        quantize (bool): round depth and normals through the disk encodings (uint16
            millimetres, uint16 normals), making the targets bit-identical to a disk render.
            Default False (full float precision).
        pipeline (list): transforms after rendering (no loading transform).
        test_mode (bool): as for mmengine's ``BaseDataset``.
        metainfo (dict, optional): overrides ``METAINFO`` (``classes`` = the scene classes).
        max_refetch (int): re-render attempts when the pipeline returns None. Default 1000.
        lazy_init (bool): accepted for config compatibility; there is nothing to load.
    """

    METAINFO: Dict = dict(classes=CLASSES)
    EPOCH_ENCODED_INDICES = True  # accepts epoch * len + i (see the class docstring)
    VIEW_ID_PREFIX = 'on-the-fly://'

    def __init__(self,
                 num_views: int,
                 width: int = 128,
                 height: Optional[int] = None,
                 seed: int = 0,
                 scene_cfg: Union[None, Mapping, SceneConfig] = None,
                 views_per_scene: int = 1,
                 shadows: bool = True,
                 tasks: Optional[Sequence[str]] = None,
                 channel_order: str = 'bgr',
                 quantize: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 metainfo: Optional[Mapping] = None,
                 max_refetch: int = 1000,
                 lazy_init: bool = False) -> None:
        height = width if height is None else height
        for name, value in (('num_views', num_views), ('width', width), ('height', height),
                            ('views_per_scene', views_per_scene)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f'OnTheFlySyntheticDataset: {name} must be a positive int, '
                                 f'got {value!r}')
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        if tasks is not None:
            bad = sorted(set(tasks) - set(DENSE_MODALITIES))
            if bad:
                raise ValueError(f'unknown tasks {bad}; known: {DENSE_MODALITIES}')
        self.num_views = int(num_views)
        self.width, self.height = int(width), int(height)
        self.seed = int(seed)
        self.scene_cfg = _scene_config(scene_cfg)
        self.views_per_scene = int(views_per_scene)
        self.shadows = bool(shadows)
        self.tasks = tuple(m for m in DENSE_MODALITIES if tasks is None or m in tasks)
        self.channel_order = channel_order
        self.quantize = bool(quantize)
        self._epoch = 0
        self._scenes: 'OrderedDict[int, Any]' = OrderedDict()
        # decided here, in the process that builds the dataset, before any worker forks
        os.environ.setdefault('LP_NUM_THREADS', '0')
        super().__init__(metainfo=metainfo, pipeline=list(pipeline), test_mode=test_mode,
                         serialize_data=False, lazy_init=True, max_refetch=max_refetch)
        loaders = [t for t in self.pipeline.transforms
                   if isinstance(t, LoadMultiTaskAnnotations)]
        if loaders:
            raise ValueError('OnTheFlySyntheticDataset: remove LoadMultiTaskAnnotations from '
                             'the pipeline; rendering already fills img and the gt_* maps '
                             '(start with e.g. InstanceToContour or a geometric transform)')
        self.full_init()

    # ------------------------------------------------------------------ BaseDataset API
    def full_init(self) -> None:
        """Nothing to load: views are rendered on request."""
        self._fully_initialized = True

    def load_data_list(self) -> List[dict]:
        """Not used (no annotation file); the per-index info is :meth:`get_data_info`."""
        return []

    def __len__(self) -> int:
        return self.num_views

    def set_epoch(self, epoch: int) -> None:
        """Epoch used for plain (not epoch-encoded) indices."""
        self._epoch = int(epoch)

    @property
    def epoch(self) -> int:
        return self._epoch

    def decode_index(self, idx: int) -> Tuple[int, int]:
        """``idx`` -> (epoch, index): epoch-encoded if ``idx >= len(self)``."""
        return decode_epoch_index(idx, self.num_views, self._epoch, 'OnTheFlySyntheticDataset')

    def view_of(self, epoch: int, index: int) -> Tuple[int, int]:
        """(scene number, view number) rendered for ``index`` of ``epoch``."""
        g = int(epoch) * self.num_views + int(index)
        return divmod(g, self.views_per_scene)

    def _info(self, epoch: int, index: int) -> Dict:
        s, v = self.view_of(epoch, index)
        view = view_key(s, v)
        return dict(img_path=f'{self.VIEW_ID_PREFIX}seed{self.seed}/{view}', view=view,
                    scene=s, view_index=v, scene_seed=scene_seed(self.seed, s),
                    epoch=int(epoch), sample_idx=int(index), style=self.scene_cfg.style,
                    tasks=self.tasks, depth_type='z')

    def get_data_info(self, idx: int) -> Dict:
        """What will be rendered for ``idx`` (plain or epoch-encoded), without rendering."""
        return self._info(*self.decode_index(idx))

    # ------------------------------------------------------------------ rendering
    def __getstate__(self) -> Dict:
        state = dict(self.__dict__)
        state['_scenes'] = OrderedDict()  # scenes are cheap to re-sample; never ship them
        return state

    def _scene(self, s: int):
        scene = self._scenes.get(s)
        if scene is None:
            scene = sample_scene(scene_seed(self.seed, s), self.scene_cfg)
            self._scenes[s] = scene
            while len(self._scenes) > 2:
                self._scenes.popitem(last=False)
        else:
            self._scenes.move_to_end(s)
        return scene

    def render_results(self, info: Dict) -> Dict:
        """Render the view described by ``info`` (from :meth:`get_data_info`) and add the
        keys of the class docstring to a copy of it. Shapes: (H, W[, 3])."""
        results = dict(info)
        scene = self._scene(info['scene'])
        out = process_renderer(self.width, self.height, self.shadows).render(
            scene, scene.camera(info['view_index']))
        img = out['rgb'][..., ::-1] if self.channel_order == 'bgr' else out['rgb']
        h, w = img.shape[:2]
        results.update(img=np.ascontiguousarray(img), img_shape=(h, w), ori_shape=(h, w),
                       K=np.array(out['K'], np.float64),
                       cam_to_world=np.array(out['cam_to_world'], np.float64))
        results.setdefault('flip', False)
        results.setdefault('flip_direction', None)
        if 'depth' in self.tasks:
            depth = out['depth']
            if self.quantize:
                depth = encode_depth(depth).astype(np.float32) / DEPTH_SCALE_MM
            else:
                depth = np.where(np.isfinite(depth) & (depth > 0), depth, 0)
            results['gt_depth'] = np.ascontiguousarray(depth, dtype=np.float32)
        if 'normal' in self.tasks:
            n = decode_normal(encode_normal(out['normal'])) if self.quantize else out['normal']
            results['gt_normal'] = clean_normals(n)
        if 'instance' in self.tasks:
            results['gt_instance'] = out['instance'].astype(np.int64)
        if 'semantic' in self.tasks:
            results['gt_semantic'] = out['semantic'].astype(np.int64)
        results['tasks'] = self.tasks
        return results

    def _prepare(self, epoch: int, index: int) -> Optional[Dict]:
        return self.pipeline(self.render_results(self._info(epoch, index)))

    def prepare_data(self, idx: int) -> Optional[Dict]:
        """Render ``idx`` (plain or epoch-encoded) and run the pipeline (may give None)."""
        return self._prepare(*self.decode_index(idx))

    def __getitem__(self, idx: int) -> Dict:
        """The rendered view of ``idx`` after the pipeline; see the class docstring."""
        epoch, i = self.decode_index(idx)
        if self.test_mode:
            data = self._prepare(epoch, i)
            if data is None:
                raise RuntimeError(f'OnTheFlySyntheticDataset: the test-time pipeline '
                                   f'returned None for index {i} of epoch {epoch}')
            return data
        first = i
        for attempt in range(self.max_refetch + 1):
            data = self._prepare(epoch, i)
            if data is not None:
                return data
            rng = np.random.default_rng([self.seed, epoch, first, attempt, 0x5EF])
            i = int(rng.integers(self.num_views))
        raise RuntimeError(f'OnTheFlySyntheticDataset: the pipeline returned None for index '
                           f'{first} of epoch {epoch} and {self.max_refetch} replacements')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_views={self.num_views}, '
                f'size={self.width}x{self.height}, seed={self.seed}, '
                f'views_per_scene={self.views_per_scene}, style={self.scene_cfg.style!r}, '
                f'tasks={self.tasks}, epoch={self._epoch})')
