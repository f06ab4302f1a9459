# Copyright (c) synthssl contributors.
"""Scene sampling and meshes: determinism, camera validity, placement, .obj loading."""
import numpy as np
import pytest

from synthssl.render.meshes import BadMeshError, load_obj, primitive
from synthssl.render.scene import (CLASS_ID, CLASSES, STYLES, SceneConfig, sample_scene)


def _scene_arrays(scene):
    out = [scene.room_size]
    for o in scene.objects:
        out += [np.array([o.instance_id, o.label]), o.local_to_world, o.material.albedo,
                o.material.albedo2, np.array([o.material.texture_scale, o.material.specular])]
        out += [p.to_world for p in o.parts]
    for lt in scene.lights:
        out += [lt.position, lt.color, np.array([lt.intensity])]
    return out


def test_same_seed_identical_scene_and_cameras_other_seed_differs():
    cfg = SceneConfig()
    a, b = sample_scene(11, cfg), sample_scene(11, cfg)
    xa, xb = _scene_arrays(a), _scene_arrays(b)
    assert len(xa) == len(xb)
    for u, v in zip(xa, xb):
        np.testing.assert_array_equal(u, v)
    for ca, cb in zip(a.cameras(4), b.cameras(4)):
        np.testing.assert_array_equal(ca.cam_to_world, cb.cam_to_world)
        assert ca.fov_x_deg == cb.fov_x_deg and ca.seed == cb.seed
    # camera i does not depend on how many cameras were asked for
    np.testing.assert_array_equal(a.camera(3).cam_to_world, a.cameras(6)[3].cam_to_world)
    c = sample_scene(12, cfg)
    assert not np.array_equal(a.room_size, c.room_size)


def _inside(part, p, margin):
    """Independent check through the inverse matrix: is p within margin of the solid?"""
    m = part.to_world
    scale = np.linalg.norm(m[:3, :3], axis=0)
    q = (np.linalg.inv(m) @ np.append(p, 1.0))[:3]  # unit-primitive coordinates
    grown = 1 + margin / scale  # conservative per-axis growth in unit coordinates
    if part.shape == 'sphere':
        return np.linalg.norm(q) < grown[0]
    if part.shape == 'cylinder':
        return np.hypot(q[0], q[1]) < grown[0] and abs(q[2]) < grown[2]
    return bool(np.all(np.abs(q) < grown))


def test_camera_never_inside_or_touching_an_object_over_many_scenes():
    cfg = SceneConfig(num_objects=(8, 14), camera_clearance=0.25)
    n_checked = 0
    for seed in range(40):
        scene = sample_scene(seed, cfg)
        half = scene.room_size / 2
        for cam in scene.cameras(5):
            p = cam.position
            assert np.all(np.abs(p[:2]) < half[:2] - 0.2) and 0.2 < p[2] < scene.room_size[2] - 0.2
            for obj in scene.objects[6:]:
                for part in obj.parts:
                    # strictly farther than the near plane + a margin (0.2 < clearance 0.25)
                    assert not _inside(part, p, 0.2), (seed, obj.kind)
            # it looks at content: the viewing axis is not parallel to up
            assert abs(cam.cam_to_world[2, 2]) < 0.95
            n_checked += 1
    assert n_checked == 200


def test_objects_do_not_intersect_and_rest_on_floor_or_support():
    for seed in range(15):
        scene = sample_scene(seed, SceneConfig(num_objects=(8, 12)))
        objs = scene.objects[6:]
        assert scene.objects[0].label == CLASS_ID['floor']
        boxes = [(o.instance_id, p.aabb()) for o in objs for p in o.parts]
        for i, (ia, (lo_a, hi_a)) in enumerate(boxes):
            assert lo_a[2] > -1e-6 and hi_a[2] < scene.room_size[2]
            assert np.all(np.abs(lo_a[:2]) <= scene.room_size[:2] / 2 + 1e-6)
            assert np.all(np.abs(hi_a[:2]) <= scene.room_size[:2] / 2 + 1e-6)
            for ib, (lo_b, hi_b) in boxes[i + 1:]:
                if ia == ib:
                    continue
                inter = np.clip(np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b), 0, None)
                vol = min(np.prod(hi_a - lo_a), np.prod(hi_b - lo_b))
                assert np.prod(inter) <= 0.02 * vol + 1e-9, (seed, ia, ib)
        for o in objs:  # every object rests on something: its lowest point is at floor
            lo, _ = o.aabb()  # level or on top of another object's part
            tops = [0.0] + [p.aabb()[1][2] for q in objs if q is not o for p in q.parts]
            assert min(abs(lo[2] - t) for t in tops) < 1e-6, (seed, o.kind)


def test_styles_differ_in_appearance_and_classes_cover_kinds():
    assert len(STYLES) >= 2 and CLASSES[0] == 'void'
    bright, dark = [], []
    for seed in range(10):
        a = sample_scene(seed, SceneConfig(style='indoor'))
        b = sample_scene(seed, SceneConfig(style='indoor_dark'))
        bright.append(np.mean([o.material.albedo.mean() for o in a.objects]))
        dark.append(np.mean([o.material.albedo.mean() for o in b.objects]))
        assert a.ambient > b.ambient
    assert np.mean(bright) > 1.5 * np.mean(dark)
    labels = {o.label for s in range(20) for o in sample_scene(s).objects}
    for name in ('floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair',
                 'shelf'):
        assert CLASS_ID[name] in labels
    with pytest.raises(ValueError, match='unknown style'):
        SceneConfig(style='nope')


def test_primitive_meshes_unit_normals_pointing_outwards():
    for name in ('box', 'sphere', 'cylinder'):
        m = primitive(name)
        assert m.vertices.dtype == np.float32 and m.faces.dtype == np.int32
        np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-5)
        tri = m.vertices[m.faces]
        fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        # counter-clockwise seen from outside: face normal points away from the centre
        assert np.all(np.einsum('ij,ij->i', fn, tri.mean(1)) > 0), name
        assert np.abs(m.vertices).max() <= 1 + 1e-6


def test_load_obj_triangulates_and_computes_normals(tmp_path):
    path = tmp_path / 'pyramid.obj'
    path.write_text('# square pyramid\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0.5 0.5 1\n'
                    'f 4 3 2 1\nf 1 2 5\nf 2 3 5\nf 3 4 5\nf 4 1 5\n')
    m = load_obj(str(path))
    assert m.faces.shape == (6, 3) and m.vertices.shape == (5, 3)
    np.testing.assert_allclose(np.linalg.norm(m.normals, axis=1), 1, atol=1e-5)
    assert m.normals[4, 2] > 0.99  # apex normal points up
    with_vn = tmp_path / 'quad.obj'
    with_vn.write_text('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 2\nf 1//1 2//1 3//1 4//1\n')
    q = load_obj(str(with_vn))
    assert q.faces.shape == (2, 3)
    np.testing.assert_allclose(q.normals, [[0, 0, 1]] * len(q.normals))


def test_bad_obj_error_names_the_file(tmp_path):
    bad = tmp_path / 'broken.obj'
    bad.write_text('v 0 0 0\nv 1 0 0\nf 1 2 9\n')
    with pytest.raises(BadMeshError, match='broken.obj:3'):
        load_obj(str(bad))
    junk = tmp_path / 'junk.obj'
    junk.write_text('v 0 zero 0\n')
    with pytest.raises(BadMeshError, match='junk.obj'):
        load_obj(str(junk))
    with pytest.raises(FileNotFoundError, match='missing.obj'):
        load_obj(str(tmp_path / 'missing.obj'))
    # a bad file inside obj_dir surfaces with its name when the sampler picks it
    with pytest.raises(BadMeshError, match='broken.obj'):
        for seed in range(5):
            sample_scene(seed, SceneConfig(object_kinds=('mesh',), obj_dir=str(tmp_path)))


def test_obj_dir_meshes_become_mesh_instances(tmp_path):
    (tmp_path / 'tetra.obj').write_text('v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n'
                                        'f 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n')
    cfg = SceneConfig(object_kinds=('mesh', 'box'), object_weights=(3, 1),
                      obj_dir=str(tmp_path), num_objects=(4, 4))
    scene = sample_scene(0, cfg)
    meshes = [o for o in scene.objects if o.label == CLASS_ID['mesh']]
    assert meshes and all(p.mesh in scene.meshes for o in meshes for p in o.parts)
    for o in meshes:  # rests on the floor
        assert abs(o.aabb()[0][2]) < 1e-9
