# Copyright (c) synthssl contributors.
from .checkpoint_coverage_hook import CheckpointCoverageHook, checkpoint_coverage
from .prediction_panel_hook import PredictionPanelHook

__all__ = ['CheckpointCoverageHook', 'PredictionPanelHook', 'checkpoint_coverage']
