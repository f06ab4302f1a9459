# Copyright (c) synthssl contributors.
from .caffe_alexnet import CaffeAlexNet
from .synth_alexnet import SynthAlexNet
from .synth_vgg16 import SynthVGG16

__all__ = ['CaffeAlexNet', 'SynthAlexNet', 'SynthVGG16']
