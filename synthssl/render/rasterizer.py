# Copyright (c) synthssl contributors.
"""Headless OpenGL (moderngl + EGL, e.g. Mesa llvmpipe on CPU) renderer of :class:`Scene`.

One geometry pass writes three render targets at once: shaded colour (RGBA8), camera-space
normal + z-depth (RGBA32F) and the instance id (R32I); the semantic map is looked up from
the instance id. Shading is Lambert + Blinn-Phong from up to 4 point lights plus an ambient
term, gamma 2.2. **Shadows**: hard shadows from the dominant (brightest) light only,
through an omnidirectional shadow map: the 6 cube faces are rendered side by side into one
2-D depth atlas (``shadow_size`` px per face), once per scene and reused for all its views.
The other lights are unshadowed.
"""
import ctypes
import ctypes.util
import os
from typing import Dict, Optional

import cv2
import numpy as np

from .meshes import primitive
from .scene import ROOM_SURFACES, TEXTURE_ID, Camera, Scene

MAX_LIGHTS = 4
NEAR, FAR = 0.02, 60.0

_VERTEX = """
#version 330
uniform mat4 world_to_cam;
uniform vec4 proj;      // 2fx/W, (2cx+1)/W-1, 2fy/H, (2cy+1)/H-1
uniform vec2 depth_ab;  // z_clip = a * z + b
in vec3 in_pos; in vec3 in_normal; in vec3 in_tex; in vec3 in_a1; in vec3 in_a2;
in vec3 in_mat; in int in_id;
out vec3 v_world; out vec3 v_cam; out vec3 v_normal; out vec3 v_tex;
flat out vec3 v_a1; flat out vec3 v_a2; flat out vec3 v_mat; flat out int v_id;
void main() {
    vec3 p = (world_to_cam * vec4(in_pos, 1.0)).xyz;
    gl_Position = vec4(proj.x * p.x + proj.y * p.z, proj.z * p.y + proj.w * p.z,
                       depth_ab.x * p.z + depth_ab.y, p.z);
    v_world = in_pos; v_cam = p; v_normal = in_normal; v_tex = in_tex;
    v_a1 = in_a1; v_a2 = in_a2; v_mat = in_mat; v_id = in_id;
}
"""

_FRAGMENT = """
#version 330
uniform mat4 world_to_cam;
uniform vec3 cam_pos;
uniform int n_lights;
uniform vec3 light_pos[%(L)d];
uniform vec3 light_rgb[%(L)d];  // colour * intensity
uniform float ambient;
uniform bool use_shadow;
uniform sampler2D shadow_map;   // 6 cube faces side by side
uniform mat4 face_vp[6];
uniform float shadow_texel;     // 1 / face size
uniform vec2 shadow_nf;         // near, far of the shadow projection
in vec3 v_world; in vec3 v_cam; in vec3 v_normal; in vec3 v_tex;
flat in vec3 v_a1; flat in vec3 v_a2; flat in vec3 v_mat; flat in int v_id;
layout(location = 0) out vec4 f_color;
layout(location = 1) out vec4 f_geom;   // camera normal xyz, z-depth
layout(location = 2) out int f_id;

float hash(vec3 p) {
    p = fract(p * 0.3183099 + vec3(0.71, 0.113, 0.419));
    p *= 17.0;
    return fract(p.x * p.y * p.z * (p.x + p.y + p.z));
}
float vnoise(vec3 x) {
    vec3 i = floor(x); vec3 f = fract(x); f = f * f * (3.0 - 2.0 * f);
    return mix(mix(mix(hash(i), hash(i + vec3(1, 0, 0)), f.x),
                   mix(hash(i + vec3(0, 1, 0)), hash(i + vec3(1, 1, 0)), f.x), f.y),
               mix(mix(hash(i + vec3(0, 0, 1)), hash(i + vec3(1, 0, 1)), f.x),
                   mix(hash(i + vec3(0, 1, 1)), hash(i + vec3(1, 1, 1)), f.x), f.y), f.z);
}
vec3 albedo() {
    vec3 t = v_tex + 0.25;
    int kind = int(v_mat.z + 0.5);
    float m = 0.0;
    if (kind == %(CHECKER)d) {
        m = mod(floor(t.x) + floor(t.y) + floor(t.z), 2.0);
    } else if (kind == %(STRIPES)d) {
        m = step(0.5, fract(t.x + 0.15 * t.z));
    } else if (kind == %(NOISE)d) {
        m = 0.5 * vnoise(t) + 0.3 * vnoise(2.03 * t + 5.1) + 0.2 * vnoise(4.1 * t + 1.7);
        m = smoothstep(0.25, 0.75, m);
    }
    return mix(v_a1, v_a2, m);
}
float shadow(vec3 p, vec3 n) {
    vec3 d = p - light_pos[0];
    vec3 a = abs(d);
    int f = (a.x >= a.y && a.x >= a.z) ? (d.x > 0.0 ? 0 : 1)
          : ((a.y >= a.z) ? (d.y > 0.0 ? 2 : 3) : (d.z > 0.0 ? 4 : 5));
    float dist = max(a.x, max(a.y, a.z));
    // normal offset grows with the texel footprint at this distance
    vec3 q = p + n * (2.5 * shadow_texel * dist);
    vec4 c = face_vp[f] * vec4(q, 1.0);
    vec3 ndc = c.xyz / c.w;
    vec2 uv = clamp(ndc.xy * 0.5 + 0.5, vec2(0.5 * shadow_texel), vec2(1.0 - 0.5 * shadow_texel));
    float stored = texture(shadow_map, vec2((float(f) + uv.x) / 6.0, uv.y)).r * 2.0 - 1.0;
    float nn = shadow_nf.x, ff = shadow_nf.y;
    float z_stored = 2.0 * nn * ff / (ff + nn - stored * (ff - nn));
    return (c.w <= z_stored + 0.01 + 0.002 * c.w) ? 1.0 : 0.0;
}
void main() {
    vec3 n = normalize(v_normal);
    vec3 view = normalize(cam_pos - v_world);
    // two-sided: flip when we see the back of the triangle. The OpenCV y-down projection
    // mirrors the image, so GL's gl_FrontFacing is true for triangles seen from behind.
    if (gl_FrontFacing) n = -n;
    // smooth normals can still point slightly away at silhouettes: make them grazing
    float nv = dot(n, view);
    if (nv < 1e-3) n = normalize(n + (1e-3 - nv) * view);
    vec3 a = albedo();
    vec3 rgb = ambient * a;
    for (int i = 0; i < n_lights; ++i) {
        vec3 L = light_pos[i] - v_world;
        float d2 = dot(L, L);
        vec3 l = L * inversesqrt(d2);
        float ndl = dot(n, l);
        if (ndl <= 0.0) continue;
        float vis = (i == 0 && use_shadow) ? shadow(v_world, n) : 1.0;
        if (vis <= 0.0) continue;
        vec3 h = normalize(l + view);
        float spec = v_mat.x * pow(max(dot(n, h), 0.0), v_mat.y);
        rgb += light_rgb[i] / d2 * (a * ndl + vec3(spec * ndl));
    }
    f_color = vec4(pow(clamp(rgb, 0.0, 1.0), vec3(1.0 / 2.2)), 1.0);
    f_geom = vec4(normalize(mat3(world_to_cam) * n), v_cam.z);
    f_id = v_id;
}
""" % dict(L=MAX_LIGHTS, CHECKER=TEXTURE_ID['checker'], STRIPES=TEXTURE_ID['stripes'],
           NOISE=TEXTURE_ID['noise'])

_SHADOW_VERTEX = """
#version 330
uniform mat4 vp;
in vec3 in_pos;
void main() { gl_Position = vp * vec4(in_pos, 1.0); }
"""
_SHADOW_FRAGMENT = """
#version 330
void main() {}
"""

_DEB = 'libegl1, libegl-mesa0 and libgl1-mesa-dri'


def _missing_system_library() -> Optional[str]:
    """Name of the first EGL/GL system library that cannot be loaded, else None."""
    for name, soname in (('EGL', 'libEGL.so.1'), ('GL', 'libGL.so.1')):
        try:
            ctypes.CDLL(ctypes.util.find_library(name) or soname)
        except OSError:
            return soname
    return None


def _preload_triton_llvm() -> None:
    """Load triton's LLVM before Mesa's llvmpipe loads its own.

    Both bring an LLVM. With Mesa 22.3 (LLVM 15) and torch 2.14's triton, importing triton
    *after* an EGL context exists in the process segfaults (even after the context is
    released), and torch imports triton lazily (``torchvision.ops`` -> ``torch._dynamo``),
    e.g. when mmdet/mmpretrain modules are imported after rendering. In the other order
    both work. Nothing happens when triton is not installed or already loaded.
    """
    import importlib.util
    import sys
    if 'triton' not in sys.modules and importlib.util.find_spec('triton') is not None:
        import triton  # noqa: F401


def create_egl_context():
    """A headless moderngl context through EGL; RuntimeError naming what is missing."""
    _preload_triton_llvm()
    try:
        import moderngl
    except ImportError as e:
        raise RuntimeError(f'the GL renderer needs the python package moderngl '
                           f'(pip install moderngl): {e}') from e
    # llvmpipe rasterises in the calling thread unless the user asks otherwise: this
    # package runs one renderer per process (extra threads only contend for the same
    # cores, same speed measured), and a process that rendered with llvmpipe worker
    # threads and then forks (DataLoader workers) deadlocks when the child creates a context.
    os.environ.setdefault('LP_NUM_THREADS', '0')
    missing = _missing_system_library()
    if missing is not None:
        raise RuntimeError(f'cannot load the system library {missing}, needed for headless '
                           f'OpenGL through EGL. Install the Debian packages {_DEB} '
                           f'(apt-get install -y libegl1 libegl-mesa0 libgl1-mesa-dri).')
    try:
        return moderngl.create_standalone_context(backend='egl', require=330)
    except Exception as e:  # noqa: BLE001 - moderngl/glcontext raise plain Exceptions
        raise RuntimeError(f'could not create a headless OpenGL 3.3 context through EGL '
                           f'({type(e).__name__}: {e}). Needs libEGL.so.1 and a Mesa driver: '
                           f'Debian packages {_DEB}.') from e


def _cube_face_matrices(light: np.ndarray, far: float, near: float = 0.05) -> np.ndarray:
    """(6, 4, 4) float32 GL view-projection matrices (90 deg) of the faces +x,-x,+y,-y,+z,-z."""
    proj = np.array([[1, 0, 0, 0], [0, 1, 0, 0],
                     [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)],
                     [0, 0, -1, 0]])
    dirs = np.eye(3)[[0, 0, 1, 1, 2, 2]] * np.array([1, -1, 1, -1, 1, -1])[:, None]
    ups = [(0, -1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1), (0, -1, 0), (0, -1, 0)]
    out = np.zeros((6, 4, 4))
    for i, (f, up) in enumerate(zip(dirs, ups)):
        r = np.cross(f, up)
        r /= np.linalg.norm(r)
        u = np.cross(r, f)
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = r, u, -f
        view[:3, 3] = -view[:3, :3] @ light
        out[i] = proj @ view
    return out.astype(np.float32)


def scene_vertices(scene: Scene) -> Dict[str, np.ndarray]:
    """Flatten a scene into one triangle soup: ``vertices`` (V, 15) float32 rows of
    (world position 3, world normal 3, texture coordinates 3, albedo 3, albedo2 3),
    ``material`` (V, 3) float32 (specular, shininess, texture id), ``ids`` (V,) int32
    instance ids and ``faces`` (F, 3) uint32."""
    verts, mats, ids, faces = [], [], [], []
    base = 0
    # objects before the room: the room pixels they hide then fail the early depth test
    for obj in scene.furniture + scene.objects[:ROOM_SURFACES]:
        m = obj.material
        to_local = np.linalg.inv(obj.local_to_world)
        for part in obj.parts:
            mesh = scene.meshes[part.mesh] if part.shape == 'mesh' else primitive(part.shape)
            a = part.to_world
            v = mesh.vertices.astype(np.float64) @ a[:3, :3].T + a[:3, 3]
            n = mesh.normals.astype(np.float64) @ np.linalg.inv(a[:3, :3])
            n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
            t = (v @ to_local[:3, :3].T + to_local[:3, 3]) * m.texture_scale
            k = len(v)
            verts.append(np.concatenate([v, n, t, np.tile(m.albedo, (k, 1)),
                                         np.tile(m.albedo2, (k, 1))], 1))
            mats.append(np.tile((m.specular, m.shininess, TEXTURE_ID[m.texture]), (k, 1)))
            ids.append(np.full(k, obj.instance_id, np.int32))
            faces.append(mesh.faces.astype(np.int64) + base)
            base += k
    return dict(vertices=np.concatenate(verts).astype(np.float32),
                material=np.concatenate(mats).astype(np.float32),
                ids=np.concatenate(ids), faces=np.concatenate(faces).astype(np.uint32))


class GLRenderer:
    """Render RGB, depth, normals, instance and semantic ids of a :class:`Scene`.

    ``GLRenderer(width, height, shadows=True, shadow_size=384)`` creates one headless EGL
    context; reuse the object for many renders (the context costs 0.1-0.5 s). The scene's
    GPU buffers and shadow map are cached and rebuilt only when a different scene object
    comes in: treat scenes as immutable once rendered, or call :meth:`clear_cache`.
    """

    def __init__(self, width: int, height: int, shadows: bool = True,
                 shadow_size: int = 384) -> None:
        self.width, self.height = int(width), int(height)
        self.shadows = bool(shadows)
        self.shadow_size = int(shadow_size)
        self.ctx = create_egl_context()
        ctx = self.ctx
        self.prog = ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        self.shadow_prog = ctx.program(vertex_shader=_SHADOW_VERTEX,
                                       fragment_shader=_SHADOW_FRAGMENT)
        size = (self.width, self.height)
        self.tex_color = ctx.texture(size, 4, dtype='f1')
        self.tex_geom = ctx.texture(size, 4, dtype='f4')
        self.tex_id = ctx.texture(size, 1, dtype='i4')
        self.depth_rb = ctx.depth_renderbuffer(size)
        self.fbo = ctx.framebuffer([self.tex_color, self.tex_geom, self.tex_id], self.depth_rb)
        s = self.shadow_size
        self.shadow_tex = ctx.depth_texture((6 * s, s))
        self.shadow_tex.compare_func = ''  # sample raw depth
        self.shadow_tex.repeat_x = self.shadow_tex.repeat_y = False
        import moderngl
        self.shadow_tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.shadow_fbo = ctx.framebuffer(depth_attachment=self.shadow_tex)
        self._scene: Optional[Scene] = None
        self._gpu = []

    def clear_cache(self) -> None:
        """Forget the cached scene (call after modifying a scene that was rendered)."""
        self._scene = None

    # ------------------------------------------------------------------ scene upload
    def _upload(self, scene: Scene) -> None:
        if self._scene is scene:
            return
        for obj in self._gpu:
            obj.release()
        ctx = self.ctx
        data = scene_vertices(scene)
        vbo = ctx.buffer(np.concatenate([data['vertices'], data['material']], 1).tobytes())
        idb = ctx.buffer(data['ids'].tobytes())
        ibo = ctx.buffer(data['faces'].tobytes())
        self.vao = ctx.vertex_array(self.prog, [
            (vbo, '3f 3f 3f 3f 3f 3f', 'in_pos', 'in_normal', 'in_tex', 'in_a1', 'in_a2',
             'in_mat'), (idb, 'i', 'in_id')], index_buffer=ibo, index_element_size=4)
        self.shadow_vao = ctx.vertex_array(self.shadow_prog, [
            (vbo, '3f 60x', 'in_pos')], index_buffer=ibo, index_element_size=4)
        self._gpu = [vbo, idb, ibo, self.vao, self.shadow_vao]
        self._lut = scene.semantic_lut()
        lights = scene.lights[:MAX_LIGHTS]
        pos = np.zeros((MAX_LIGHTS, 3), np.float32)
        rgb = np.zeros((MAX_LIGHTS, 3), np.float32)
        for i, lt in enumerate(lights):
            pos[i], rgb[i] = lt.position, lt.color * lt.intensity
        p = self.prog
        p['n_lights'].value = len(lights)
        p['light_pos'].write(pos.tobytes())
        p['light_rgb'].write(rgb.tobytes())
        p['ambient'].value = float(scene.ambient)
        self._shadow_ready = False
        self._scene = scene

    def _render_shadow_map(self, scene: Scene) -> None:
        far = float(np.linalg.norm(scene.room_size)) + 1.0
        mats = _cube_face_matrices(np.asarray(scene.lights[0].position, np.float64), far)
        s = self.shadow_size
        self.shadow_fbo.use()
        self.shadow_fbo.clear(depth=1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        for f in range(6):
            self.shadow_fbo.viewport = (f * s, 0, s, s)
            self.shadow_prog['vp'].write(mats[f].T.tobytes())  # GL is column-major
            self.shadow_vao.render()
        self.prog['face_vp'].write(np.ascontiguousarray(mats.transpose(0, 2, 1)).tobytes())
        self.prog['shadow_texel'].value = 1.0 / s
        self.prog['shadow_nf'].value = (0.05, far)
        self._shadow_ready = True

    # ------------------------------------------------------------------ render
    def render(self, scene: Scene, camera: Camera, K: Optional[np.ndarray] = None,
               postprocess: bool = True) -> Dict[str, np.ndarray]:
        """Render one view.

        Returns ``rgb`` (H, W, 3) uint8, ``depth`` (H, W) float32 z in metres (0 = no
        surface), ``normal`` (H, W, 3) float32 camera-space unit normals facing the camera
        (0 where no surface), ``instance`` (H, W) uint16, ``semantic`` (H, W) uint8, ``K``
        (3, 3) float64 and ``cam_to_world`` (4, 4) float64. ``K`` defaults to
        ``camera.K(W, H)``. With ``postprocess`` the scene config's blur and noise are
        applied to RGB only (noise seeded by ``camera.seed``).
        """
        W, H = self.width, self.height
        K = camera.K(W, H) if K is None else np.asarray(K, np.float64)
        c2w = np.asarray(camera.cam_to_world, np.float64)
        self._upload(scene)
        use_shadow = self.shadows and len(scene.lights) > 0
        if use_shadow and not self._shadow_ready:
            self._render_shadow_map(scene)
        ctx, p = self.ctx, self.prog
        w2c = np.linalg.inv(c2w)
        p['world_to_cam'].write(w2c.T.astype(np.float32).tobytes())
        p['cam_pos'].value = tuple(float(x) for x in c2w[:3, 3])
        p['proj'].value = (2 * K[0, 0] / W, (2 * K[0, 2] + 1) / W - 1,
                           2 * K[1, 1] / H, (2 * K[1, 2] + 1) / H - 1)
        p['depth_ab'].value = ((FAR + NEAR) / (FAR - NEAR), -2 * FAR * NEAR / (FAR - NEAR))
        p['use_shadow'].value = use_shadow
        if use_shadow:
            self.shadow_tex.use(location=0)
            p['shadow_map'].value = 0
        self.fbo.use()
        self.fbo.viewport = (0, 0, W, H)
        self.fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)  # ints must be cleared with 0.0 bits
        ctx.enable(ctx.DEPTH_TEST)
        ctx.disable(ctx.CULL_FACE)
        self.vao.render()

        rgb = np.frombuffer(self.tex_color.read(), np.uint8).reshape(H, W, 4)[..., :3].copy()
        geom = np.frombuffer(self.tex_geom.read(), np.float32).reshape(H, W, 4)
        inst = np.frombuffer(self.tex_id.read(), np.int32).reshape(H, W)
        normal = np.ascontiguousarray(geom[..., :3])
        depth = np.ascontiguousarray(geom[..., 3])
        instance = inst.astype(np.uint16)
        semantic = self._lut[np.minimum(inst, len(self._lut) - 1)]
        if postprocess:
            rgb = postprocess_rgb(rgb, scene.cfg.blur_sigma, scene.cfg.noise_sigma, camera.seed)
        return dict(rgb=rgb, depth=depth, normal=normal, instance=instance, semantic=semantic,
                    K=K, cam_to_world=c2w)

    def release(self) -> None:
        """Free the GL context (the renderer is unusable afterwards)."""
        for obj in self._gpu:
            obj.release()
        self._gpu = []
        self._scene = None
        self.ctx.release()

    def __enter__(self) -> 'GLRenderer':
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def postprocess_rgb(rgb: np.ndarray, blur_sigma: float, noise_sigma: float,
                    seed: int) -> np.ndarray:
    """Gaussian blur (sigma in px) then Gaussian noise (sigma in 0..255 units) of a
    (H, W, 3) uint8 image; deterministic given ``seed``. Returns (H, W, 3) uint8."""
    if blur_sigma > 0:
        rgb = cv2.GaussianBlur(rgb, (0, 0), float(blur_sigma))
    if noise_sigma > 0:
        rng = np.random.default_rng([int(seed), 0x4015E])
        noisy = rgb.astype(np.float32) + rng.normal(0, noise_sigma, rgb.shape).astype(np.float32)
        rgb = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    return rgb
