# Copyright (c) synthssl contributors.
from .setup_env import enable_runner_checkpoint_loading, register_all_modules

__all__ = ['register_all_modules', 'enable_runner_checkpoint_loading']
