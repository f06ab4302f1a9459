# Copyright (c) synthssl contributors.
"""Seeded procedural indoor scenes: a room with furniture-like objects, materials,
procedural textures, point lights and camera poses. Pure NumPy (no GL, no torch).

World frame: metres, right-handed, ``z`` up; the room is ``[-W/2, W/2] x [-D/2, D/2] x
[0, H]``. Cameras are OpenCV-style (x right, y down, z forward), as in :mod:`synthssl.render.io`.

Every object (a room surface, a primitive, a furniture piece or a loaded mesh) is ONE
instance with ONE semantic class from :data:`CLASSES`. Its geometry is a list of
:class:`Part` s: a unit primitive (see :mod:`synthssl.render.meshes`) placed by a 4x4 matrix
``to_world = T @ R @ S`` (no shear). ``sample_scene(seed, cfg)`` is a pure function of
its arguments: the same seed and config give a bit-identical scene.

Modules, in the order of the data: :mod:`.config` (class tables, styles, knobs),
:mod:`.objects` (materials, parts, objects, lights, cameras), :mod:`.materials`,
:mod:`.layout` (room surfaces, furniture, small objects, lights), :mod:`.room` (``Scene``
and ``sample_scene``), :mod:`.cameras` (camera poses).
"""
from .cameras import sample_camera
from .config import (CLASS_ID, CLASSES, OBJECT_KINDS, STYLES, TEXTURE_ID, TEXTURES, SceneConfig,
                     Style)
from .layout import list_obj_files
from .objects import ROOM_SURFACES, Camera, Light, Material, Part, SceneObject, look_at, trs
from .room import Scene, sample_scene

__all__ = [
    'CLASSES', 'CLASS_ID', 'OBJECT_KINDS', 'STYLES', 'TEXTURES', 'TEXTURE_ID', 'SceneConfig',
    'Style', 'ROOM_SURFACES', 'Camera', 'Light', 'Material', 'Part', 'SceneObject', 'Scene',
    'look_at', 'trs', 'list_obj_files', 'sample_camera', 'sample_scene'
]
