# Copyright (c) synthssl contributors.
from .caffe_alexnet import CaffeAlexNet
from .synth_alexnet import SynthAlexNet

__all__ = ['SynthAlexNet', 'CaffeAlexNet']
