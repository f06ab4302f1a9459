# Copyright (c) synthssl contributors.
"""The pieces of a scene: materials, parts (unit primitives placed by a 4x4 matrix), objects,
lights, cameras, and the matrices that place them. Pure NumPy."""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

@dataclass
class Material:
    """Surface appearance; colours are linear RGB in [0, 1], shape (3,) float64."""
    albedo: np.ndarray
    albedo2: np.ndarray        # second colour of the procedural texture
    texture: str = 'flat'      # one of TEXTURES
    texture_scale: float = 4.0  # pattern frequency in cycles per metre (object-local)
    specular: float = 0.2
    shininess: float = 32.0


@dataclass
class Part:
    """A unit primitive (``box``, ``cylinder``, ``sphere``, ``quad``, ``mesh``) placed by
    ``to_world`` (4, 4) float64 = T @ R @ S (no shear). ``mesh`` names a key of
    :attr:`Scene.meshes` (normalised into [-1, 1]^3)."""
    shape: str
    to_world: np.ndarray
    mesh: Optional[str] = None

    def _local(self, p: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Point in the part's rotated (unscaled) frame, and the half-extents (3,)."""
        m = self.to_world
        scale = np.linalg.norm(m[:3, :3], axis=0)
        rot = m[:3, :3] / scale
        return rot.T @ (np.asarray(p, np.float64) - m[:3, 3]), scale

    def distance(self, p: np.ndarray) -> float:
        """Euclidean distance from world point ``p`` (3,) to the part's solid (0 inside).
        Exact for boxes, spheres and cylinders; meshes and quads use their bounding box."""
        q, s = self._local(p)
        if self.shape == 'sphere':
            return max(0.0, float(np.linalg.norm(q)) - float(s[0]))
        if self.shape == 'cylinder':
            radial = max(0.0, float(np.hypot(q[0], q[1])) - float(s[0]))
            axial = max(0.0, abs(float(q[2])) - float(s[2]))
            return float(np.hypot(radial, axial))
        if self.shape == 'quad':
            s = np.array([s[0], s[1], 0.0])
        return float(np.linalg.norm(np.maximum(np.abs(q) - s, 0.0)))

    def obb(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Oriented bounding box: centre (3,), rotation (3, 3) columns = axes, half (3,)."""
        m = self.to_world
        scale = np.linalg.norm(m[:3, :3], axis=0)
        half = scale.copy()
        if self.shape == 'quad':
            half[2] = 0.0
        return m[:3, 3].copy(), m[:3, :3] / scale, half

    def aabb(self) -> Tuple[np.ndarray, np.ndarray]:
        """World axis-aligned bounding box (lo (3,), hi (3,)); tight for spheres and
        cylinders, the box of the rotated OBB otherwise."""
        c, r, h = self.obb()
        if self.shape == 'sphere':
            ext = np.full(3, h[0])
        elif self.shape == 'cylinder':
            axis = r[:, 2]
            ext = np.abs(axis) * h[2] + h[0] * np.sqrt(np.clip(1 - axis ** 2, 0, 1))
        else:
            ext = np.abs(r) @ h
        return c - ext, c + ext


@dataclass
class SceneObject:
    """One instance: ``instance_id`` (>= 1), semantic class ``label`` (index into
    :data:`CLASSES`), parts, material and the object-local frame ``local_to_world`` (4, 4)
    in which the procedural texture is evaluated."""
    instance_id: int
    label: int
    parts: List[Part]
    material: Material
    local_to_world: np.ndarray
    kind: str = ''

    def distance(self, p: np.ndarray) -> float:
        """Distance (m) from a world point (3,) to the nearest part (0 inside)."""
        return min(part.distance(p) for part in self.parts)

    def aabb(self) -> Tuple[np.ndarray, np.ndarray]:
        boxes = [part.aabb() for part in self.parts]
        return np.min([b[0] for b in boxes], 0), np.max([b[1] for b in boxes], 0)


@dataclass
class Light:
    """Point light at ``position`` (3,) with linear RGB ``color`` (3,) and ``intensity``."""
    position: np.ndarray
    color: np.ndarray
    intensity: float


@dataclass
class Camera:
    """Pinhole camera: ``cam_to_world`` (4, 4) float64 (OpenCV axes), horizontal field of
    view in degrees, and a per-view ``seed`` for image noise."""
    cam_to_world: np.ndarray
    fov_x_deg: float = 60.0
    seed: int = 0

    def K(self, width: int, height: int) -> np.ndarray:
        """(3, 3) float64 intrinsics; square pixels, principal point at the image centre
        (pixel centres at integer coordinates, so ``cx = (W - 1) / 2``)."""
        f = (width / 2.0) / np.tan(np.radians(self.fov_x_deg) / 2)
        return np.array([[f, 0, (width - 1) / 2.0], [0, f, (height - 1) / 2.0], [0, 0, 1]])

    @property
    def position(self) -> np.ndarray:
        return self.cam_to_world[:3, 3].copy()

#: floor, ceiling and 4 walls: the first objects of every scene (see :func:`_room`)
ROOM_SURFACES = 6

# --------------------------------------------------------------------------- transforms
def trs(t: Sequence[float], yaw: float = 0.0, scale: Sequence[float] = (1, 1, 1),
        rot: Optional[np.ndarray] = None) -> np.ndarray:
    """4x4 T @ R @ S with R a rotation about z by ``yaw`` radians (or ``rot`` (3, 3))."""
    m = np.eye(4)
    if rot is None:
        c, s = np.cos(yaw), np.sin(yaw)
        rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    m[:3, :3] = rot * np.asarray(scale, np.float64)[None, :]
    m[:3, 3] = t
    return m


def look_at(position: Sequence[float], target: Sequence[float], roll: float = 0.0,
            up: Sequence[float] = (0, 0, 1)) -> np.ndarray:
    """(4, 4) OpenCV cam_to_world at ``position`` looking at ``target`` (z up world),
    rolled by ``roll`` radians about the viewing axis."""
    p, t = np.asarray(position, np.float64), np.asarray(target, np.float64)
    fwd = t - p
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, up)
    if np.linalg.norm(right) < 1e-6:  # looking straight up/down
        right = np.cross(fwd, (0, 1, 0))
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    c, s = np.cos(roll), np.sin(roll)
    right, down = c * right + s * down, -s * right + c * down
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, down, fwd, p
    return m
