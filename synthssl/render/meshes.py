# Copyright (c) synthssl contributors.
"""Triangle meshes of the unit primitives and a Wavefront ``.obj`` loader. Pure NumPy.

Unit primitives (scaled / rotated / moved by a part's 4x4 matrix in :mod:`.scene`):

* ``box``: the cube ``[-1, 1]^3`` (flat faces, 24 vertices);
* ``cylinder``: radius 1 around the local z axis, ``z`` in ``[-1, 1]``, capped;
* ``sphere``: the unit sphere (UV tessellation, smooth normals);
* ``quad``: the square ``[-1, 1]^2`` in the plane ``z = 0``, normal ``+z``.

Every mesh is a :class:`TriMesh` with float32 ``vertices`` (V, 3), float32 unit
``normals`` (V, 3) and int32 ``faces`` (F, 3), counter-clockwise seen from outside.
"""
import os.path as osp
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Tuple

import numpy as np


class BadMeshError(ValueError):
    """A mesh file that exists but cannot be used; the message names the file."""


@dataclass(frozen=True)
class TriMesh:
    """Indexed triangle mesh: vertices (V, 3) f32, normals (V, 3) f32, faces (F, 3) int32."""
    vertices: np.ndarray
    normals: np.ndarray
    faces: np.ndarray

    def bounds(self) -> Tuple[np.ndarray, np.ndarray]:
        """(min (3,), max (3,)) of the vertices."""
        return self.vertices.min(0), self.vertices.max(0)


def _mesh(v, n, f) -> TriMesh:
    return TriMesh(np.ascontiguousarray(v, np.float32), np.ascontiguousarray(n, np.float32),
                   np.ascontiguousarray(f, np.int32))


@lru_cache(maxsize=None)
def unit_box() -> TriMesh:
    """The cube [-1, 1]^3 with flat per-face normals."""
    verts, norms, faces = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            u, w = np.zeros(3), np.zeros(3)
            u[(axis + 1) % 3] = 1
            w[(axis + 2) % 3] = 1
            if sign < 0:
                u, w = w, u  # keep counter-clockwise seen from outside
            base = len(verts)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                verts.append(n + a * u + b * w)
                norms.append(n)
            faces += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    return _mesh(verts, norms, faces)


@lru_cache(maxsize=None)
def unit_quad() -> TriMesh:
    """The square [-1, 1]^2 at z = 0 with normal +z."""
    v = [(-1, -1, 0), (1, -1, 0), (1, 1, 0), (-1, 1, 0)]
    return _mesh(v, [(0, 0, 1)] * 4, [(0, 1, 2), (0, 2, 3)])


@lru_cache(maxsize=None)
def unit_sphere(segments: int = 48, rings: int = 24) -> TriMesh:
    """UV sphere of radius 1: (rings + 1) * (segments + 1) vertices, smooth normals."""
    th = np.linspace(0, np.pi, rings + 1)[:, None]         # polar angle from +z
    ph = np.linspace(0, 2 * np.pi, segments + 1)[None, :]  # azimuth
    v = np.stack(np.broadcast_arrays(np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph),
                                     np.cos(th)), -1).reshape(-1, 3)
    idx = np.arange((rings + 1) * (segments + 1)).reshape(rings + 1, segments + 1)
    a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()
    c, d = idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    faces = np.concatenate([np.stack([a, d, c], 1), np.stack([a, c, b], 1)])
    faces = faces[np.abs(np.cross(v[faces[:, 1]] - v[faces[:, 0]],
                                  v[faces[:, 2]] - v[faces[:, 0]])).sum(1) > 1e-12]
    return _mesh(v, v, faces)


@lru_cache(maxsize=None)
def unit_cylinder(segments: int = 40) -> TriMesh:
    """Capped cylinder of radius 1 around z, z in [-1, 1]; smooth side, flat caps."""
    ph = np.linspace(0, 2 * np.pi, segments + 1)
    ring = np.stack([np.cos(ph), np.sin(ph), np.zeros_like(ph)], 1)
    side_v = np.concatenate([ring + (0, 0, -1), ring + (0, 0, 1)])
    side_n = np.concatenate([ring, ring])
    i = np.arange(segments)
    j = i + segments + 1
    side_f = np.concatenate([np.stack([i, i + 1, j + 1], 1), np.stack([i, j + 1, j], 1)])
    verts, norms, faces = [side_v], [side_n], [side_f]
    base = len(side_v)
    for z in (-1.0, 1.0):
        cap = np.concatenate([[(0, 0, z)], ring[:-1] + (0, 0, z)])
        verts.append(cap)
        norms.append(np.tile((0, 0, z), (len(cap), 1)))
        k = np.arange(segments)
        tri = np.stack([np.zeros(segments, int), 1 + k, 1 + (k + 1) % segments], 1)
        if z < 0:
            tri = tri[:, [0, 2, 1]]
        faces.append(tri + base)
        base += len(cap)
    return _mesh(np.concatenate(verts), np.concatenate(norms), np.concatenate(faces))


PRIMITIVES = {'box': unit_box, 'sphere': unit_sphere, 'cylinder': unit_cylinder,
              'quad': unit_quad}


def primitive(name: str) -> TriMesh:
    """The unit mesh of a primitive name (``box``, ``sphere``, ``cylinder``, ``quad``)."""
    if name not in PRIMITIVES:
        raise KeyError(f'unknown primitive {name!r}; expected one of {sorted(PRIMITIVES)}')
    return PRIMITIVES[name]()


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted smooth vertex normals (V, 3) float32 of a triangle mesh."""
    fn = np.cross(vertices[faces[:, 1]] - vertices[faces[:, 0]],
                  vertices[faces[:, 2]] - vertices[faces[:, 0]])
    n = np.zeros_like(vertices, dtype=np.float64)
    for k in range(3):
        np.add.at(n, faces[:, k], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(length > 0, n / np.maximum(length, 1e-30), (0, 0, 1))
    return n.astype(np.float32)


def _obj_index(token: str, count: int, path: str, lineno: int) -> int:
    i = int(token)
    i = i - 1 if i > 0 else count + i
    if not 0 <= i < count:
        raise BadMeshError(f'{path}:{lineno}: index {token} out of range (have {count})')
    return i


def load_obj(path: str) -> TriMesh:
    """Load a Wavefront ``.obj`` (``v``, ``vn``, ``f``; polygons are fan-triangulated).

    Normals given with ``vn`` are used (vertices are split per distinct (v, vn) pair);
    otherwise smooth vertex normals are computed. Raises :class:`BadMeshError` naming the
    file (and line) for anything unusable, :class:`FileNotFoundError` if it is missing.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file does not exist')
    vs: List[Tuple[float, ...]] = []
    vns: List[Tuple[float, ...]] = []
    corners: List[Tuple[int, int]] = []  # (v index, vn index or -1), 3 per triangle
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for lineno, line in enumerate(f, 1):
                tok = line.split()
                if not tok or tok[0].startswith('#'):
                    continue
                try:
                    if tok[0] == 'v':
                        vs.append(tuple(float(x) for x in tok[1:4]))
                        if len(vs[-1]) != 3:
                            raise ValueError('a vertex needs 3 coordinates')
                    elif tok[0] == 'vn':
                        vns.append(tuple(float(x) for x in tok[1:4]))
                        if len(vns[-1]) != 3:
                            raise ValueError('a normal needs 3 components')
                    elif tok[0] == 'f':
                        if len(tok) < 4:
                            raise ValueError('a face needs at least 3 vertices')
                        poly = []
                        for t in tok[1:]:
                            parts = t.split('/')
                            vi = _obj_index(parts[0], len(vs), path, lineno)
                            ni = (_obj_index(parts[2], len(vns), path, lineno)
                                  if len(parts) > 2 and parts[2] else -1)
                            poly.append((vi, ni))
                        for k in range(1, len(poly) - 1):
                            corners += [poly[0], poly[k], poly[k + 1]]
                except ValueError as e:
                    if isinstance(e, BadMeshError):
                        raise
                    raise BadMeshError(f'{path}:{lineno}: cannot parse {line.strip()!r} '
                                       f'({e})') from e
    except UnicodeError as e:  # pragma: no cover - errors='replace' makes this rare
        raise BadMeshError(f'{path}: not a text .obj file ({e})') from e
    if not vs or not corners:
        raise BadMeshError(f'{path}: no vertices or no faces; not a usable triangle mesh')
    v = np.asarray(vs, np.float64)
    if not np.all(np.isfinite(v)):
        raise BadMeshError(f'{path}: non-finite vertex coordinates')
    c = np.asarray(corners, np.int64)
    if np.all(c[:, 1] >= 0):
        key, inv = np.unique(c, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        n = np.asarray(vns, np.float64)[key[:, 1]]
        length = np.linalg.norm(n, axis=1, keepdims=True)
        n = np.where(length > 0, n / np.maximum(length, 1e-30), (0, 0, 1))
        return _mesh(v[key[:, 0]], n, inv.reshape(-1, 3))
    faces = c[:, 0].reshape(-1, 3)
    return _mesh(v, vertex_normals(v, faces), faces)


def normalized(mesh: TriMesh) -> TriMesh:
    """The mesh moved and uniformly scaled so that its bounding box is centred and its
    largest half-extent is 1 (so it fits in [-1, 1]^3)."""
    lo, hi = mesh.bounds()
    half = float((hi - lo).max()) / 2
    if half <= 0:
        raise BadMeshError('degenerate mesh: all vertices coincide')
    return _mesh((mesh.vertices - (lo + hi) / 2) / half, mesh.normals, mesh.faces)
