"""Paper geometry: page sizes, resolution, paper speed and gain, grid styles; the only mm<->px conversion."""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
PAGE_SIZES_MM: dict[str, tuple[float, float]] = {  # portrait (width, height)
    "letter": (215.9, 279.4),
    "a4": (210.0, 297.0),
}
SPEEDS_MM_S = (12.5, 25.0, 50.0)
GAINS_MM_MV = (5.0, 10.0, 20.0)

# Grid styles: (paper colour, minor-line colour, major-line colour) as RGB; None = no grid.
GRID_STYLES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]] | None] = {
    "red": ((255, 255, 255), (250, 175, 175), (235, 95, 95)),
    "pink": ((255, 250, 250), (252, 205, 215), (245, 150, 170)),
    "orange": ((255, 253, 248), (250, 205, 160), (235, 140, 60)),
    "blue": ((255, 255, 255), (180, 205, 245), (100, 145, 225)),
    "green": ((255, 255, 255), (175, 225, 185), (90, 175, 110)),
    "grey": ((255, 255, 255), (215, 215, 215), (150, 150, 150)),
    "bw": ((255, 255, 255), (200, 200, 200), (90, 90, 90)),
    "none": None,
}


@dataclass(frozen=True)
class Paper:
    """A printed page: size, orientation, resolution, speed (mm/s), gain (mm/mV), margins and grid style."""

    size: str = "letter"
    orientation: str = "landscape"
    dpi: float = 200.0
    speed: float = 25.0
    gain: float = 10.0
    margin_mm: float = 5.0
    grid: str = "red"

    def __post_init__(self) -> None:
        if self.size not in PAGE_SIZES_MM:
            raise ValueError(f"paper size must be one of {sorted(PAGE_SIZES_MM)}, got {self.size!r}")
        if self.orientation not in ("landscape", "portrait"):
            raise ValueError(f"orientation must be 'landscape' or 'portrait', got {self.orientation!r}")
        if not 72 <= self.dpi <= 600:
            raise ValueError(f"dpi must be within 72..600, got {self.dpi}")
        if self.speed not in SPEEDS_MM_S:
            raise ValueError(f"speed must be one of {SPEEDS_MM_S} mm/s, got {self.speed}")
        if self.gain not in GAINS_MM_MV:
            raise ValueError(f"gain must be one of {GAINS_MM_MV} mm/mV, got {self.gain}")
        if not 0 <= self.margin_mm <= 30:
            raise ValueError(f"margin_mm must be within 0..30, got {self.margin_mm}")
        if self.grid not in GRID_STYLES:
            raise ValueError(f"grid must be one of {sorted(GRID_STYLES)}, got {self.grid!r}")

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) of the page in mm, orientation applied."""
        w, h = PAGE_SIZES_MM[self.size]
        return (h, w) if self.orientation == "landscape" else (w, h)

    @property
    def px_per_mm(self) -> float:
        return self.dpi / MM_PER_INCH

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) of the raster in pixels."""
        w, h = self.size_mm
        return round(w * self.px_per_mm), round(h * self.px_per_mm)

    def to_px(self, mm):
        """Millimetres on the page -> pixel coordinates (pixel centres at integer coordinates)."""
        return mm * self.px_per_mm
