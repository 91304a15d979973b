"""Geometric warps applied to image, label mask and ground truth together, so the truth stays exact.

Two kinds: a homography (exact, composes into `Truth.page_to_image`) and a dense displacement field given
on a coarse grid. The image is resampled through the field's dst -> src map; truth points go the other way
(src -> dst) by solving dst + D(dst) = src with a fixed-point iteration on the same bilinear field.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

from ..truth import Truth, trace_box
from .fields import solid

EDGE_SAMPLES = 9          # points per box edge mapped to find a warped box's extent
SOLVE_ITERATIONS = 50
SOLVE_TOLERANCE_PX = 1e-3


@functools.lru_cache(maxsize=4)
def pixel_grid(width: int, height: int) -> np.ndarray:
    """Read-only float32 (H, W, 2) pixel coordinates (x, y) (cached: building them costs ~8 ms a page)."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    grid = np.dstack([xs, ys])
    grid.flags.writeable = False
    return grid


def apply_homography(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a 3x3 homography; NaN rows stay NaN."""
    homog = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ matrix.T
    return homog[:, :2] / homog[:, 2:3]


def sample_field(field: np.ndarray, points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear value of a coarse (gh, gw, C) field at full-resolution (N, 2) points, with exactly the
    coordinate convention and edge clamping of cv2.resize(INTER_LINEAR), which upsamples it for the image."""
    gh, gw = field.shape[:2]
    w, h = size
    out = []
    for coord, cells, full in ((points[:, 0], gw, w), (points[:, 1], gh, h)):
        f = (coord + 0.5) * cells / full - 0.5
        i0 = np.floor(f)
        frac = f - i0
        frac = np.where((i0 < 0) | (i0 >= cells - 1), 0.0, frac)
        i0 = np.clip(i0, 0, cells - 1).astype(np.int64)
        out.append((i0, np.minimum(i0 + 1, cells - 1), frac[:, None]))
    (x0, x1, ax), (y0, y1, ay) = out
    top = field[y0, x0] * (1 - ax) + field[y0, x1] * ax
    bottom = field[y1, x0] * (1 - ax) + field[y1, x1] * ax
    return top * (1 - ay) + bottom * ay


def invert_field(field: np.ndarray, points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Destination of source points under the dst -> src map dst + field(dst); the field must be a
    contraction (|gradient| < 1), which every artifact's displacement is by a wide margin."""
    out = np.full_like(points, np.nan)
    ok = np.isfinite(points).all(axis=1)
    src = points[ok]
    dst = src - sample_field(field, src, size)
    for _ in range(SOLVE_ITERATIONS):
        new = src - sample_field(field, dst, size)
        step = np.abs(new - dst).max(initial=0.0)
        dst = new
        if step < SOLVE_TOLERANCE_PX:
            out[ok] = dst
            return out
    raise ValueError(f"dense warp: truth points did not converge within {SOLVE_ITERATIONS} iterations "
                     "(the displacement changes too steeply; lower the artifact's ranges)")


def dense_map(field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Full-resolution (H, W, 2) cv2.remap map (src x, y per dst pixel) from a coarse displacement field."""
    return pixel_grid(*size) + cv2.resize(field, size, interpolation=cv2.INTER_LINEAR)


def box_outline(box: list[float], t: np.ndarray) -> np.ndarray:
    """Points along the edges of box [x0, y0, x1, y1], so a warped box's extent follows curved warps."""
    x0, y0, x1, y1 = box
    xs, ys = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
    return np.concatenate([np.stack([xs, np.full_like(xs, y0)], 1), np.stack([xs, np.full_like(xs, y1)], 1),
                           np.stack([np.full_like(ys, x0), ys], 1), np.stack([np.full_like(ys, x1), ys], 1)])


def inside(points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Which (N, 2) points are finite and within the image (pixel edges included)."""
    w, h = size
    with np.errstate(invalid="ignore"):
        return (np.isfinite(points).all(axis=1) & (points[:, 0] >= -0.5) & (points[:, 0] <= w - 0.5)
                & (points[:, 1] >= -0.5) & (points[:, 1] <= h - 0.5))


def map_truth(truth: Truth, point_map, warp: dict, homography: np.ndarray | None = None) -> Truth:
    """Truth after a warp: points, boxes, cells, calibration and text boxes mapped; points pushed off the
    image keep their coordinates and become visible=False; page_to_image composes with a homography and
    becomes None after any other warp; the warp is appended to `warps`."""
    size = (truth.width, truth.height)
    t = np.linspace(0.0, 1.0, EDGE_SAMPLES)
    boxes = [lt.cell for lt in truth.leads] + [tx["box"] for tx in truth.text]
    groups = ([lt.points for lt in truth.leads] + list(truth.calibration) + [box_outline(b, t) for b in boxes])
    # One call for every coordinate of the page: the dense-map solver iterates on all of them together.
    everything = np.concatenate(groups) if groups else np.zeros((0, 2))
    mapped = np.split(point_map(everything), np.cumsum([len(g) for g in groups])[:-1])
    n_leads, n_cal = len(truth.leads), len(truth.calibration)
    leads = [dataclasses.replace(lt, points=p, visible=lt.visible & inside(p, size),
                                 box=trace_box(p, truth.line_px / 2, size), cell=trace_box(c, 0.0, size))
             for lt, p, c in zip(truth.leads, mapped[:n_leads], mapped[n_leads + n_cal:])]
    text = [{**tx, "box": trace_box(b, 0.0, size)} for tx, b in zip(truth.text, mapped[2 * n_leads + n_cal:])]
    page = None if homography is None or truth.page_to_image is None else homography @ truth.page_to_image
    return dataclasses.replace(truth, leads=leads, page_to_image=page, calibration=mapped[n_leads:n_leads + n_cal],
                               text=text, warps=[*truth.warps, warp])


def page_corners(size: tuple[int, int]) -> np.ndarray:
    """The image's outer corners (pixel edges, not centres): TL, TR, BR, BL."""
    w, h = size
    return np.array([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])


def warp_homography(image: np.ndarray, truth: Truth, mask: np.ndarray | None, matrix: np.ndarray, name: str,
                    background) -> tuple[np.ndarray, Truth, np.ndarray | None]:
    """Warp image (bilinear), mask (nearest) and truth by a src -> dst 3x3 homography in pixels; `background`
    (an RGB colour or an image of the same size) shows wherever the page does not reach, with an
    anti-aliased page edge."""
    size = (truth.width, truth.height)
    out = cv2.warpPerspective(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    coverage = np.zeros(image.shape[:2], np.uint8)
    quad = np.rint(apply_homography(page_corners(size), matrix) * 16).astype(np.int32)
    cv2.fillConvexPoly(coverage, quad, 255, cv2.LINE_AA, 4)
    if np.ndim(background) == 1:
        background = solid(image.shape[:2], background)
    # Background where the page is absent, a blend on the anti-aliased edge only (a few thousand pixels):
    # much cheaper than blending the whole frame.
    cv2.copyTo(background, cv2.compare(coverage, 0, cv2.CMP_EQ), out)
    edge = cv2.findNonZero(cv2.inRange(coverage, 1, 254))
    if edge is not None:
        xs, ys = edge.reshape(-1, 2).T
        alpha = coverage[ys, xs, None].astype(np.float32) / 255
        out[ys, xs] = np.rint(out[ys, xs] * alpha + background[ys, xs] * (1 - alpha)).astype(np.uint8)
    if mask is not None:
        mask = cv2.warpPerspective(mask, matrix, size, flags=cv2.INTER_NEAREST, borderValue=0)
    warp = {"artifact": name, "kind": "homography", "matrix": matrix.tolist()}
    return out, map_truth(truth, lambda p: apply_homography(p, matrix), warp, matrix), mask


def warp_dense(image: np.ndarray, truth: Truth, mask: np.ndarray | None, field: np.ndarray, name: str,
               params: dict) -> tuple[np.ndarray, Truth, np.ndarray | None]:
    """Warp image, mask and truth by a coarse (gh, gw, 2) dst -> src displacement field in pixels; the
    recorded warp keeps the artifact's parameters, from which the field is rebuilt exactly."""
    size = (truth.width, truth.height)
    full = dense_map(field, size)
    out = cv2.remap(image, full, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if mask is not None:
        mask = cv2.remap(mask, full, None, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    warp = {"artifact": name, "kind": "dense", "params": params}
    return out, map_truth(truth, lambda p: invert_field(field, p, size), warp), mask
