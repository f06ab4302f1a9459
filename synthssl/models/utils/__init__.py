# Copyright (c) synthssl contributors.
from .alexnet_conversion import (caffe_alexnet_fc7_preact, check_synth_alexnet_state_dict,
                                 fold_bn, gradient_weight_ratios, krahenbuhl_rescale,
                                 synth_to_caffe_alexnet)
from .history_pool import FeatureHistoryPool

__all__ = [
    'FeatureHistoryPool', 'fold_bn', 'synth_to_caffe_alexnet', 'krahenbuhl_rescale',
    'check_synth_alexnet_state_dict', 'caffe_alexnet_fc7_preact', 'gradient_weight_ratios'
]
