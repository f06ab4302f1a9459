# Copyright (c) synthssl contributors.
"""Throughput of the moderngl/EGL renderer, one process. Prints ONE JSON object::

    OMP_WAIT_POLICY=PASSIVE python tools/benchmarks/render_throughput.py [--size 227]

Every configuration renders the same views (``--scenes`` rooms x ``--views-per-scene``,
RGB + depth + normal + instance + semantic, scene sampling and camera sampling included),
once as a warm-up and then ``--repeats`` timed runs; the JSON reports the median and the
range in views/s. These machines are noisy, so the ratios between configurations measured
in the same run (``ratios``) are the numbers to compare across machines.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from typing import Callable, Dict

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
from synthssl.render.rasterizer import GLRenderer  # noqa: E402
from synthssl.render.scene import SceneConfig, sample_scene  # noqa: E402
from synthssl.render.writer import view_key, write_view  # noqa: E402


def timed(fn: Callable[[], int], repeats: int) -> Dict:
    """Warm up once, then time ``repeats`` runs of ``fn`` (which returns a view count)."""
    fn()
    rates, cpu_rates = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        n = fn()
        rates.append(n / (time.perf_counter() - t))
        cpu_rates.append(n / max(time.process_time() - c, 1e-9))
    return dict(views_per_s=round(statistics.median(rates), 2),
                min=round(min(rates), 2), max=round(max(rates), 2), views=n,
                views_per_cpu_s=round(statistics.median(cpu_rates), 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=int, default=227)
    parser.add_argument('--scenes', type=int, default=8)
    parser.add_argument('--views-per-scene', type=int, default=5)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--style', default='indoor')
    args = parser.parse_args()
    S, V, size = args.scenes, args.views_per_scene, args.size
    cfg = SceneConfig(style=args.style)
    t = time.perf_counter()
    shadow_r = GLRenderer(size, size, shadows=True)
    context_s = time.perf_counter() - t
    plain_r = GLRenderer(size, size, shadows=False)
    tmp = tempfile.mkdtemp(prefix='render_bench_')

    def in_memory(r: GLRenderer, views_per_scene: int = V, scenes: int = S) -> Callable[[], int]:
        def run() -> int:
            for s in range(scenes):
                scene = sample_scene(1000 + s, cfg)
                for v in range(views_per_scene):
                    r.render(scene, scene.camera(v))
            return scenes * views_per_scene
        return run

    def to_disk(r: GLRenderer) -> Callable[[], int]:
        def run() -> int:
            for s in range(S):
                scene = sample_scene(1000 + s, cfg)
                for v in range(V):
                    write_view(tmp, view_key(s, v), r.render(scene, scene.camera(v)))
            return S * V
        return run

    outputs = [shadow_r.render(sc, sc.camera(v)) for sc in
               (sample_scene(1000 + s, cfg) for s in range(S)) for v in range(V)]

    def write_only() -> int:
        for i, out in enumerate(outputs):
            write_view(tmp, view_key(i // V, i % V), out)
        return len(outputs)

    def sampling_only() -> int:
        for s in range(S):
            scene = sample_scene(1000 + s, cfg)
            scene.cameras(V)
        return S * V

    try:
        res = dict(
            in_memory_shadows=timed(in_memory(shadow_r), args.repeats),
            in_memory_no_shadows=timed(in_memory(plain_r), args.repeats),
            to_disk_shadows=timed(to_disk(shadow_r), args.repeats),
            to_disk_no_shadows=timed(to_disk(plain_r), args.repeats),
            in_memory_shadows_new_scene_every_view=timed(
                in_memory(shadow_r, views_per_scene=1, scenes=S * V), args.repeats),
            encode_and_write_only=timed(write_only, args.repeats),
            scene_and_camera_sampling_only=timed(sampling_only, args.repeats),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r = {k: v['views_per_s'] for k, v in res.items()}
    ms = {k: round(1000.0 / v, 2) for k, v in r.items()}
    print(json.dumps(dict(
        benchmark='render_throughput', size=[size, size], processes=1,
        outputs='rgb u8 + depth f32 + normal f32 + instance u16 + semantic u8 (+ png files '
                'for to_disk)',
        scenes=S, views_per_scene=V, views_per_run=S * V,
        timing=f'median of {args.repeats} runs after 1 warm-up run (min/max given); scene '
               f'and camera sampling included; one GL context per renderer. views_per_s is '
               f'wall clock; views_per_cpu_s divides by this process\'s CPU time (all its '
               f'threads), which is less sensitive to other load on the machine',
        results=res, ms_per_view=ms,
        ratios=dict(
            shadows_over_no_shadows=round(r['in_memory_shadows'] / r['in_memory_no_shadows'], 3),
            disk_over_in_memory=round(r['to_disk_shadows'] / r['in_memory_shadows'], 3),
            render_ms_over_encode_write_ms=round(ms['in_memory_shadows']
                                                 / ms['encode_and_write_only'], 3),
            new_scene_every_view_over_5_views_per_scene=round(
                r['in_memory_shadows_new_scene_every_view'] / r['in_memory_shadows'], 3)),
        context_creation_s=round(context_s, 3),
        load_average=[round(x, 2) for x in os.getloadavg()],
        gl_renderer=shadow_r.ctx.info.get('GL_RENDERER'),
        shadow_map=f'{shadow_r.shadow_size}px x 6 cube faces (dominant light), once per scene',
        lp_num_threads=os.environ.get('LP_NUM_THREADS'),
        cpu_count=os.cpu_count(), python=platform.python_version(), style=args.style)))


if __name__ == '__main__':
    main()
