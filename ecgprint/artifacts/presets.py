"""Named artifact pipelines: clean, print, scan, fax, photo, phone_photo, damaged. Each is usable at any
severity in [0, 1]; severity 0 is the clean page exactly."""

from __future__ import annotations

from .base import Pipeline, pipeline_from_description
from .damage import CoffeeStain, PunchHoles, Staple, StickyNote, TornCorner
from .handwriting import Handwriting
from .photo import Barrel, Defocus, Lighting, Moire, Perspective, Vignetting
from .photometric import Blur, ColourTemperature, Jpeg, MotionBlur, Noise, Tone
from .printing import InkColour, LineWidth, PaperTexture, PrinterResolution, TonerFade
from .scanner import Binarize, DarkEdges, Downsample, Dust, Skew, Streaks
from .wrinkles import Creases, Wrinkles

PRESETS: dict[str, Pipeline] = {
    "clean": Pipeline(),
    "print": Pipeline((PaperTexture(), TonerFade(p=0.7), InkColour(p=0.4), LineWidth(p=0.6),
                       PrinterResolution(p=0.5), Blur(max_sigma_mm=0.1), Noise(max_std=4, max_shot=0.2))),
    "scan": Pipeline((PaperTexture(max_tint=0.6), TonerFade(p=0.4, max_fade=0.3), Skew(), DarkEdges(),
                      Streaks(p=0.6), Dust(), Downsample(max_reduction=0.4), Blur(max_sigma_mm=0.12),
                      Noise(max_std=4, max_shot=0.2), Jpeg(max_drop=50))),
    "fax": Pipeline((Skew(max_deg=2), Dust(max_specks=600, max_hairs=0), Downsample(max_reduction=0.3, y_ratio=0.5),
                     Noise(max_std=10), Streaks(p=0.5), Binarize())),
    "photo": Pipeline((PaperTexture(max_tint=0.5), Perspective(max_margin=0.12, max_jitter=0.03, max_roll_deg=2),
                       Lighting(max_shadow=0.3), Vignetting(max_strength=0.3), Barrel(p=0.5, max_k=0.05),
                       Defocus(max_sigma_mm=0.15), ColourTemperature(), Noise(max_std=5, max_shot=0.3),
                       Jpeg(max_drop=40))),
    "phone_photo": Pipeline((PaperTexture(max_tint=0.6), Perspective(), Lighting(), Vignetting(), Barrel(p=0.5),
                             Moire(p=0.5), MotionBlur(p=0.4), Defocus(), ColourTemperature(), Tone(), Noise(),
                             Jpeg())),
    "damaged": Pipeline((PaperTexture(), CoffeeStain(p=0.7), Handwriting(), Wrinkles(), Creases(p=0.7, max_view=0),
                         PunchHoles(p=0.4), TornCorner(p=0.4), Staple(p=0.4), StickyNote(p=0.4),
                         Noise(max_std=3, max_shot=0.2), Jpeg(max_drop=30))),
}


def preset(name: str) -> Pipeline:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
    return PRESETS[name]


def build_pipeline(preset_name: str, artifacts=None) -> Pipeline:
    """The preset's artifacts followed by a custom description's (see base.parse_description)."""
    return preset(preset_name) + pipeline_from_description(artifacts or ())
