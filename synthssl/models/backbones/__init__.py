# Copyright (c) synthssl contributors.
from .base_stage_backbone import StageBackbone
from .caffe_alexnet import CaffeAlexNet
from .synth_alexnet import SynthAlexNet
from .synth_vgg16 import SynthVGG16

__all__ = ['CaffeAlexNet', 'StageBackbone', 'SynthAlexNet', 'SynthVGG16']
