# Copyright (c) synthssl contributors.
"""What a scene sampler draws from: the class and texture tables, the appearance
``Style`` of a domain and the sampler's knobs (``SceneConfig``)."""
import os.path as osp
from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple

import numpy as np

CLASSES = ('void', 'floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair',
           'shelf', 'mesh')
CLASS_ID = {name: i for i, name in enumerate(CLASSES)}
TEXTURES = ('flat', 'checker', 'stripes', 'noise')
TEXTURE_ID = {name: i for i, name in enumerate(TEXTURES)}

Range = Tuple[float, float]


#: the kinds of object the sampler can place
OBJECT_KINDS = ('box', 'cylinder', 'sphere', 'table', 'chair', 'shelf', 'mesh')


def sample_range(rng: np.random.Generator, r: Range) -> float:
    """A uniform draw from the inclusive range ``r = (low, high)``."""
    return float(rng.uniform(r[0], r[1]))


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
        bad = [k for k in self.object_kinds if k not in OBJECT_KINDS]
        if bad:
            raise ValueError(f'unknown object kinds {bad}; expected a subset of {OBJECT_KINDS}')
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
