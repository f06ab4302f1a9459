# Copyright (c) synthssl contributors.
"""Colours and materials: HSV palettes of a ``Style``, black-body light colours, and the
random material of an object or a room surface."""
import numpy as np

from .config import TEXTURE_ID, SceneConfig, Style, sample_range
from .objects import Material


def hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    h = (h % 1.0) * 6
    i = int(h) % 6
    f = h - int(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.asarray(rgb, np.float64) ** 2.2  # sRGB-ish -> linear


def kelvin_rgb(kelvin: float) -> np.ndarray:
    """Rough linear RGB of a black body (normalised to max 1)."""
    t = kelvin / 100.0
    r = 255.0 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    g = 99.47 * np.log(t) - 161.12 if t <= 66 else 288.12 * (t - 60) ** -0.0755
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.52 * np.log(t - 10) - 305.04)
    rgb = np.clip([r, g, b], 1, 255) / 255.0
    return rgb ** 2.2 / (rgb ** 2.2).max()


def sample_material(rng: np.random.Generator, style: Style, cfg: SceneConfig,
              room: bool = False) -> Material:
    hue_r = style.room_hue if room else style.hue
    sat_r = style.room_saturation if room else style.saturation
    val_r = style.room_value if room else style.value
    h, s, v = sample_range(rng, hue_r), sample_range(rng, sat_r), sample_range(rng, val_r)
    a1 = hsv_to_rgb(h, s, v)
    # the second texture colour: a darker / shifted variant or a contrasting hue
    if rng.random() < 0.5:
        a2 = hsv_to_rgb(h + rng.uniform(-0.05, 0.05), s, v * rng.uniform(0.35, 0.7))
    else:
        a2 = hsv_to_rgb(sample_range(rng, hue_r), sample_range(rng, sat_r), sample_range(rng, val_r))
    kinds = list(cfg.texture_kinds)
    w = np.array([style.texture_weights[TEXTURE_ID[k]] for k in kinds], np.float64)
    tex = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    scale = float(np.exp(rng.uniform(np.log(1.0), np.log(3.0) if room else np.log(8.0))))
    return Material(albedo=a1, albedo2=a2, texture=tex, texture_scale=scale,
                    specular=sample_range(rng, style.specular) * (0.3 if room else 1.0),
                    shininess=sample_range(rng, style.shininess))
