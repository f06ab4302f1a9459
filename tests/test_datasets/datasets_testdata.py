# Copyright (c) synthssl contributors.
"""Writers of tiny on-disk datasets (32 x 24 views) in the three synthetic layouts.

Every file is written with plain OpenCV / NumPy / json calls from the documented format
(the synthssl layout as described in ``synthssl/render/io.py``'s docstring), never with the
package's own writers or encoders: a bug shared by a writer and its reader must not cancel
out in the reader tests."""
import json
import os
import os.path as osp
from typing import Dict

import cv2
import numpy as np

W, H = 32, 24
K_SYN = np.array([[30.0, 0.0, 15.5], [0.0, 30.0, 11.5], [0.0, 0.0, 1.0]])


def position_rgb(seed: int) -> np.ndarray:
    """(H, W, 3) uint8: R encodes x, G encodes y, B the view."""
    yy, xx = np.mgrid[:H, :W]
    return np.stack([xx * 8, yy * 10, np.full_like(xx, 40 + 20 * seed)], -1).astype(np.uint8)


def two_rect_ids() -> np.ndarray:
    ids = np.zeros((H, W), np.uint16)
    ids[3:12, 4:14] = 7
    ids[10:20, 18:29] = 300
    return ids


def plane_depth(K: np.ndarray, n0=(0.2, -0.3, -0.9), d=-2.0) -> np.ndarray:
    """z-depth of the plane n0 . p = d seen through K."""
    n0 = np.asarray(n0, float) / np.linalg.norm(n0)
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones((H, W))], -1)
    return d / (rays @ n0)


#: format version of the synthssl layout these files follow (meta.json)
FORMAT_VERSION = 1


def syn_path(root: str, view: str, modality: str) -> str:
    """``<root>/scenes/<scene>/<modality>/<view>.png`` (``.json`` for the camera)."""
    scene, name = view.split('/')
    return osp.join(root, 'scenes', scene, modality,
                    name + ('.json' if modality == 'camera' else '.png'))


def _imwrite(path: str, img: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, img), path


def write_synthetic(root: str, n_scenes: int = 2, n_views: int = 2) -> Dict:
    """The synthssl layout: RGB PNG, uint16 millimetre depth, uint16 normals
    ``round((n + 1) / 2 * 65535)`` with (x, y, z) in the PNG's R, G, B, uint16 instance and
    uint8 semantic ids, camera JSON; manifest.jsonl and meta.json."""
    os.makedirs(root, exist_ok=True)
    manifest = []
    n0 = np.array([0.2, -0.3, -0.9]) / np.linalg.norm([0.2, -0.3, -0.9])
    depth_mm = np.round(plane_depth(K_SYN) * 1000.0).astype(np.uint16)
    normal_rgb = np.round((n0 + 1) / 2 * 65535).astype(np.uint16)
    normal_png = np.broadcast_to(normal_rgb[::-1], (H, W, 3)).copy()  # cv2 writes BGR
    for s in range(n_scenes):
        for v in range(n_views):
            view = f'scene{s:03d}/{v:04d}'
            seed = s * n_views + v
            _imwrite(syn_path(root, view, 'rgb'), position_rgb(seed)[..., ::-1].copy())
            _imwrite(syn_path(root, view, 'depth'), depth_mm)
            _imwrite(syn_path(root, view, 'normal'), normal_png)
            _imwrite(syn_path(root, view, 'instance'), two_rect_ids())
            _imwrite(syn_path(root, view, 'semantic'), (two_rect_ids() > 0).astype(np.uint8) * 3)
            os.makedirs(osp.dirname(syn_path(root, view, 'camera')), exist_ok=True)
            with open(syn_path(root, view, 'camera'), 'w') as f:
                json.dump(dict(K=K_SYN.tolist(), cam_to_world=np.eye(4).tolist(), width=W,
                               height=H, convention='opencv'), f)
            manifest.append(dict(view=view, scene_seed=s, view_index=v))
    with open(osp.join(root, 'manifest.jsonl'), 'w') as f:
        f.write('\n'.join(json.dumps(m) for m in manifest) + '\n')
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(dict(classes=['floor', 'ceiling', 'wall', 'sphere', 'box', 'cylinder'],
                       size=[W, H], version=FORMAT_VERSION), f)
    return dict(root=root, views=[m['view'] for m in manifest], normal=n0)


def write_scenenet(root: str) -> Dict:
    frames = []
    for traj in ('0/11', '0/12'):
        base = osp.join(root, 'train', traj)
        for i, frame in enumerate(('0', '25')):
            for sub in ('photo', 'depth', 'instance'):
                os.makedirs(osp.join(base, sub), exist_ok=True)
            cv2.imwrite(osp.join(base, 'photo', frame + '.jpg'), position_rgb(i)[..., ::-1])
            ray = np.full((H, W), 2500, np.uint16)  # 2.5 m along every ray: a sphere
            cv2.imwrite(osp.join(base, 'depth', frame + '.png'), ray)
            cv2.imwrite(osp.join(base, 'instance', frame + '.png'),
                        (two_rect_ids() % 256).astype(np.uint8))
            frames.append((f'train/{traj}', frame))
    return dict(root=root, frames=frames)


def write_pbrs(root: str) -> Dict:
    """Two houses in the full layout (one view without a node file) + the _256 variant."""
    # A camera-facing normal in PBRS camera axes (x right, y forward, z up): (0.6, -0.8, 0)
    # i.e. pointing right and back at the camera; OpenCV axes: (0.6, 0, -0.8).
    n_pbrs = np.array([0.6, -0.8, 0.0])
    enc16 = np.round((n_pbrs + 1) / 2 * 65535).astype(np.uint16)
    enc8 = np.round((n_pbrs + 1) * 127.5).astype(np.uint8)
    views = [('h1', '000000'), ('h1', '000001'), ('h2', '000000')]
    for house, view in views:
        for sub in ('mlt', 'depth', 'normal', 'node', 'edge'):
            os.makedirs(osp.join(root, sub, house), exist_ok=True)
        rgb = position_rgb(int(view))
        cv2.imwrite(osp.join(root, 'mlt', house, f'{view}_mlt.png'), rgb[..., ::-1])
        cv2.imwrite(osp.join(root, 'depth', house, f'{view}_depth.png'),
                    np.full((H, W), 1800, np.uint16))
        normal = np.broadcast_to(enc16[::-1], (H, W, 3)).copy()  # file RGB = (x, y, z)
        normal[0, 0] = 0  # an invalid (non-unit) pixel
        cv2.imwrite(osp.join(root, 'normal', house, f'{view}_norm_camera.png'), normal)
        if (house, view) != ('h2', '000000'):
            cv2.imwrite(osp.join(root, 'node', house, f'{view}_node.png'), two_rect_ids())
        # Ren & Lee's _256 copy (here simply the same 32 x 24 size).
        cv2.imwrite(osp.join(root, 'mlt', house, f'{view}_256.png'), rgb[..., ::-1])
        cv2.imwrite(osp.join(root, 'depth', house, f'{view}_256.png'),
                    np.full((H, W), 1800, np.uint16))
        cv2.imwrite(osp.join(root, 'normal', house, f'{view}_256.png'),
                    np.broadcast_to(enc8[::-1], (H, W, 3)).copy())
        edge = np.zeros((H, W), np.uint8)
        edge[5, :] = 255
        cv2.imwrite(osp.join(root, 'edge', house, f'{view}_256.png'), edge)
    return dict(root=root, views=views, normal_opencv=np.array([0.6, 0.0, -0.8]))
