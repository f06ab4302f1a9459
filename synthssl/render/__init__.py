# Copyright (c) synthssl contributors.
"""The graphics side: procedural scenes and images. No torch, no mmengine."""
from .meshes import BadMeshError, TriMesh, load_obj, primitive
from .rasterizer import GLRenderer, postprocess_rgb  # moderngl is imported on first use
from .scene import (CLASSES, STYLES, TEXTURES, Camera, Light, Material, Part, Scene,
                    SceneConfig, SceneObject, look_at, sample_scene)
from .writer import read_manifest, render_dataset, scene_seed, view_key


__all__ = ['BadMeshError', 'TriMesh', 'load_obj', 'primitive', 'CLASSES', 'STYLES', 'TEXTURES',
           'Camera', 'Light', 'Material', 'Part', 'Scene', 'SceneConfig', 'SceneObject',
           'look_at', 'sample_scene', 'read_manifest', 'render_dataset', 'scene_seed',
           'view_key', 'GLRenderer', 'postprocess_rgb']
