# Copyright (c) synthssl contributors.
from .syn_real_data_preprocessor import SynRealDataPreprocessor

__all__ = ['SynRealDataPreprocessor']
