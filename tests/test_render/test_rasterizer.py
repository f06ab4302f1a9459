# Copyright (c) synthssl contributors.
"""GL renderer against analytic geometry: plane depth, sphere normals/mask, determinism."""
import numpy as np
import pytest

from synthssl.render import rasterizer
from synthssl.render.scene import (CLASS_ID, Camera, Material, Part, SceneConfig, SceneObject,
                                   look_at, sample_scene, trs)

W, H = 96, 72  # not square, to catch width/height mix-ups


@pytest.fixture(scope='module')
def renderer():
    # No EGL is an error, not a skip: tools/setup/install.sh provides it (or stops), and the
    # RuntimeError says what to install.
    r = rasterizer.GLRenderer(W, H, shadows=True)
    yield r
    r.release()


def _empty_room(seed=0, **kw):
    return sample_scene(seed, SceneConfig(num_objects=(0, 0), **kw))


def _rays(K):
    """(H, W, 3) camera-space ray directions with z = 1 through pixel centres."""
    u, v = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    return np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)


def _room_hits(scene, c2w, K):
    """Analytic z-depth and instance id of the closed room box seen by every pixel."""
    d_world = _rays(K) @ c2w[:3, :3].T
    o = c2w[:3, 3]
    w, dd, h = scene.room_size
    planes = [(2, 0.0, 1), (2, h, 2), (0, -w / 2, 3), (0, w / 2, 4), (1, -dd / 2, 5),
              (1, dd / 2, 6)]  # (axis, offset, instance id) as built by the sampler
    best_t = np.full(d_world.shape[:2], np.inf)
    best_id = np.zeros(d_world.shape[:2], np.int64)
    for axis, off, iid in planes:
        with np.errstate(divide='ignore', invalid='ignore'):
            t = (off - o[axis]) / d_world[..., axis]
        t[~(t > 0)] = np.inf
        better = t < best_t
        best_t[better], best_id[better] = t[better], iid
    return best_t, best_id  # t multiplies a z=1 ray: t is the z-depth


def test_room_planes_exact_depth_and_ids_for_a_tilted_rolled_camera(renderer):
    scene = _empty_room(seed=4)
    c2w = look_at((0.3, -0.2, 1.4), (scene.room_size[0] / 2, 0.5, 0.6), roll=0.2)
    cam = Camera(c2w, fov_x_deg=70)
    out = renderer.render(scene, cam)
    K = cam.K(W, H)
    assert out['depth'].shape == (H, W) and out['depth'].dtype == np.float32
    assert out['rgb'].shape == (H, W, 3) and out['rgb'].dtype == np.uint8
    assert out['instance'].dtype == np.uint16 and out['semantic'].dtype == np.uint8
    np.testing.assert_array_equal(out['K'], K)
    z, ids = _room_hits(scene, c2w, K)
    agree = out['instance'] == ids
    assert agree.mean() > 0.98  # only pixels on the room's edges may differ
    assert np.abs(out['depth'][agree] - z[agree]).max() < 1e-3  # 1 mm everywhere
    assert (out['depth'] > 0).all()  # a closed room covers every pixel


def test_wall_straight_ahead_depth_normal_and_semantics(renderer):
    scene = _empty_room(seed=1)
    dist = scene.room_size[0] / 2
    cam = Camera(look_at((0, 0, 1.0), (1, 0, 1.0)), fov_x_deg=90)
    out = renderer.render(scene, cam)
    wall = out['instance'] == 4  # the +x wall
    assert wall.mean() > 0.3
    assert np.abs(out['depth'][wall] - dist).max() < 1e-3
    np.testing.assert_allclose(out['normal'][wall], np.tile([0, 0, -1.0], (wall.sum(), 1)),
                               atol=1e-4)
    assert (out['semantic'][wall] == CLASS_ID['wall']).all()
    floor = out['instance'] == 1
    assert floor.any() and (out['semantic'][floor] == CLASS_ID['floor']).all()
    # image rows grow downwards (OpenCV): the floor is in the bottom half, ceiling on top
    rows = np.nonzero(floor)[0]
    assert rows.min() > H / 2
    ceiling = np.nonzero(out['instance'] == 2)[0]
    assert ceiling.size == 0 or ceiling.max() < H / 2


def _sphere_scene(centre, r):
    scene = _empty_room(seed=2)
    mat = Material(albedo=np.array([0.8, 0.2, 0.2]), albedo2=np.array([0.2, 0.2, 0.8]),
                   texture='checker', texture_scale=6.0)
    scene.objects.append(SceneObject(7, CLASS_ID['sphere'],
                                     [Part('sphere', trs(centre, scale=(r, r, r)))], mat,
                                     trs(centre), 'sphere'))
    return scene


def test_sphere_mask_normals_and_depth_match_analytic_sphere(renderer):
    centre, r = np.array([0.6, 0.2, 0.9]), 0.45
    scene = _sphere_scene(centre, r)
    c2w = look_at((-0.9, 0.5, 1.3), centre + (0.1, 0.05, -0.05), roll=-0.1)
    out = renderer.render(scene, Camera(c2w, fov_x_deg=60))
    K = out['K']
    d = _rays(K)
    c = np.linalg.inv(c2w)[:3, :3] @ centre + np.linalg.inv(c2w)[:3, 3]
    b = d @ c
    disc = b ** 2 - (d * d).sum(-1) * (c @ c - r * r)
    ana = disc > 0
    mask = out['instance'] == 7
    iou = (mask & ana).sum() / (mask | ana).sum()
    assert ana.sum() > 500 and iou > 0.97
    both = mask & ana
    t = (b - np.sqrt(np.maximum(disc, 0))) / (d * d).sum(-1)
    p = d * t[..., None]
    n_ana = (p - c) / r
    n = out['normal'][both]
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1, atol=1e-3)
    assert (np.einsum('ij,ij->i', n, p[both]) < 0).all()  # towards the camera
    ang = np.degrees(np.arccos(np.clip(np.einsum('ij,ij->i', n, n_ana[both]), -1, 1)))
    assert np.median(ang) < 1.0 and np.percentile(ang, 99) < 4.0
    rel = np.abs(out['depth'][both] - t[both]) / t[both]
    assert np.median(rel) < 0.003 and rel.max() < 0.03  # tessellation only
    assert (out['semantic'][mask] == CLASS_ID['sphere']).all()
    # the normal map is zero nowhere inside the closed room, and faces the camera everywhere
    # (silhouettes of the smooth sphere included)
    assert (np.linalg.norm(out['normal'], axis=-1) > 0.99).all()
    assert (np.einsum('hwc,hwc->hw', out['normal'], d * out['depth'][..., None]) < 0).all()


def test_same_seed_bit_identical_and_noise_is_seeded(renderer):
    cfg = SceneConfig(noise_sigma=4.0, blur_sigma=0.7)
    a = sample_scene(5, cfg)
    b = sample_scene(5, cfg)  # a different object: forces a re-upload
    ra = renderer.render(a, a.camera(2))
    rb = renderer.render(b, b.camera(2))
    for k in ('rgb', 'depth', 'normal', 'instance', 'semantic', 'cam_to_world'):
        np.testing.assert_array_equal(ra[k], rb[k], err_msg=k)
    clean = renderer.render(a, a.camera(2), postprocess=False)['rgb']
    assert np.abs(ra['rgb'].astype(int) - clean).mean() > 1.0  # noise/blur applied
    cam = a.camera(2)
    other = renderer.render(a, Camera(cam.cam_to_world, cam.fov_x_deg, cam.seed + 1))
    assert not np.array_equal(other['rgb'], ra['rgb'])
    np.testing.assert_array_equal(other['depth'], ra['depth'])  # noise is RGB only


def test_shadows_only_darken_and_an_occluder_casts_one(renderer):
    scene = _empty_room(seed=3)
    light = scene.lights[0].position
    # a flat box hanging between the light and the floor right under it
    box_c = np.array([light[0], light[1], 1.0])
    mat = Material(albedo=np.array([0.5, 0.5, 0.5]), albedo2=np.array([0.5, 0.5, 0.5]))
    scene.objects.append(SceneObject(7, CLASS_ID['box'],
                                     [Part('box', trs(box_c, scale=(0.3, 0.3, 0.05)))], mat,
                                     trs(box_c), 'box'))
    away = -light[:2] / max(np.linalg.norm(light[:2]), 1e-9) if np.linalg.norm(
        light[:2]) > 0.1 else np.array([1.0, 0.0])
    cam_pos = np.array([*(light[:2] + 1.3 * away), light[2] - 0.6])
    cam = Camera(look_at(cam_pos, (light[0], light[1], 0.0)), 60)
    with_s = renderer.render(scene, cam, postprocess=False)
    renderer.shadows = False
    try:
        without = renderer.render(scene, cam, postprocess=False)
    finally:
        renderer.shadows = True
    a, b = with_s['rgb'].astype(int), without['rgb'].astype(int)
    assert (a <= b + 1).all()
    # the floor point right under the light, behind the box: shadowed
    p = np.linalg.inv(cam.cam_to_world) @ np.array([light[0], light[1], 0.0, 1.0])
    K = with_s['K']
    u, v = (K @ (p[:3] / p[2]))[:2].round().astype(int)
    assert with_s['instance'][v, u] == 1  # we see the floor there
    assert a[v, u].sum() < 0.6 * b[v, u].sum()
    np.testing.assert_array_equal(with_s['depth'], without['depth'])


def test_missing_egl_gives_an_actionable_error(monkeypatch):
    monkeypatch.setattr(rasterizer, '_missing_system_library', lambda: 'libEGL.so.1')
    with pytest.raises(RuntimeError, match=r'libEGL\.so\.1.*libegl1'):
        rasterizer.create_egl_context()


def test_torch_lazy_imports_after_rendering_do_not_crash(tmp_path):
    """Mesa's llvmpipe and triton both bring an LLVM; triton imported after an EGL context
    exists used to segfault the process (torchvision.ops imports it through torch._dynamo)."""
    import subprocess
    import sys
    code = ('from synthssl.render import GLRenderer, sample_scene\n'
            'r = GLRenderer(32, 32)\n'
            's = sample_scene(0)\n'
            'out = r.render(s, s.camera(0))\n'
            'import torchvision.ops  # noqa: F401  (imports torch._dynamo -> triton)\n'
            'import triton  # noqa: F401\n'
            'print("OK", out["rgb"].shape)\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'OK (32, 32, 3)' in proc.stdout
