# Copyright (c) synthssl contributors.
"""What the analysis tools share (``tools/analysis_tools``): a model from a config and a
checkpoint, an evaluation dataloader, backbone features of any layer.

A "checkpoint" is an mmengine runner checkpoint of the config's model, a backbone-only one
(``tools/model_converters/export_pretrained.py --format backbone``, loaded into
``model.backbone``), or one of :data:`RANDOM_INIT` for the randomly initialised network
(the model's ``init_weights``, i.e. its ``init_cfg``, under a fixed seed).
"""
import argparse
import inspect
import operator
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.model import is_model_wrapper
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict

from .launch import require_files

#: checkpoint values that mean "randomly initialised" (the paper's random-AlexNet baseline).
RANDOM_INIT = ('none', 'random')

#: where a model keeps its feature extractor, tried in this order: ``backbone`` (most
#: models), ``model.backbone`` (the student of :class:`synthssl.models.CSG`)
BACKBONE_PATHS = ('backbone', 'model.backbone')

Layer = Union[int, str]


def load_config(path: str, cfg_options: Optional[Dict] = None) -> Config:
    """``Config.fromfile(path)`` with ``--cfg-options`` merged and its default scope set
    (a missing file raises ``FileNotFoundError`` naming it)."""
    require_files(config=path)
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'synthssl'))
    return cfg


def load_weights(model: nn.Module, path: str) -> str:
    """Load ``path`` into ``model`` (non-strict; mismatches are logged by mmengine).

    Returns:
        str: ``'model'``, or ``'backbone'`` for a backbone-only checkpoint (no key of the
        model, but keys of ``model.backbone``).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: no tensor of the checkpoint matches the model or its backbone.
    """
    require_files(checkpoint=path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'checkpoint {path}: holds no state_dict')
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in state.items()}
    targets = [('model', model)]
    try:
        targets.append(('backbone', find_backbone(model)[1]))
    except AttributeError:
        pass
    for what, target in targets:
        if set(state) & set(target.state_dict()):
            load_state_dict(target, state, strict=False)
            return what
    raise ValueError(f'checkpoint {path}: none of its {len(state)} tensors (e.g. '
                     f'{sorted(state)[:3]}) matches the parameters of {type(model).__name__} '
                     'or of its backbone')


def build_model(cfg: Config, checkpoint: Optional[str] = None, device: str = 'cpu',
                seed: int = 0) -> nn.Module:
    """Build ``cfg.model`` in the config's scope, load ``checkpoint`` (or, for ``None`` /
    :data:`RANDOM_INIT`, run ``init_weights`` after ``torch.manual_seed(seed)``) and return
    it in eval mode on ``device``."""
    from mmengine.registry import MODELS
    scope = cfg.get('default_scope', 'synthssl')
    init_default_scope(scope)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
    if checkpoint is None or checkpoint.lower() in RANDOM_INIT:
        model.init_weights()
    else:
        load_weights(model, checkpoint)
    model.to(device)
    model.eval()  # (some backbones' train() returns None, so not chained)
    return model


def checkpoint_names(checkpoints: Sequence[str],
                     names: Optional[Sequence[str]] = None) -> List[str]:
    """Labels for ``checkpoints``: ``names`` if given (one per checkpoint), else ``random``
    for :data:`RANDOM_INIT` and the file name without extension otherwise (prefixed by its
    folder where two would be equal)."""
    if names:
        if len(names) != len(checkpoints):
            raise ValueError(f'--names: {len(names)} names for {len(checkpoints)} '
                             'checkpoints')
        return list(names)

    def short(p: str, parent: bool) -> str:
        if p.lower() in RANDOM_INIT:
            return 'random'
        stem = osp.splitext(osp.basename(p))[0]
        return osp.join(osp.basename(osp.dirname(osp.abspath(p))), stem) if parent else stem

    out = [short(p, False) for p in checkpoints]
    if len(set(out)) < len(out):
        out = [short(p, True) for p in checkpoints]
    return out


def checkpoints_parser(description: str) -> argparse.ArgumentParser:
    """The arguments of the tools that compare checkpoints: ``config``, ``CKPT [CKPT ...]``
    (or ``random`` / ``none``), ``--out`` (PNG), ``--names`` and ``--cfg-options``."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+', metavar='CKPT',
                        help="checkpoints, or 'random' / 'none' for a random init")
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--names', nargs='+', help='one label per checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser


def load_config_and_checkpoints(args: argparse.Namespace) -> Tuple[Config, List[str]]:
    """For :func:`checkpoints_parser`'s arguments: the config (:func:`load_config`) and the
    checkpoints' labels (:func:`checkpoint_names`), after checking every file exists."""
    cfg = load_config(args.config, args.cfg_options)
    names = checkpoint_names(args.checkpoints, args.names)
    require_checkpoints(args.checkpoints, names)
    return cfg, names


def require_checkpoints(checkpoints: Sequence[str], names: Sequence[str]) -> None:
    """Check that every checkpoint file exists (before any work), naming the first missing
    one and its label; :data:`RANDOM_INIT` values need no file."""
    for name, ckpt in zip(names, checkpoints):
        if ckpt.lower() not in RANDOM_INIT:
            require_files(**{f'checkpoint {name!r}:': ckpt})


def build_eval_dataloader(cfg: Config, split: str = 'test', batch_size: Optional[int] = 1,
                          num_workers: int = 0) -> Any:
    """The config's ``<split>_dataloader`` (``'test'`` or ``'val'``), unshuffled as
    configured, with the given batch size (None: the configured one) and workers."""
    loader_cfg = cfg.get(f'{split}_dataloader')
    if loader_cfg is None:
        raise KeyError(f'{cfg.filename}: has no {split}_dataloader')
    loader_cfg = dict(loader_cfg, num_workers=num_workers, persistent_workers=num_workers > 0)
    if batch_size is not None:
        loader_cfg['batch_size'] = batch_size
    return Runner.build_dataloader(loader_cfg)


def image_folder_dataloader(folder: str, size: int, batch_size: int = 1,
                            num_workers: int = 0) -> Any:
    """Every image under ``folder`` (:class:`synthssl.datasets.RealImageFolderDataset`,
    sorted by path), squashed to ``size`` x ``size`` and packed as the synthetic views are
    (BGR uint8 ``inputs``), for any config's data preprocessor."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder {folder} does not exist')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='synthssl.MultiTaskResize', scale=(size, size)),
        dict(type='synthssl.PackMultiTaskInputs'),
    ]
    return Runner.build_dataloader(dict(
        batch_size=batch_size, num_workers=num_workers, persistent_workers=num_workers > 0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='synthssl.RealImageFolderDataset', data_root=folder,
                     pipeline=pipeline)))


def sample_path(dataset: Any, index: int) -> str:
    """The image file of ``dataset[index]`` (``img_path`` of its data info), or ``''``."""
    try:
        return str(dataset.get_data_info(index).get('img_path', ''))
    except (AttributeError, IndexError, KeyError):
        return ''


def to_gray(inputs: Union[torch.Tensor, List[torch.Tensor]]
            ) -> Union[torch.Tensor, List[torch.Tensor]]:
    """(N, 3, H, W) batch (or a list of (3, H, W)) -> the channel mean in all three
    channels, same dtype: the grayscale input Ren & Lee train on, without a random pick."""
    if isinstance(inputs, (list, tuple)):
        return [to_gray(x[None])[0] for x in inputs]
    mean = inputs.float().mean(dim=-3, keepdim=True)
    if not inputs.is_floating_point():
        mean = mean.round()
    return mean.expand_as(inputs).to(inputs.dtype).contiguous()


def find_backbone(model: nn.Module, path: Optional[str] = None) -> Tuple[str, nn.Module]:
    """``(path, module)`` of the model's feature extractor (unwrapping DDP): the attribute
    ``path`` (e.g. ``'teacher'`` of :class:`synthssl.models.CSG`) if given, else the first
    of :data:`BACKBONE_PATHS` the model has; an error naming the model if there is none."""
    if is_model_wrapper(model):
        model = model.module
    candidates = [path] if path else list(BACKBONE_PATHS)
    for candidate in candidates:
        try:
            backbone = operator.attrgetter(candidate)(model)
        except AttributeError:
            continue
        if isinstance(backbone, nn.Module):
            return candidate, backbone
    raise AttributeError(f'{type(model).__name__} has no {" or ".join(candidates)} module; '
                         'the analysis tools need a model with a backbone (e.g. '
                         'CrossDomainMultiTask, an mmpretrain ImageClassifier, CSG)')


def get_backbone(model: nn.Module) -> nn.Module:
    """The module of :func:`find_backbone` (``model.backbone`` for most models)."""
    return find_backbone(model)[1]


def global_pool(feats: torch.Tensor, pool: str = 'avg') -> torch.Tensor:
    """(N, C, H, W) -> (N, C) by ``'avg'`` or ``'max'`` over H, W; ``'none'`` or features
    that are not 4-D are returned unchanged."""
    if pool == 'none' or feats.dim() != 4:
        return feats
    if pool not in ('avg', 'max'):
        raise ValueError(f"pool must be 'none', 'avg' or 'max', got {pool!r}")
    return feats.mean((2, 3)) if pool == 'avg' else feats.amax((2, 3))


def parse_layer(layer: Union[int, str]) -> Layer:
    """``'4'`` -> 4, ``'-1'`` -> -1, anything else stays a name."""
    if isinstance(layer, int):
        return layer
    s = str(layer).strip()
    return int(s) if s.lstrip('-').isdigit() else s


def backbone_features(backbone: nn.Module, inputs: torch.Tensor,
                      layer: Optional[Layer] = None) -> torch.Tensor:
    """One feature map of ``backbone`` for ``inputs``.

    * ``layer=None``: the last of the outputs ``backbone(inputs)`` returns (the last of the
      config's ``out_indices``);
    * backbones whose ``forward`` takes ``out_indices`` (:class:`SynthAlexNet`,
      :class:`SynthVGG16`): ``backbone(inputs, out_indices=(layer, ))[0]``, so ``layer`` is a
      stage name (``'conv5'``) or index, post-ReLU;
    * otherwise an int picks that entry of the tuple ``backbone(inputs)`` returns (the
      config's ``out_indices`` outputs), a str the output of the sub-module of that name
      (``dict(backbone.named_modules())``, e.g. ``'layer3'`` of an mmpretrain ResNet).

    Args:
        backbone: the network (eval mode for reproducible features).
        inputs (Tensor): (N, 3, H, W) preprocessed images.
        layer (int | str, optional): see above.

    Returns:
        Tensor: (N, C, h, w) (or (N, C)) features.

    Raises:
        ValueError: ``layer`` is not an output of this backbone (the message names it).
    """
    name = type(backbone).__name__
    if layer is None:
        outs = backbone(inputs)
        return outs[-1] if isinstance(outs, (tuple, list)) else outs
    if 'out_indices' in inspect.signature(backbone.forward).parameters:
        try:
            return backbone(inputs, out_indices=(layer, ))[0]
        except (ValueError, IndexError, KeyError) as e:
            raise ValueError(f'layer {layer!r} is not an output of {name}: {e}') from e
    if isinstance(layer, int):
        outs = backbone(inputs)
        outs = tuple(outs) if isinstance(outs, (tuple, list)) else (outs, )
        if not -len(outs) <= layer < len(outs):
            raise ValueError(f'layer {layer} is not an output of {name}: it returns '
                             f'{len(outs)} output(s)')
        return outs[layer]
    modules = dict(backbone.named_modules())
    if layer not in modules or not layer:
        children = [n for n, _ in backbone.named_children()]
        raise ValueError(f'layer {layer!r} is not an output of {name}: expected an output '
                         f'index or a sub-module name, e.g. {children}')
    captured: List[torch.Tensor] = []

    def grab(module, args, output):
        captured.append(output[0] if isinstance(output, (tuple, list)) else output)

    handle = modules[layer].register_forward_hook(grab)
    try:
        backbone(inputs)
    finally:
        handle.remove()
    if not captured:
        raise ValueError(f'layer {layer!r} of {name} was not run by its forward')
    return captured[0]
