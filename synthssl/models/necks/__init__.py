# Copyright (c) synthssl contributors.
from .resize_flatten import ResizeFlattenNeck
from .feature_transfer_network import FeatureTransferNetwork

__all__ = ['ResizeFlattenNeck', 'FeatureTransferNetwork']
