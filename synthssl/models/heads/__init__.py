# Copyright (c) synthssl contributors.
from .atdt_decoder_head import ATDTDecoderHead
from .deconv_decoder import DeconvDecoder
from .fcn_normal_head import FCNNormalHead
from .multi_task_deconv_head import MultiTaskDeconvHead
from .skip_deconv_decoder import SkipDeconvDecoder

__all__ = [
    'ATDTDecoderHead', 'DeconvDecoder', 'FCNNormalHead', 'MultiTaskDeconvHead',
    'SkipDeconvDecoder'
]
