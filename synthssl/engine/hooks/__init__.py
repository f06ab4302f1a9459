# Copyright (c) synthssl contributors.
from .prediction_panel_hook import PredictionPanelHook

__all__ = ['PredictionPanelHook']
