# Copyright (c) synthssl contributors.
"""Checkpoint loading that never runs code from a file.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7's local loader
(``load_from_local``: ``--resume``, ``load_from``, ``init_cfg=dict(type='Pretrained')``,
``tools/test.py``) calls ``torch.load`` without the argument. Its own runner checkpoints then
fail to load, because ``message_hub`` pickles mmengine's ``HistoryBuffer`` and numpy values.

synthssl replaces mmengine's local scheme (``CheckpointLoader.register_scheme('', ...)``, the
hook mmengine offers for this) with :func:`load_from_local_safe`: ``weights_only=True``, with
an allow-list of exactly the classes and functions a runner checkpoint contains, active for
that one ``torch.load`` call only (``torch.serialization.safe_globals``). Nothing else about
how torch loads files changes: no environment variable, no patched ``torch.load``.

A file that needs a global outside the allow-list is refused with
:class:`UnsafeCheckpointError` (file, globals, opt-in). A user who trusts such a file lists it
in ``SYNTHSSL_TRUSTED_CHECKPOINTS`` (paths separated by ``os.pathsep``; the tools' flag
``--trust-checkpoint PATH`` sets it for one path): that file, and only that file, is then
unpickled in full, with a warning.
"""
import os
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Callable, Dict, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

#: The opt-in: checkpoint paths (``os.pathsep``-separated) loaded with full unpickling.
TRUSTED_ENV = 'SYNTHSSL_TRUSTED_CHECKPOINTS'

#: ``HistoryBuffer._statistics_methods`` holds functions such as ``HistoryBuffer.min``, which
#: pickle (protocol 2) writes as ``getattr(HistoryBuffer, 'min')``. mmengine fills it on first
#: use with these four; methods added by ``register_statistics`` are allowed too.
_HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'current', 'mean'})


def _is_statistics_method(name: str) -> bool:
    registered = HistoryBuffer._statistics_methods.get(name)
    return name in _HISTORY_BUFFER_METHODS or (
        registered is not None and registered is HistoryBuffer.__dict__.get(name))


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs a global that synthssl's allow-list does not contain."""


def _history_buffer_getattr(obj: Any, name: str, *default: Any) -> Callable:
    """Stands in for ``builtins.getattr`` while a checkpoint is unpickled: resolves only
    ``HistoryBuffer.<statistics method>``; any other attribute walk is refused."""
    if obj is HistoryBuffer and isinstance(name, str) and _is_statistics_method(name) \
            and not default:
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'getattr({getattr(obj, "__qualname__", type(obj).__name__)}, {name!r}) is not in '
        "synthssl's checkpoint allow-list (only HistoryBuffer's statistics methods are)")


def _numpy_globals() -> List[Tuple[Any, str]]:
    """numpy's array/scalar reconstruction, under numpy 2's and numpy 1's module names (both
    occur in saved files; they resolve to the same objects), and the concrete dtype
    classes numpy >= 1.25 pickles."""
    from numpy._core import multiarray
    out: List[Tuple[Any, str]] = []
    for mod in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        out += [(multiarray._reconstruct, f'{mod}._reconstruct'),
                (multiarray.scalar, f'{mod}.scalar')]
    out += [(np.ndarray, 'numpy.ndarray'), (np.dtype, 'numpy.dtype')]
    for name in dir(np.dtypes):
        cls = getattr(np.dtypes, name)
        if isinstance(cls, type) and issubclass(cls, np.dtype):
            out.append((cls, f'numpy.dtypes.{name}'))
    return out


def checkpoint_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The allow-list: every global that runner checkpoints of synthssl and mmengine need
    beyond what torch's ``weights_only`` unpickler allows already (tensors, containers,
    primitives). Concrete classes and functions only, never a module."""
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()]


def _allowed_names() -> set:
    names = set()
    for item in checkpoint_safe_globals():
        if isinstance(item, tuple):
            names.add(item[1])
        else:
            names.add(f'{item.__module__}.{item.__qualname__}')
    return names


def trusted_checkpoints() -> List[str]:
    """The real paths listed in ``SYNTHSSL_TRUSTED_CHECKPOINTS``."""
    raw = os.environ.get(TRUSTED_ENV, '')
    return [osp.realpath(osp.expanduser(p)) for p in raw.split(os.pathsep) if p.strip()]


def trust_checkpoint(path: str) -> None:
    """Add ``path`` to ``SYNTHSSL_TRUSTED_CHECKPOINTS`` (what ``--trust-checkpoint`` does)."""
    paths = [p for p in os.environ.get(TRUSTED_ENV, '').split(os.pathsep) if p]
    os.environ[TRUSTED_ENV] = os.pathsep.join(paths + [path])


def _unpickler_reason(error: Exception) -> str:
    """The unpickler's own reason, out of torch's long ``weights_only`` message."""
    text = str(error)
    match = re.search(r'WeightsUnpickler error:\s*(.*?)\s*(?:Check the documentation|$)', text,
                      re.S)
    return ' '.join((match.group(1) if match else text.splitlines()[0]).split())


def _offending_globals(filename: str) -> List[str]:
    """The globals of ``filename`` outside the allow-list (zip checkpoints only)."""
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # legacy (non-zip) format, or unreadable
        return []
    return sorted(set(found) - _allowed_names())


def _refusal(filename: str, error: Exception) -> UnsafeCheckpointError:
    bad = _offending_globals(filename)
    needs = f'needs {", ".join(bad)}, which is not' if bad else 'needs something that is not'
    return UnsafeCheckpointError(
        f'{filename}: refused to load: the file {needs} in synthssl\'s checkpoint allow-list '
        '(weights, optimiser/scheduler state, mmengine message_hub, numpy values); '
        f'unpickler: {_unpickler_reason(error)}. Unpickling it in full could run code stored '
        f'in the file. If you trust where it comes from, list it in {TRUSTED_ENV}=<path> (or '
        'pass --trust-checkpoint <path> to tools/train.py, tools/test.py or the model '
        'converter) to load that file alone with full unpickling.')


def load_checkpoint_file(filename: str, map_location: Any = None) -> Any:
    """``torch.load`` of a local checkpoint, safe by default.

    Args:
        filename (str): the file.
        map_location: as for :func:`torch.load`.

    Returns:
        The loaded object (a dict for runner checkpoints).

    Raises:
        ValueError: an empty path (a config's placeholder left unset).
        FileNotFoundError: no such file.
        UnsafeCheckpointError: the file needs a global outside the allow-list.
    """
    if not filename:
        raise ValueError(
            'empty checkpoint path: the config leaves the checkpoint to load unset (the '
            "benchmark configs' init_cfg.checkpoint='' placeholder, or load_from). Set it, "
            'e.g. --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/…/backbone.pth')
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found: no such checkpoint file')
    if osp.realpath(filename) in trusted_checkpoints():
        warnings.warn(f'{filename}: loading with full unpickling because it is listed in '
                      f'{TRUSTED_ENV}; this can run code stored in the file.')
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:  # torch re-raises what the unpickler refused as this
        raise _refusal(filename, e) from None


def load_from_local_safe(filename: str, map_location: Any = None) -> Dict[str, Any]:
    """mmengine's ``CheckpointLoader`` scheme for local paths (prefix ``''``)."""
    return load_checkpoint_file(filename, map_location)


def register_safe_local_loader() -> None:
    """Make mmengine load local checkpoints with :func:`load_from_local_safe`."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safe, force=True)


register_safe_local_loader()
