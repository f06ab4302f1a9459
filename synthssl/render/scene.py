# Copyright (c) synthssl contributors.
"""Seeded procedural indoor scenes: a room with furniture-like objects, materials,
procedural textures, point lights and camera poses. Pure NumPy (no GL, no torch).

World frame: metres, right-handed, ``z`` up; the room is ``[-W/2, W/2] x [-D/2, D/2] x
[0, H]``. Cameras are OpenCV-style (x right, y down, z forward), as in :mod:`.io`.

Every object (a room surface, a primitive, a furniture piece or a loaded mesh) is ONE
instance with ONE semantic class from :data:`CLASSES`. Its geometry is a list of
:class:`Part` s: a unit primitive (see :mod:`.meshes`) placed by a 4x4 matrix
``to_world = T @ R @ S`` (no shear). ``sample_scene(seed, cfg)`` is a pure function of
its arguments: the same seed and config give a bit-identical scene.
"""
import os
import os.path as osp
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .meshes import TriMesh, load_obj, normalized

CLASSES = ('void', 'floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair',
           'shelf', 'mesh')
CLASS_ID = {name: i for i, name in enumerate(CLASSES)}
TEXTURES = ('flat', 'checker', 'stripes', 'noise')
TEXTURE_ID = {name: i for i, name in enumerate(TEXTURES)}

Range = Tuple[float, float]


# --------------------------------------------------------------------------- styles
@dataclass(frozen=True)
class Style:
    """Appearance preset of a domain: palettes (HSV ranges), texture odds, lighting."""
    hue: Range                 # object hue range in [0, 1) (wraps around)
    saturation: Range
    value: Range
    room_value: Range          # brightness of floor / wall / ceiling albedo
    room_saturation: Range
    room_hue: Range
    texture_weights: Tuple[float, float, float, float]  # flat, checker, stripes, noise
    light_kelvin: Range        # colour temperature of the lights
    light_scale: float         # multiplies SceneConfig.light_intensity
    ambient: float             # ambient irradiance (linear)
    specular: Range
    shininess: Range


STYLES: Dict[str, Style] = {
    # bright, neutral daylight rooms with pastel and primary objects, all texture kinds
    'indoor': Style(hue=(0.0, 1.0), saturation=(0.15, 0.75), value=(0.45, 0.95),
                    room_value=(0.55, 0.9), room_saturation=(0.0, 0.2), room_hue=(0.0, 1.0),
                    texture_weights=(0.4, 0.2, 0.2, 0.2), light_kelvin=(5000, 6500),
                    light_scale=1.0, ambient=0.10, specular=(0.05, 0.5),
                    shininess=(8, 64)),
    # dim, warm evening rooms: dark saturated woods/fabrics, mostly noisy textures, glossy
    'indoor_dark': Style(hue=(0.95, 1.15), saturation=(0.45, 0.95), value=(0.2, 0.6),
                         room_value=(0.2, 0.45), room_saturation=(0.3, 0.6),
                         room_hue=(0.02, 0.12), texture_weights=(0.15, 0.1, 0.25, 0.5),
                         light_kelvin=(2200, 3000), light_scale=0.6, ambient=0.025,
                         specular=(0.2, 0.9), shininess=(16, 128)),
    # warm, well lit rooms (between the two) - a third appearance for ablations
    'warm': Style(hue=(0.0, 0.18), saturation=(0.3, 0.8), value=(0.4, 0.9),
                  room_value=(0.5, 0.8), room_saturation=(0.15, 0.4), room_hue=(0.05, 0.12),
                  texture_weights=(0.3, 0.25, 0.25, 0.2), light_kelvin=(2700, 3500),
                  light_scale=0.9, ambient=0.07, specular=(0.05, 0.4), shininess=(8, 48)),
}


@dataclass
class SceneConfig:
    """Knobs of the scene sampler (ranges are inclusive (low, high) pairs, metres)."""
    style: str = 'indoor'
    num_objects: Tuple[int, int] = (4, 10)     # floor-standing objects (furniture included)
    room_width: Range = (3.5, 7.0)
    room_depth: Range = (3.5, 7.0)
    room_height: Range = (2.4, 3.2)
    object_size: Range = (0.25, 0.9)           # typical extent of a floor primitive
    object_kinds: Tuple[str, ...] = ('box', 'cylinder', 'sphere', 'table', 'chair', 'shelf',
                                     'mesh')
    object_weights: Optional[Tuple[float, ...]] = None  # None: uniform over usable kinds
    p_tabletop: float = 0.7                    # chance a table / shelf gets small objects
    texture_kinds: Tuple[str, ...] = TEXTURES
    num_lights: Tuple[int, int] = (1, 3)         # at most 4 (renderer limit)
    light_intensity: Range = (4.0, 10.0)       # radiant intensity, irradiance = I / d^2
    camera_height: Range = (0.6, 1.9)
    fov_deg: Range = (55.0, 75.0)              # horizontal field of view
    camera_clearance: float = 0.25             # min distance from camera to any surface
    noise_sigma: float = 0.0                   # Gaussian RGB noise, in 0..255 units
    blur_sigma: float = 0.0                    # Gaussian RGB blur, in pixels
    obj_dir: Optional[str] = None              # folder of .obj meshes for kind 'mesh'

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f'unknown style {self.style!r}; expected one of {sorted(STYLES)}')
        bad = [t for t in self.texture_kinds if t not in TEXTURE_ID]
        if bad or not self.texture_kinds:
            raise ValueError(f'texture_kinds {self.texture_kinds!r}: expected a non-empty '
                             f'subset of {TEXTURES}')
        bad = [k for k in self.object_kinds if k not in _KINDS]
        if bad:
            raise ValueError(f'unknown object kinds {bad}; expected a subset of {_KINDS}')
        if self.object_weights is not None and len(self.object_weights) != len(
                self.object_kinds):
            raise ValueError('object_weights must have one weight per object kind')
        if not 0 <= self.num_lights[0] <= self.num_lights[1] <= 4:
            raise ValueError(f'num_lights {self.num_lights}: need 0 <= low <= high <= 4 '
                             f'(the renderer shades at most 4 point lights)')
        if self.obj_dir is not None and not osp.isdir(self.obj_dir):
            raise FileNotFoundError(f'{self.obj_dir}: obj_dir is not a folder')

    def to_dict(self) -> Dict:
        """JSON-friendly copy (tuples become lists)."""
        return asdict(self)


_KINDS = ('box', 'cylinder', 'sphere', 'table', 'chair', 'shelf', 'mesh')


# --------------------------------------------------------------------------- scene data
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
        return _sample_camera(self, rng, seed=int(rng.integers(2**31)))

    def cameras(self, n: int, seed: int = 0) -> List[Camera]:
        """``n`` cameras: ``[self.camera(i, seed) for i in range(n)]``."""
        return [self.camera(i, seed) for i in range(n)]


# --------------------------------------------------------------------------- helpers
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


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    h = (h % 1.0) * 6
    i = int(h) % 6
    f = h - int(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.asarray(rgb, np.float64) ** 2.2  # sRGB-ish -> linear


def _kelvin_rgb(kelvin: float) -> np.ndarray:
    """Rough linear RGB of a black body (normalised to max 1)."""
    t = kelvin / 100.0
    r = 255.0 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    g = 99.47 * np.log(t) - 161.12 if t <= 66 else 288.12 * (t - 60) ** -0.0755
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.52 * np.log(t - 10) - 305.04)
    rgb = np.clip([r, g, b], 1, 255) / 255.0
    return rgb ** 2.2 / (rgb ** 2.2).max()


def _u(rng: np.random.Generator, r: Range) -> float:
    return float(rng.uniform(r[0], r[1]))


def _material(rng: np.random.Generator, style: Style, cfg: SceneConfig,
              room: bool = False) -> Material:
    hue_r = style.room_hue if room else style.hue
    sat_r = style.room_saturation if room else style.saturation
    val_r = style.room_value if room else style.value
    h, s, v = _u(rng, hue_r), _u(rng, sat_r), _u(rng, val_r)
    a1 = _hsv_to_rgb(h, s, v)
    # the second texture colour: a darker / shifted variant or a contrasting hue
    if rng.random() < 0.5:
        a2 = _hsv_to_rgb(h + rng.uniform(-0.05, 0.05), s, v * rng.uniform(0.35, 0.7))
    else:
        a2 = _hsv_to_rgb(_u(rng, hue_r), _u(rng, sat_r), _u(rng, val_r))
    kinds = list(cfg.texture_kinds)
    w = np.array([style.texture_weights[TEXTURE_ID[k]] for k in kinds], np.float64)
    tex = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    scale = float(np.exp(rng.uniform(np.log(1.0), np.log(3.0) if room else np.log(8.0))))
    return Material(albedo=a1, albedo2=a2, texture=tex, texture_scale=scale,
                    specular=_u(rng, style.specular) * (0.3 if room else 1.0),
                    shininess=_u(rng, style.shininess))


@lru_cache(maxsize=64)
def _load_mesh_cached(path: str, mtime: float) -> TriMesh:
    try:
        return normalized(load_obj(path))
    except ValueError as e:
        msg = str(e)
        raise type(e)(msg if path in msg else f'{path}: {msg}') from e


def list_obj_files(obj_dir: str) -> List[str]:
    """Sorted ``.obj`` paths in a folder (recursively); error naming the folder if none."""
    found = sorted(osp.join(d, f) for d, _, fs in os.walk(obj_dir) for f in fs
                   if f.lower().endswith('.obj'))
    if not found:
        raise FileNotFoundError(f'{obj_dir}: obj_dir contains no .obj files')
    return found


# --------------------------------------------------------------------------- objects
def _room(scene_objects: List[SceneObject], size: np.ndarray, rng, style, cfg) -> None:
    w, d, h = size
    floor_mat, wall_mat, ceil_mat = (_material(rng, style, cfg, room=True) for _ in range(3))
    ceil_mat.texture, ceil_mat.albedo = 'flat', np.full(3, max(ceil_mat.albedo.max(), 0.5))
    rx = lambda a: np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = lambda a: np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    surfaces = [  # (label, centre, rotation taking quad +z to the inward normal, half size)
        ('floor', (0, 0, 0), np.eye(3), (w / 2, d / 2, 1)),
        ('ceiling', (0, 0, h), rx(np.pi), (w / 2, d / 2, 1)),
        ('wall', (-w / 2, 0, h / 2), ry(np.pi / 2), (h / 2, d / 2, 1)),
        ('wall', (w / 2, 0, h / 2), ry(-np.pi / 2), (h / 2, d / 2, 1)),
        ('wall', (0, -d / 2, h / 2), rx(-np.pi / 2), (w / 2, h / 2, 1)),
        ('wall', (0, d / 2, h / 2), rx(np.pi / 2), (w / 2, h / 2, 1)),
    ]
    assert len(surfaces) == ROOM_SURFACES
    for label, c, r, half in surfaces:
        mat = {'floor': floor_mat, 'ceiling': ceil_mat, 'wall': wall_mat}[label]
        scene_objects.append(SceneObject(
            instance_id=len(scene_objects) + 1, label=CLASS_ID[label],
            parts=[Part('quad', trs(c, rot=r, scale=half))], material=mat,
            local_to_world=np.eye(4), kind=label))


# A "template" is (parts in the object frame, footprint half sizes (2,), height, supports)
# where supports are (z, half_x, half_y, clearance) rectangles centred on the object axis.
def _primitive_template(kind: str, rng, cfg: SceneConfig):
    s = _u(rng, cfg.object_size)
    if kind == 'box':
        half = np.array([s * rng.uniform(0.3, 0.6), s * rng.uniform(0.3, 0.6),
                         s * rng.uniform(0.25, 0.7)])
        return [Part('box', trs((0, 0, half[2]), scale=half))], half[:2], 2 * half[2], []
    if kind == 'sphere':
        r = s * rng.uniform(0.25, 0.5)
        return [Part('sphere', trs((0, 0, r), scale=(r, r, r)))], np.array([r, r]), 2 * r, []
    r, hh = s * rng.uniform(0.15, 0.4), s * rng.uniform(0.2, 0.6)
    if rng.random() < 0.3:  # lying on its side, axis along local x
        rot = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0.0]])
        return [Part('cylinder', trs((0, 0, r), rot=rot, scale=(r, r, hh)))], \
            np.array([hh, r]), 2 * r, []
    return [Part('cylinder', trs((0, 0, hh), scale=(r, r, hh)))], np.array([r, r]), 2 * hh, []


def _table_template(rng):
    hx, hy = rng.uniform(0.35, 0.8), rng.uniform(0.3, 0.55)
    height, top = rng.uniform(0.65, 0.8), rng.uniform(0.02, 0.04)
    leg = rng.uniform(0.025, 0.05)
    round_legs = rng.random() < 0.5
    parts = [Part('box', trs((0, 0, height - top), scale=(hx, hy, top)))]
    lh = (height - 2 * top) / 2
    for sx in (-1, 1):
        for sy in (-1, 1):
            c = (sx * (hx - 2 * leg), sy * (hy - 2 * leg), lh)
            parts.append(Part('cylinder', trs(c, scale=(leg, leg, lh))) if round_legs else
                         Part('box', trs(c, scale=(leg, leg, lh))))
    return parts, np.array([hx, hy]), height, [(height, hx - 0.05, hy - 0.05, 0.45)]


def _chair_template(rng):
    hs = rng.uniform(0.2, 0.26)
    seat_h, seat_t = rng.uniform(0.42, 0.5), 0.025
    leg, back_h = rng.uniform(0.018, 0.03), rng.uniform(0.35, 0.5)
    parts = [Part('box', trs((0, 0, seat_h - seat_t), scale=(hs, hs, seat_t)))]
    lh = (seat_h - 2 * seat_t) / 2
    for sx in (-1, 1):
        for sy in (-1, 1):
            parts.append(Part('box', trs((sx * (hs - leg), sy * (hs - leg), lh),
                                         scale=(leg, leg, lh))))
    parts.append(Part('box', trs((0, -hs + 0.02, seat_h + back_h / 2),
                                 scale=(hs, 0.02, back_h / 2))))
    return parts, np.array([hs, hs]), seat_h + back_h, []


def _shelf_template(rng):
    hx, hy = rng.uniform(0.3, 0.6), rng.uniform(0.15, 0.22)
    height, t = rng.uniform(1.0, 1.9), 0.015
    n_boards = int(rng.integers(3, 6))
    parts = [Part('box', trs((sx * (hx - t), 0, height / 2), scale=(t, hy, height / 2)))
             for sx in (-1, 1)]
    parts.append(Part('box', trs((0, -hy + t, height / 2), scale=(hx - 2 * t, t, height / 2))))
    zs = np.linspace(0.05, height - t, n_boards)
    gap = zs[1] - zs[0]
    supports = []
    for z in zs:
        parts.append(Part('box', trs((0, t, z), scale=(hx - 2 * t, hy - t, t))))
        supports.append((z + t, hx - 3 * t - 0.02, hy - 2 * t - 0.02,
                         gap - 2 * t - 0.03 if z < zs[-1] else 0.35))
    return parts, np.array([hx, hy]), height, supports


def _mesh_template(rng, cfg: SceneConfig, meshes: Dict[str, TriMesh]):
    path = rng.choice(list_obj_files(cfg.obj_dir))
    path = str(path)
    mesh = _load_mesh_cached(path, osp.getmtime(path))
    meshes[path] = mesh
    lo, hi = mesh.bounds()
    s = _u(rng, cfg.object_size) * rng.uniform(0.5, 1.0)
    half = (hi - lo).astype(np.float64) / 2 * s  # mesh is centred in [-1, 1]^3
    return [Part('mesh', trs((0, 0, half[2]), scale=(s, s, s)), mesh=path)], half[:2], \
        2 * half[2], []


def _place(template_parts: List[Part], pose: np.ndarray) -> List[Part]:
    return [Part(p.shape, pose @ p.to_world, p.mesh) for p in template_parts]


def _overlap(a: Tuple[np.ndarray, np.ndarray], b: Tuple[np.ndarray, np.ndarray],
             gap: float) -> bool:
    return bool(np.all(a[0][:2] - gap < b[1][:2]) and np.all(b[0][:2] - gap < a[1][:2]))


def _footprint(center: np.ndarray, half: np.ndarray, yaw: float):
    c, s = abs(np.cos(yaw)), abs(np.sin(yaw))
    ext = np.array([c * half[0] + s * half[1], s * half[0] + c * half[1]])
    return center - ext, center + ext


def sample_scene(seed: int, cfg: Optional[SceneConfig] = None) -> Scene:
    """Sample a room with objects and lights; a pure function of ``(seed, cfg)``."""
    cfg = cfg or SceneConfig()
    style = STYLES[cfg.style]
    rng = np.random.default_rng([int(seed), 0x5CE7E])
    size = np.array([_u(rng, cfg.room_width), _u(rng, cfg.room_depth),
                     _u(rng, cfg.room_height)])
    objects: List[SceneObject] = []
    _room(objects, size, rng, style, cfg)
    meshes: Dict[str, TriMesh] = {}

    kinds = [k for k in cfg.object_kinds if k != 'mesh' or cfg.obj_dir is not None]
    if cfg.object_weights is not None:
        w = np.array([wt for k, wt in zip(cfg.object_kinds, cfg.object_weights)
                      if k in kinds], np.float64)
    else:
        w = np.ones(len(kinds))
    if not kinds or w.sum() <= 0:
        raise ValueError('SceneConfig leaves no object kind to sample (mesh needs obj_dir)')
    w = w / w.sum()
    footprints: List[Tuple[np.ndarray, np.ndarray]] = []
    supports = []  # (pose (4,4), z, half_x, half_y, clearance)
    n_obj = int(rng.integers(cfg.num_objects[0], cfg.num_objects[1] + 1))
    margin = 0.05
    for _ in range(n_obj):
        kind = kinds[int(rng.choice(len(kinds), p=w))]
        if kind in ('box', 'cylinder', 'sphere'):
            tpl = _primitive_template(kind, rng, cfg)
        elif kind == 'table':
            tpl = _table_template(rng)
        elif kind == 'chair':
            tpl = _chair_template(rng)
        elif kind == 'shelf':
            tpl = _shelf_template(rng)
        else:
            tpl = _mesh_template(rng, cfg, meshes)
        parts, half, height, sup = tpl
        if height > size[2] - 0.3:
            continue
        against_wall = kind == 'shelf'
        for _try in range(30):
            yaw = float(rng.uniform(0, 2 * np.pi))
            if against_wall:  # back panel to a random wall
                wall = int(rng.integers(4))
                yaw = (0.0, np.pi, np.pi / 2, -np.pi / 2)[wall]
                ext_x, ext_y = (half[0], half[1]) if wall < 2 else (half[1], half[0])
                lim = size[:2] / 2 - (ext_x, ext_y) - margin
                if np.any(lim <= 0):
                    break
                along = rng.uniform(-1, 1)
                xy = [(along * lim[0], -lim[1]), (along * lim[0], lim[1]),
                      (lim[0], along * lim[1]), (-lim[0], along * lim[1])][wall]
                xy = np.array(xy)
            else:
                lo, hi = _footprint(np.zeros(2), half, yaw)  # rotated extent
                lim = size[:2] / 2 - hi - margin
                if np.any(lim <= 0):
                    continue
                xy = rng.uniform(-lim, lim)
            fp = _footprint(xy, half, yaw)
            if any(_overlap(fp, other, 0.05) for other in footprints):
                continue
            pose = trs((xy[0], xy[1], 0.0), yaw=yaw)
            footprints.append(fp)
            label = CLASS_ID['mesh' if kind == 'mesh' else kind]
            objects.append(SceneObject(len(objects) + 1, label, _place(parts, pose),
                                       _material(rng, style, cfg), pose, kind))
            if sup and rng.random() < cfg.p_tabletop:
                supports += [(pose,) + tuple(s) for s in sup]
            break

    # small objects resting on tables and shelf boards
    for pose, z, hx, hy, clear in supports:
        if rng.random() < 0.4 or clear < 0.08 or hx < 0.08 or hy < 0.08:
            continue
        used: List[Tuple[np.ndarray, np.ndarray]] = []
        for _ in range(int(rng.integers(1, 4))):
            kind = ('box', 'cylinder', 'sphere')[int(rng.integers(3))]
            s = min(rng.uniform(0.08, 0.3), clear - 0.01, 2 * min(hx, hy) - 0.01)
            small = SceneConfig(object_size=(s, s))
            parts, half, height, _ = _primitive_template(kind, rng, small)
            if height > clear or np.any(half >= (hx, hy)):
                continue
            yaw = float(rng.uniform(0, 2 * np.pi))
            lim = np.array([hx, hy]) - half.max()
            if np.any(lim <= 0):
                continue
            xy = rng.uniform(-lim, lim)
            fp = _footprint(xy, half, yaw)
            if any(_overlap(fp, other, 0.01) for other in used):
                continue
            used.append(fp)
            local = pose @ trs((xy[0], xy[1], z), yaw=yaw)
            objects.append(SceneObject(len(objects) + 1, CLASS_ID[kind], _place(parts, local),
                                       _material(rng, style, cfg), local, kind))

    # point lights near the ceiling, away from objects
    lights: List[Light] = []
    n_lights = int(rng.integers(cfg.num_lights[0], cfg.num_lights[1] + 1))
    for i in range(n_lights):
        for _try in range(50):
            p = np.array([rng.uniform(-0.4, 0.4) * size[0], rng.uniform(-0.4, 0.4) * size[1],
                          size[2] * rng.uniform(0.75, 0.93)])
            if all(o.distance(p) > 0.2 for o in objects[ROOM_SURFACES:]):
                break
        inten = _u(rng, cfg.light_intensity) * style.light_scale * (1.0 if i == 0 else 0.5)
        lights.append(Light(p, _kelvin_rgb(_u(rng, style.light_kelvin)), inten))
    lights.sort(key=lambda lt: -lt.intensity)  # lights[0] is the shadow-casting one
    return Scene(seed=int(seed), style=cfg.style, room_size=size, objects=objects,
                 lights=lights, ambient=style.ambient, meshes=meshes, cfg=cfg)


# --------------------------------------------------------------------------- cameras
def _segment_blocked(scene: Scene, a: np.ndarray, b: np.ndarray, skip: int) -> bool:
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


def _sample_camera(scene: Scene, rng: np.random.Generator, seed: int) -> Camera:
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
        fov = _u(rng, cfg.fov_deg)
        cam = Camera(look_at(pos, target, roll), fov, seed)
        if fallback is None:
            fallback = cam
        if dist > 3.8 or (attempt < 150 and _segment_blocked(scene, pos, target, skip)):
            continue
        return cam
    if fallback is None:
        raise RuntimeError(f'scene {scene.seed}: found no camera position with clearance '
                           f'{cfg.camera_clearance} m in 200 tries')
    return fallback
