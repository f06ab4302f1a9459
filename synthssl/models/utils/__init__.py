# Copyright (c) synthssl contributors.
from .alexnet_conversion import (caffe_alexnet_fc7_preact, check_synth_alexnet_state_dict,
                                 fold_bn, gradient_weight_ratios, krahenbuhl_rescale,
                                 synth_to_caffe_alexnet)
from .history_pool import FeatureHistoryPool

__all__ = [
    'caffe_alexnet_fc7_preact', 'check_synth_alexnet_state_dict', 'fold_bn',
    'gradient_weight_ratios', 'krahenbuhl_rescale', 'synth_to_caffe_alexnet',
    'FeatureHistoryPool'
]
