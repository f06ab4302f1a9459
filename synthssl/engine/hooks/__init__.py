# Copyright (c) synthssl contributors.
from .checkpoint_coverage_hook import CheckpointCoverageHook, checkpoint_coverage
from .prediction_panel_hook import PredictionPanelHook
from .random_state_hook import RandomStateHook

__all__ = [
    'CheckpointCoverageHook', 'PredictionPanelHook', 'RandomStateHook', 'checkpoint_coverage'
]
