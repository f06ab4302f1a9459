# Copyright (c) synthssl contributors.
from .atomic_local_backend import AtomicLocalBackend

__all__ = ['AtomicLocalBackend']
