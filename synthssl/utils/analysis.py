# Copyright (c) synthssl contributors.
"""What the analysis tools share (``tools/analysis_tools``): a model from a config and a
checkpoint, an evaluation dataloader, backbone features of any layer.

A "checkpoint" is an mmengine runner checkpoint of the config's model, a backbone-only one
(``tools/model_converters/export_pretrained.py --format backbone``, loaded into
``model.backbone``), or one of :data:`RANDOM_INIT` for the randomly initialised network
(the model's ``init_weights``, i.e. its ``init_cfg``, under a fixed seed).
"""
import inspect
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict

from .launch import require_files

#: checkpoint values that mean "randomly initialised" (the paper's random-AlexNet baseline).
RANDOM_INIT = ('none', 'random')

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
    if hasattr(model, 'backbone'):
        targets.append(('backbone', model.backbone))
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


def require_checkpoints(checkpoints: Sequence[str], names: Sequence[str]) -> None:
    """Check that every checkpoint file exists (before any work), naming the first missing
    one and its label; :data:`RANDOM_INIT` values need no file."""
    for name, ckpt in zip(names, checkpoints):
        if ckpt.lower() not in RANDOM_INIT:
            require_files(**{f'checkpoint {name!r}:': ckpt})


def build_eval_dataloader(cfg: Config, split: str = 'test', batch_size: int = 1,
                          num_workers: int = 0) -> Any:
    """The config's ``<split>_dataloader`` (``'test'`` or ``'val'``), unshuffled as
    configured, with the given batch size and workers."""
    loader_cfg = cfg.get(f'{split}_dataloader')
    if loader_cfg is None:
        raise KeyError(f'{cfg.filename}: has no {split}_dataloader')
    loader_cfg = dict(loader_cfg, batch_size=batch_size, num_workers=num_workers,
                      persistent_workers=num_workers > 0)
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


def get_backbone(model: nn.Module) -> nn.Module:
    """``model.backbone`` (unwrapping DDP), with an error naming the model if it has none."""
    if is_model_wrapper(model):
        model = model.module
    backbone = getattr(model, 'backbone', None)
    if not isinstance(backbone, nn.Module):
        raise AttributeError(f'{type(model).__name__} has no .backbone module; the analysis '
                             'tools need a model with a backbone (e.g. CrossDomainMultiTask, '
                             'an mmpretrain ImageClassifier)')
    return backbone


def parse_layer(layer: Union[int, str]) -> Layer:
    """``'4'`` -> 4, ``'-1'`` -> -1, anything else stays a name."""
    if isinstance(layer, int):
        return layer
    s = str(layer).strip()
    return int(s) if s.lstrip('-').isdigit() else s


def backbone_features(backbone: nn.Module, inputs: torch.Tensor,
                      layer: Layer) -> torch.Tensor:
    """One feature map of ``backbone`` for ``inputs``.

    * backbones whose ``forward`` takes ``out_indices`` (:class:`SynthAlexNet`,
      :class:`SynthVGG16`): ``backbone(inputs, out_indices=(layer, ))[0]``, so ``layer`` is a
      stage name (``'conv5'``) or index, post-ReLU;
    * otherwise an int picks that entry of the tuple ``backbone(inputs)`` returns (the
      config's ``out_indices`` outputs), a str the output of the sub-module of that name
      (``dict(backbone.named_modules())``, e.g. ``'layer3'`` of an mmpretrain ResNet).

    Args:
        backbone: the network (eval mode for reproducible features).
        inputs (Tensor): (N, 3, H, W) preprocessed images.
        layer (int | str): see above.

    Returns:
        Tensor: (N, C, h, w) (or (N, C)) features.

    Raises:
        ValueError: ``layer`` is not an output of this backbone (the message names it).
    """
    name = type(backbone).__name__
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
