# Copyright (c) synthssl contributors.
from .synth_alexnet import SynthAlexNet

__all__ = ['SynthAlexNet']
