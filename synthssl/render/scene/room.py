# Copyright (c) synthssl contributors.
"""A sampled room (``Scene``) and the sampler that makes it, phase by phase: room size
and surfaces, furniture, small objects, lights (see :mod:`.layout`); cameras on demand."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from ..meshes import TriMesh
from .cameras import sample_camera
from .config import STYLES, SceneConfig, sample_range
from .layout import add_room_surfaces, place_furniture, place_lights, place_tabletop_objects
from .objects import ROOM_SURFACES, Camera, Light, SceneObject


@dataclass
class Scene:
    """A sampled room. ``objects[:ROOM_SURFACES]`` are floor, ceiling and the 4 walls,
    :attr:`furniture` the rest."""
    seed: int
    style: str
    room_size: np.ndarray                     # (3,) width, depth, height
    objects: List[SceneObject]
    lights: List[Light]
    ambient: float
    meshes: Dict[str, TriMesh] = field(default_factory=dict)
    cfg: SceneConfig = field(default_factory=SceneConfig)

    @property
    def furniture(self) -> List[SceneObject]:
        """The objects standing in the room (every object but the 6 room surfaces)."""
        return self.objects[ROOM_SURFACES:]

    def semantic_lut(self) -> np.ndarray:
        """(max_instance + 1,) uint8 map instance id -> semantic id (0 -> 0)."""
        lut = np.zeros(max(o.instance_id for o in self.objects) + 1, np.uint8)
        for o in self.objects:
            lut[o.instance_id] = o.label
        return lut

    def clearance(self, p: np.ndarray, skip_room: bool = False) -> float:
        """Distance (m) from a world point (3,) to the nearest surface (room included
        unless ``skip_room``); 0 if the point is inside an object or outside the room."""
        p = np.asarray(p, np.float64)
        half = self.room_size / 2
        d_room = min(half[0] - abs(p[0]), half[1] - abs(p[1]), p[2], self.room_size[2] - p[2])
        if d_room <= 0:
            return 0.0
        d = min((o.distance(p) for o in self.furniture), default=np.inf)
        return float(d if skip_room else min(d, d_room))

    def camera(self, index: int, seed: int = 0) -> Camera:
        """Camera ``index`` of the camera stream ``seed``; a pure function of
        (scene seed, seed, index). Never closer than ``cfg.camera_clearance`` to a surface."""
        rng = np.random.default_rng([self.seed, 0xCA3E, seed, index])
        return sample_camera(self, rng, seed=int(rng.integers(2**31)))

    def cameras(self, n: int, seed: int = 0) -> List[Camera]:
        """``n`` cameras: ``[self.camera(i, seed) for i in range(n)]``."""
        return [self.camera(i, seed) for i in range(n)]


def sample_scene(seed: int, cfg: Optional[SceneConfig] = None) -> Scene:
    """Sample a room with objects and lights; a pure function of ``(seed, cfg)``."""
    cfg = cfg or SceneConfig()
    style = STYLES[cfg.style]
    rng = np.random.default_rng([int(seed), 0x5CE7E])
    size = np.array([sample_range(rng, cfg.room_width), sample_range(rng, cfg.room_depth),
                     sample_range(rng, cfg.room_height)])
    objects: List[SceneObject] = []
    add_room_surfaces(objects, size, rng, style, cfg)
    meshes: Dict[str, TriMesh] = {}

    supports = place_furniture(objects, size, rng, style, cfg, meshes)
    place_tabletop_objects(objects, supports, rng, style, cfg)
    lights = place_lights(objects, size, rng, style, cfg)
    return Scene(seed=int(seed), style=cfg.style, room_size=size, objects=objects,
                 lights=lights, ambient=style.ambient, meshes=meshes, cfg=cfg)
