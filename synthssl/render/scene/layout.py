# Copyright (c) synthssl contributors.
"""Where things go in a room: the six room surfaces, furniture templates (primitives,
tables, chairs, shelves, loaded meshes), their non-overlapping placement on the floor,
small objects on tables and shelf boards, and point lights near the ceiling. Each phase draws
from the caller's generator in a fixed order, so a scene is a pure function of its seed."""
import os
import os.path as osp
from functools import lru_cache
from typing import Dict, List, Tuple

import numpy as np

from ..meshes import TriMesh, load_obj, normalized
from .config import CLASS_ID, SceneConfig, Style, sample_range
from .materials import kelvin_rgb, sample_material
from .objects import ROOM_SURFACES, Light, Part, SceneObject, trs


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


def add_room_surfaces(scene_objects: List[SceneObject], size: np.ndarray, rng, style, cfg) -> None:
    w, d, h = size
    floor_mat, wall_mat, ceil_mat = (sample_material(rng, style, cfg, room=True) for _ in range(3))
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
    s = sample_range(rng, cfg.object_size)
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
    s = sample_range(rng, cfg.object_size) * rng.uniform(0.5, 1.0)
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


def place_furniture(objects: List[SceneObject], size: np.ndarray, rng: np.random.Generator,
                    style: Style, cfg: SceneConfig, meshes: Dict[str, TriMesh]) -> List[tuple]:
    """Place ``cfg.num_objects`` floor-standing objects without overlap (shelves against a
    wall), appending them to ``objects``; loaded meshes are cached in ``meshes``.

    Returns:
        list: the support surfaces that got small objects' turn, (pose (4, 4), z, half_x,
        half_y, clearance) each.
    """
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
                                       sample_material(rng, style, cfg), pose, kind))
            if sup and rng.random() < cfg.p_tabletop:
                supports += [(pose,) + tuple(s) for s in sup]
            break

    return supports


def place_tabletop_objects(objects: List[SceneObject], supports: List[tuple],
                           rng: np.random.Generator, style: Style, cfg: SceneConfig) -> None:
    """Small primitives resting on the ``supports`` (tables, shelf boards), appended to
    ``objects``."""
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
                                       sample_material(rng, style, cfg), local, kind))


def place_lights(objects: List[SceneObject], size: np.ndarray, rng: np.random.Generator,
                 style: Style, cfg: SceneConfig) -> List[Light]:
    """Point lights near the ceiling, away from the furniture; the brightest first (it casts
    the shadows)."""
    lights: List[Light] = []
    n_lights = int(rng.integers(cfg.num_lights[0], cfg.num_lights[1] + 1))
    for i in range(n_lights):
        for _try in range(50):
            p = np.array([rng.uniform(-0.4, 0.4) * size[0], rng.uniform(-0.4, 0.4) * size[1],
                          size[2] * rng.uniform(0.75, 0.93)])
            if all(o.distance(p) > 0.2 for o in objects[ROOM_SURFACES:]):
                break
        inten = sample_range(rng, cfg.light_intensity) * style.light_scale * (1.0 if i == 0 else 0.5)
        lights.append(Light(p, kelvin_rgb(sample_range(rng, style.light_kelvin)), inten))
    lights.sort(key=lambda lt: -lt.intensity)  # lights[0] is the shadow-casting one
    return lights
