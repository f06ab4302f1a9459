# Copyright (c) synthssl contributors.
from .deconv_decoder import DeconvDecoder
from .multi_task_head import MultiTaskDeconvHead

__all__ = ['DeconvDecoder', 'MultiTaskDeconvHead']
