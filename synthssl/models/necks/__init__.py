# Copyright (c) synthssl contributors.
from .resize_flatten import ResizeFlattenNeck

__all__ = ['ResizeFlattenNeck']
