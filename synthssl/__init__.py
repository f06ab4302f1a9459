# Copyright (c) synthssl contributors.
"""synthssl: visual representations from synthetic imagery, as an OpenMMLab 2.0 plugin."""
from .engine.fileio import AtomicLocalBackend  # noqa: F401  (registers 'local_atomic')
from .utils.setup_env import enable_runner_checkpoint_loading
from .version import __version__, version_info

# Importing synthssl (directly, through ``custom_imports`` or through a ``synthssl.X`` type
# in any OpenMMLab config) makes mmengine 0.10.7 able to load its own runner checkpoints
# under torch >= 2.6. See ``synthssl/utils/setup_env.py``.
enable_runner_checkpoint_loading()

__all__ = ['__version__', 'version_info']
