# Copyright (c) synthssl contributors.
from .alexnet_conversion import (caffe_alexnet_fc7_preact, check_synth_alexnet_state_dict,
                                 fold_bn, gradient_weight_ratios, krahenbuhl_rescale,
                                 synth_to_caffe_alexnet)
from .attention_pool import attention_pool, chunk_feature, global_avg_pool
from .contrastive_queue import ContrastiveQueue
from .gemm_conv import GemmConv2d
from .gemm_conv_transpose import GemmConvTranspose2d
from .history_pool import FeatureHistoryPool
from .identity_norm import IdentityNorm

__all__ = [
    'caffe_alexnet_fc7_preact', 'check_synth_alexnet_state_dict', 'fold_bn',
    'gradient_weight_ratios', 'krahenbuhl_rescale', 'synth_to_caffe_alexnet', 'attention_pool',
    'chunk_feature', 'global_avg_pool', 'ContrastiveQueue', 'FeatureHistoryPool', 'GemmConv2d',
    'GemmConvTranspose2d', 'IdentityNorm'
]
