# Copyright (c) synthssl contributors.
from .patch_discriminator import PatchDiscriminator

__all__ = ['PatchDiscriminator']
