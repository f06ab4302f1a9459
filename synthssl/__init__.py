# Copyright (c) synthssl contributors.
"""synthssl: visual representations from synthetic imagery, as an OpenMMLab 2.0 plugin."""
# Registers the 'local_atomic' file backend and mmengine's safe local checkpoint scheme
# (weights_only loading with an allow-list; see synthssl/engine/fileio/safe_checkpoint.py).
from .engine.fileio import AtomicLocalBackend  # noqa: F401
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
