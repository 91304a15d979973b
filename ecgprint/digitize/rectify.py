"""The rectifying map of a page from its grid: the grid lines' tilt and period over the whole page give an affine
map, the same measured on a 3x3 tiling give local Jacobians, and a homography fitted to those undoes perspective."""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from .grid import Darkness, GridFit, grid_points, local_frame

TILES = 3
MIN_TILE_POINTS = 4000
MIN_TILES = 6
MIN_PERSPECTIVE = 0.01      # tiles' Jacobians differing by less (RMS, relative) from the affine: no perspective
MAX_ANISOTROPY = 0.05       # a grid found in the ink must have square cells within this
MIN_GRID_FRACTION = 0.01     # fewer grid pixels than this share of the page: no grid


def no_grid(shape: tuple[int, ...]) -> GridFit:
    """The fit of a page read without a grid: identity map, found=False."""
    return GridFit(np.eye(3), (shape[1], shape[0]), 0.0, (0.0, 0.0), False)


def fit_grid(dark: Darkness) -> GridFit:
    """Map image px -> an upright page at the grid's px per mm (identity and found=False without a grid)."""
    h, w = dark.value.shape
    none = no_grid((h, w))
    enough = MIN_GRID_FRACTION * min(w * h, 300_000)
    xs, ys = grid_points(dark)
    frame = local_frame(xs, ys) if xs.size >= enough else None
    if frame is None:                      # binarized (fax): the grid is ink; trust only a square grid from it
        xs, ys = grid_points(dark, ink=True)
        frame = local_frame(xs, ys) if xs.size >= enough else None
        if frame is None or abs(frame[2] / frame[3] - 1) > MAX_ANISOTROPY:
            return none
    theta, phi, period_u, period_v = frame
    scale = 0.5 * (period_u + period_v)
    to_mm = np.eye(3)
    to_mm[:2, :2] = np.linalg.inv(_jacobian(frame))
    to_mm = _homography(xs, ys, (w, h), to_mm)
    return _framed(np.diag([scale, scale, 1.0]) @ to_mm, (w, h), scale, (np.degrees(theta), np.degrees(phi)))


def _jacobian(frame: tuple[float, float, float, float]) -> np.ndarray:
    """Page mm -> image px Jacobian of a grid patch: columns move 1 mm along page x (along the horizontal lines,
    across the vertical ones at their spacing) and along page y."""
    theta, phi, period_u, period_v = frame
    along_h, along_v = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(phi), np.cos(phi)])
    cos = np.cos(theta - phi)
    return np.stack([along_h * period_u / cos, along_v * period_v / cos], axis=1)


def _homography(xs: np.ndarray, ys: np.ndarray, size: tuple[int, int], affine: np.ndarray) -> np.ndarray:
    """Image px -> page mm homography whose Jacobians match the tiles' (the affine if too few tiles measure)."""
    w, h = size
    centres, targets = [], []
    for i in range(TILES):
        for j in range(TILES):
            inside = ((xs >= i * w / TILES) & (xs < (i + 1) * w / TILES)
                      & (ys >= j * h / TILES) & (ys < (j + 1) * h / TILES))
            if inside.sum() < MIN_TILE_POINTS:
                continue
            frame = local_frame(xs[inside], ys[inside])
            if frame is not None:
                centres.append([xs[inside].mean(), ys[inside].mean()])
                targets.append(np.linalg.inv(_jacobian(frame)))
    if len(centres) < MIN_TILES:
        return affine
    centres, targets = np.asarray(centres), np.asarray(targets)
    norm = np.abs(targets).max()

    def residual(p):
        g = np.array([[p[0], p[1], 0.0], [p[2], p[3], 0.0], [p[4], p[5], 1.0]])
        return ((_jacobians(g, centres) - targets) / norm).ravel()

    start = [affine[0, 0], affine[0, 1], affine[1, 0], affine[1, 1], 0.0, 0.0]
    p = least_squares(residual, start, x_scale=[norm] * 4 + [1e-4, 1e-4]).x
    before, after = np.sqrt(np.mean(residual(start) ** 2)), np.sqrt(np.mean(residual(p) ** 2))
    if before < MIN_PERSPECTIVE or after > 0.5 * before:
        return affine                      # the tiles agree with one affine map (or the fit explains nothing)
    g = np.array([[p[0], p[1], 0.0], [p[2], p[3], 0.0], [p[4], p[5], 1.0]])
    corners = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], np.float64) @ g.T
    return g if np.all(corners[:, 2] > 0.5) else affine


def _jacobians(g: np.ndarray, points: np.ndarray) -> np.ndarray:
    """[n, 2, 2] Jacobians of the homography g at the image points."""
    x, y = points[:, 0], points[:, 1]
    wgt = g[2, 0] * x + g[2, 1] * y + 1.0
    u = (g[0, 0] * x + g[0, 1] * y + g[0, 2]) / wgt
    v = (g[1, 0] * x + g[1, 1] * y + g[1, 2]) / wgt
    return np.stack([np.stack([(g[0, 0] - u * g[2, 0]) / wgt, (g[0, 1] - u * g[2, 1]) / wgt], -1),
                     np.stack([(g[1, 0] - v * g[2, 0]) / wgt, (g[1, 1] - v * g[2, 1]) / wgt], -1)], 1)


def _framed(matrix: np.ndarray, size: tuple[int, int], scale: float, angles) -> GridFit:
    """Shift the map so the whole image lands at non-negative px; the upright size covers it."""
    w, h = size
    corners = matrix @ np.array([[0, w - 1, 0, w - 1], [0, 0, h - 1, h - 1], [1, 1, 1, 1]], np.float64)
    corners = corners[:2] / corners[2]
    shift = np.eye(3)
    shift[:2, 2] = -corners.min(axis=1)
    out = tuple(int(np.ceil(v)) + 1 for v in corners.max(axis=1) - corners.min(axis=1))
    return GridFit(shift @ matrix, out, float(scale), (float(angles[0]), float(angles[1])), True)
