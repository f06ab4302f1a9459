# Copyright (c) synthssl contributors.
"""The graphics side: procedural scenes and images. No torch, no mmengine."""
