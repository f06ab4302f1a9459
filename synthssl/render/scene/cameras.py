# Copyright (c) synthssl contributors.
"""Camera poses inside a sampled room: clear of every surface, looking at an object (or
the floor) with no furniture in between."""
from typing import TYPE_CHECKING

import numpy as np

from .config import sample_range
from .objects import Camera, look_at

if TYPE_CHECKING:  # the room imports this module; the type is only for annotations
    from .room import Scene


def segment_blocked(scene: 'Scene', a: np.ndarray, b: np.ndarray, skip: int) -> bool:
    """Whether the segment a->b passes through a part OBB of an object other than ``skip``."""
    for o in scene.furniture:
        if o.instance_id == skip:
            continue
        for part in o.parts:
            c, r, h = part.obb()
            pa, pb = r.T @ (a - c), r.T @ (b - c)
            d = pb - pa
            t0, t1 = 0.0, 1.0
            hit = True
            for k in range(3):
                if abs(d[k]) < 1e-12:
                    if abs(pa[k]) > h[k]:
                        hit = False
                        break
                    continue
                ta, tb = sorted(((-h[k] - pa[k]) / d[k], (h[k] - pa[k]) / d[k]))
                t0, t1 = max(t0, ta), min(t1, tb)
                if t0 > t1:
                    hit = False
                    break
            if hit:
                return True
    return False


def sample_camera(scene: 'Scene', rng: np.random.Generator, seed: int) -> Camera:
    cfg = scene.cfg
    half = scene.room_size / 2
    h_lo = max(cfg.camera_height[0], cfg.camera_clearance + 0.05)
    h_hi = min(cfg.camera_height[1], scene.room_size[2] - cfg.camera_clearance - 0.05)
    objs = scene.furniture
    fallback = None
    for attempt in range(200):
        pos = np.array([rng.uniform(-1, 1) * (half[0] - cfg.camera_clearance - 0.05),
                        rng.uniform(-1, 1) * (half[1] - cfg.camera_clearance - 0.05),
                        rng.uniform(h_lo, h_hi)])
        if scene.clearance(pos) < cfg.camera_clearance:
            continue  # inside / too close to an object or a wall: reject and resample
        if objs and rng.random() < 0.85:
            target_obj = objs[int(rng.integers(len(objs)))]
            lo, hi = target_obj.aabb()
            target = rng.uniform(lo, hi)
            skip = target_obj.instance_id
        else:
            target = np.array([rng.uniform(-0.8, 0.8) * half[0],
                               rng.uniform(-0.8, 0.8) * half[1], rng.uniform(0.0, 0.5)])
            skip = -1
        dist = np.linalg.norm(target - pos)
        if dist < 0.6 or abs(target[2] - pos[2]) > 0.94 * dist:
            continue  # too close, or looking (almost) straight up / down
        roll = float(rng.normal(0, np.radians(3)))
        fov = sample_range(rng, cfg.fov_deg)
        cam = Camera(look_at(pos, target, roll), fov, seed)
        if fallback is None:
            fallback = cam
        if dist > 3.8 or (attempt < 150 and segment_blocked(scene, pos, target, skip)):
            continue
        return cam
    if fallback is None:
        raise RuntimeError(f'scene {scene.seed}: found no camera position with clearance '
                           f'{cfg.camera_clearance} m in 200 tries')
    return fallback
