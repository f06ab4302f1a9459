# Copyright (c) synthssl contributors.
from .atomic_local_backend import AtomicLocalBackend
from .safe_checkpoint import (TRUSTED_ENV, UnsafeCheckpointError, checkpoint_safe_globals,
                              load_checkpoint_file, trust_checkpoint)

__all__ = [
    'AtomicLocalBackend', 'TRUSTED_ENV', 'UnsafeCheckpointError', 'checkpoint_safe_globals',
    'load_checkpoint_file', 'trust_checkpoint'
]
