# Copyright (c) synthssl contributors.
from .resize_flatten import ResizeFlattenNeck
from .transfer_network import FeatureTransferNetwork

__all__ = ['ResizeFlattenNeck', 'FeatureTransferNetwork']
