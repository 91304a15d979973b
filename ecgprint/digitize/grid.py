"""Ink and grid: darkness against the local paper separates trace ink from grid lines; the grid lines' tilt
(projection sharpness) and period (autocorrelation) are measured here, rectify.py turns them into the upright map."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BG_KERNEL_PX = 41          # paper brightness is the local max over this window (lighting, vignetting)
GRID_MIN_DARK = 0.10       # a pixel this much darker than the paper (min channel) may be a grid line
TRACE_MIN_DARK = 0.45      # darkness (max channel) from which a pixel is trace ink, unless Otsu says more
INK_GROW_DARK, GROW_STEP = 0.25, 0.05   # grown ink: fainter strokes touching the ink, from this darkness up
MAX_GROWN_HEIGHT = 0.5     # ... in regions no taller than this share of the page (taller: grid lines, streaks)
SPECK_MM = 0.6             # ink blobs smaller than this both ways are specks, not trace
MAX_INK_SHARE = 0.05       # traces and text cover less of a page than this
MIN_RESPLIT = 0.7          # Otsu separability of grid + ink in the darker class (black grid 0.85, one pen 0.54)
MAX_ANGLE_DEG = 6.0
MAX_POINTS = 300_000
INK_RIM_PX = 2             # pixels this close to ink are its rim, not grid
MIN_PX_PER_MM, MAX_PX_PER_MM = 2.5, 25.0   # 64..635 dpi
BACKGROUND_LEVEL = 0.6      # a photo's table or a scanner lid: darker than this share of the sheet's brightness
MIN_SHEET_SHARE = 0.3       # the sheet is the largest bright region, if it covers at least this much of the image
SHEET_MARGIN_PX = 12        # a band this wide inside the sheet's outline is left out with the surround


@dataclass(frozen=True)
class Darkness:
    """Per-pixel darkness relative to the local paper, 0 (paper) .. 1 (black): `value` from the brightest
    channel (trace ink), `any` from the darkest channel (any printed line, coloured grids included)."""

    value: np.ndarray
    any: np.ndarray
    ink_threshold: float


@dataclass(frozen=True)
class GridFit:
    """`to_rectified` maps image px to an upright page sampled at `px_per_mm` (both axes); `found` is False when
    no grid period could be measured (then the map is the identity and px_per_mm is 0)."""

    to_rectified: np.ndarray
    size: tuple[int, int]
    px_per_mm: float
    angles_deg: tuple[float, float]     # tilt of the horizontal and of the vertical grid lines
    found: bool


def darkness(image: np.ndarray) -> Darkness:
    """Darkness maps of an RGB uint8 image, normalised by the local paper brightness."""
    paper = np.maximum(_paper_brightness(image), 32.0)
    r, g, b = cv2.split(image.astype(np.float32) / paper)      # each channel against the paper's own tint
    dark_value = 1.0 - np.clip(np.maximum(np.maximum(r, g), b), 0.0, 1.0)
    dark_any = 1.0 - np.clip(np.minimum(np.minimum(r, g), b), 0.0, 1.0)
    outside = ~sheet(image)
    dark_value[outside] = 0.0          # the surround is not ink: next to the sheet it looks dark against the paper
    dark_any[outside] = 0.0
    return Darkness(dark_value, dark_any, _ink_threshold(dark_value))


def _paper_brightness(image: np.ndarray) -> np.ndarray:
    """float32 [h, w, 3] local paper brightness: the max over BG_KERNEL_PX, smoothed by a Gaussian of half that
    width."""
    lit = cv2.dilate(image, np.ones((BG_KERNEL_PX, BG_KERNEL_PX), np.uint8)).astype(np.float32)
    return cv2.GaussianBlur(lit, (0, 0), BG_KERNEL_PX / 2)


def sheet(image: np.ndarray) -> np.ndarray:
    """Boolean mask of the paper sheet: the largest region brighter than BACKGROUND_LEVEL of the sheet's brightness
    (lines and text smoothed away), holes filled, less a SHEET_MARGIN_PX band along its outline (the whole image
    when no such surround shows: a scan), less the surround that shows only as a thin strip along an image edge."""
    scale = max(1, min(image.shape[:2]) // 256)
    small = cv2.resize(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), None, fx=1 / scale, fy=1 / scale,
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    level = BACKGROUND_LEVEL * np.percentile(small, 90)
    inside = ~_edge_strips(cv2.max(cv2.max(image[..., 0], image[..., 1]), image[..., 2]), level)
    bright = (small >= level).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2 or bright.all():
        return inside
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[largest, cv2.CC_STAT_AREA] < MIN_SHEET_SHARE * bright.size:
        return inside
    contours, _ = cv2.findContours((labels == largest).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = cv2.drawContours(np.zeros_like(bright), contours, -1, 1, thickness=cv2.FILLED)
    margin = 2 * (SHEET_MARGIN_PX // scale) + 1            # the sheet's own edge and shadow are not ink either
    filled = cv2.erode(filled, np.ones((margin, margin), np.uint8))
    return cv2.resize(filled, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool) & inside


def _edge_strips(lit: np.ndarray, level: float) -> np.ndarray:
    """Boolean mask of the surround too thin for sheet's downscaled search (a photo cropped close to the sheet), from
    the brightest channel `lit`: along each image edge, a run of lines darker than `level` over most of their length
    that starts within SHEET_MARGIN_PX of the edge (after a turned page's fill), and SHEET_MARGIN_PX beyond it.
    Traces and text darken no such line and a coloured grid line has a bright channel."""
    out = np.zeros(lit.shape, bool)
    for axis in (0, 1):
        dark = (lit < level).mean(axis=1 - axis) >= 0.5      # per row (axis 0) or column (axis 1)
        for lines, at_end in ((dark, False), (dark[::-1], True)):
            first = np.flatnonzero(lines[:SHEET_MARGIN_PX])
            if not first.size:
                continue
            stop = first[0] + int(np.argmin(lines[first[0]:])) if not lines[first[0]:].all() else len(lines)
            k = min(len(lines), stop + SHEET_MARGIN_PX)
            band = slice(len(lines) - k, None) if at_end else slice(0, k)
            out[(band, slice(None)) if axis == 0 else (slice(None), band)] = True
    return out


def _ink_threshold(dark: np.ndarray) -> float:
    """Otsu's threshold over the clearly printed pixels, never below TRACE_MIN_DARK; repeated over the darker class
    while that class is more than MAX_INK_SHARE of the page (dark grid lines) and splits in two (Otsu's separability
    at least MIN_RESPLIT: a thick pen on a dense page is more than that share too, and is one ink, not two)."""
    threshold = 0.15
    for attempt in range(3):
        printed = dark[dark > threshold]
        if printed.size < 100:
            break
        hist, edges = np.histogram(printed, bins=64, range=(threshold, 1.0))
        weight = np.cumsum(hist)
        mean = np.cumsum(hist * edges[:-1])
        total, total_mean = weight[-1], mean[-1]
        between = (total_mean * weight - total * mean) ** 2 / np.maximum(weight * (total - weight), 1)
        spread = float(np.dot(hist, (edges[:-1] - total_mean / total) ** 2)) * total     # total^2 x variance
        if attempt and between.max() < MIN_RESPLIT * spread:
            break
        threshold = max(TRACE_MIN_DARK, float(edges[int(np.argmax(between)) + 1]))
        if np.mean(dark > threshold) <= MAX_INK_SHARE:
            break
    return max(TRACE_MIN_DARK, threshold)


def ink_mask(dark: Darkness, px_per_mm: float, grow: bool = False) -> np.ndarray:
    """Trace-ink pixels without specks: connected blobs smaller than SPECK_MM both ways (dust, the dots a fax
    makes of grid lines) are dropped. `grow`: also the fainter strokes they touch (hysteresis), a thin or faded
    pen's flat stretches: down to the lowest darkness from INK_GROW_DARK up in GROW_STEP steps at which no grown
    region is taller than MAX_GROWN_HEIGHT of the page or the tallest ink blob (else the grid or a streak joined)."""
    ink = (dark.value > dark.ink_threshold).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    speck = SPECK_MM * px_per_mm
    small = (stats[:, cv2.CC_STAT_WIDTH] < speck) & (stats[:, cv2.CC_STAT_HEIGHT] < speck)
    small[0] = False
    strong = ~small[labels] & (ink > 0)
    if not grow:
        return strong
    tallest = max(MAX_GROWN_HEIGHT * ink.shape[0], float(stats[1:, cv2.CC_STAT_HEIGHT].max(initial=0)))
    for low in np.arange(INK_GROW_DARK, dark.ink_threshold, GROW_STEP):
        count, labels, stats, _ = cv2.connectedComponentsWithStats((dark.value > low).astype(np.uint8),
                                                                   connectivity=8)
        seeded = np.zeros(count, bool)
        seeded[np.unique(labels[strong])] = True
        seeded[0] = False
        if stats[seeded, cv2.CC_STAT_HEIGHT].max(initial=0) <= tallest:
            grown = seeded[labels]
            return grown if grown.mean() <= MAX_INK_SHARE else strong
    return strong


def grid_points(dark: Darkness, ink: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) float coordinates of up to MAX_POINTS pixels that look like grid lines (printed, lighter than ink),
    or with `ink` of all ink pixels (a binarized page, where the grid is as black as the trace). The soft rim
    of ink (anti-aliasing, blur; within INK_RIM_PX) is not grid: on a page without a grid its two edges along the pen
    made a period of about the pen's width."""
    inked = dark.value > dark.ink_threshold
    if ink:
        mask = inked
    else:
        rim = cv2.dilate(inked.astype(np.uint8), np.ones((2 * INK_RIM_PX + 1,) * 2, np.uint8)).astype(bool)
        mask = (dark.any > GRID_MIN_DARK) & ~rim
    ys, xs = np.nonzero(mask)
    if xs.size > MAX_POINTS:
        pick = np.random.default_rng(0).choice(xs.size, MAX_POINTS, replace=False)
        xs, ys = xs[pick], ys[pick]
    return xs.astype(np.float64), ys.astype(np.float64)


def local_frame(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float] | None:
    """(theta, phi, period_u, period_v) of grid points: tilt (rad) of the horizontal and of the vertical lines
    (projection sharpness) and px per mm across the vertical and across the horizontal lines (autocorrelation);
    None if neither period shows."""
    theta = _sharpest_angle(ys, -xs)       # horizontal lines: y cos - x sin is constant along them
    phi = _sharpest_angle(xs, ys)          # vertical lines: x cos + y sin is constant along them
    period_u = _period_mm(xs * np.cos(phi) + ys * np.sin(phi))
    period_v = _period_mm(ys * np.cos(theta) - xs * np.sin(theta))
    if period_u is None and period_v is None:
        return None
    # one family of lines lost (a fax's blurred rows, faint dotted lines): grid cells are square on paper and the
    # lost family is square to the other, so its period and tilt come from the family that shows
    if period_u is None:
        phi = theta
    elif period_v is None:
        theta = phi
    return theta, phi, period_u or period_v, period_v or period_u


def _sharpness(a: np.ndarray, b: np.ndarray, angle: float) -> float:
    """How peaked the histogram (1 px bins) of a cos + b sin is: grid lines line up at the right angle."""
    proj = a * np.cos(angle) + b * np.sin(angle)
    hist = np.bincount((proj - proj.min()).astype(np.int64))
    return float(np.dot(hist, hist))


def _sharpest_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Coarse-to-fine search of the angle (rad) within +-MAX_ANGLE_DEG maximising _sharpness."""
    centre, step = 0.0, 0.5
    while step > 0.004:
        grid = centre + step * np.arange(-6, 7) if step < 0.5 else np.arange(-MAX_ANGLE_DEG, MAX_ANGLE_DEG + 0.01, 0.5)
        scores = [_sharpness(a, b, np.radians(g)) for g in grid]
        centre, step = float(grid[int(np.argmax(scores))]), step / 5
    return float(np.radians(centre))


def _period_mm(coord: np.ndarray) -> float | None:
    """Pixels per mm along one axis from the autocorrelation of the grid pixels' projection: the first clear peak
    is the 1 mm (or, without minor lines, 5 mm) spacing; refined on a far peak for sub-pixel accuracy. Majors every
    fifth line make the fifth peak stand above the second to fourth *and* the sixth, on peaks taken +-1 px wide: 5
    mm lines alone at a fractional px spacing land on alternating whole px, and their 1-px-wide peaks beat (0.69,
    0.85, 0.79, 0.70, 0.88, 0.60): a rise at the fifth read them as 1 mm lines, 5 x the scale."""
    profile = np.bincount((coord - coord.min()).astype(np.int64)).astype(np.float64)
    profile -= cv2.blur(profile.reshape(1, -1), (int(6 * MAX_PX_PER_MM), 1)).ravel()
    n = profile.size
    spec = np.fft.rfft(profile, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    if ac[0] <= 0:
        return None
    ac /= ac[0]
    first = _first_peak(ac, int(MIN_PX_PER_MM), int(5 * MAX_PX_PER_MM))
    if first is None:
        return None
    wide = np.convolve(ac, np.ones(3) / 3, mode="same")      # a line at a fractional px spacing lands +-1 px
    peak = [wide[_near(ac, k * first - first / 3):_near(ac, k * first + first / 3) + 1].max() for k in range(2, 7)]
    if peak[3] > np.mean(peak[:3]) + 0.05 and peak[3] > peak[4]:   # minor lines (or a dotted line's dots) at
        step, step_mm = _refine(ac, 5 * first, first / 3) or 5 * first, 5.0    # `first`, majors every fifth
    elif first < 5 * MIN_PX_PER_MM:
        step, step_mm = first, 1.0              # too close to be 5 mm apart at any supported resolution
    else:
        step, step_mm = first, 5.0              # only 5 mm lines
    m = 1
    while step and 2 * m * step < 0.6 * n:      # doubling keeps each prediction within a fraction of a pixel
        m *= 2
        found = _refine(ac, m * step, first / 3)
        if found is None or found / m < step_mm * MIN_PX_PER_MM:
            return None                         # the far peak is not a multiple of the near one: no grid period
        step = found / m
    return step / step_mm


def _first_peak(ac: np.ndarray, lo: int, hi: int) -> float | None:
    hi = min(hi, ac.size - 2)
    for lag in range(max(lo, 2), hi):
        if ac[lag] > 0.15 and ac[lag] >= ac[lag - 2:lag + 3].max():
            return _parabolic(ac, lag)
    return None


def _near(ac: np.ndarray, lag: float) -> int:
    return int(min(ac.size - 1, round(lag)))


def _refine(ac: np.ndarray, lag: float, half: float) -> float | None:
    """Sub-pixel position of the largest autocorrelation peak within lag +- half."""
    lo, hi = int(max(2, lag - half)), int(min(ac.size - 2, lag + half))
    if hi <= lo:
        return None
    return _parabolic(ac, lo + int(np.argmax(ac[lo:hi + 1])))


def _parabolic(ac: np.ndarray, i: int) -> float:
    a, b, c = ac[i - 1], ac[i], ac[i + 1]
    denom = a - 2 * b + c
    return float(i + (0.5 * (a - c) / denom if denom < 0 else 0.0))
