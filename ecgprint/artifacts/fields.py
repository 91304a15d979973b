"""Pixel helpers shared by artifacts: smooth fields computed at low resolution and upsampled, fast noise,
gains and blends on uint8 RGB pages.

Low-frequency effects (illumination, stains, paper mottling, displacement) vary over millimetres, so they are
computed on a grid `COARSE` times smaller and upsampled bilinearly: ~1/64 of the work, no visible change.
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist

import cv2
import numpy as np

COARSE = 8
# Standard-normal quantiles at the 256 byte values: noise as one random byte per pixel through a lookup table
# is ~6x faster than Generator.standard_normal and indistinguishable on an 8-bit image. The stdlib's quantile
# function gives the same float32 table as scipy.special.ndtri without importing scipy (~0.2 s) on the render path.
NORMAL_LUT = np.array([NormalDist().inv_cdf((k + 0.5) / 256) for k in range(256)]).astype(np.float32)
NORMAL_LUT /= NORMAL_LUT.std()


def coarse_size(size: tuple[int, int], step: int = COARSE) -> tuple[int, int]:
    """(width, height) of the low-resolution grid for a (width, height) page."""
    return max(2, -(-size[0] // step)), max(2, -(-size[1] // step))


@functools.lru_cache(maxsize=8)
def unit_grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only (H, W) float32 coordinates of cell centres in page fractions (0..1 across each axis)."""
    xs, ys = np.meshgrid((np.arange(width, dtype=np.float32) + 0.5) / width,
                         (np.arange(height, dtype=np.float32) + 0.5) / height)
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def upsample(field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear float32 upsampling of a coarse (h, w[, C]) field to a (width, height) page."""
    return cv2.resize(field.astype(np.float32, copy=False), size, interpolation=cv2.INTER_LINEAR)


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Downscale to (width, height) with a Gaussian anti-alias prefilter and bilinear sampling: close to
    INTER_AREA, which costs ~10x more at non-integer factors (22 ms vs 9 ms a page)."""
    sigmas = [0.5 * math.sqrt(max((full / small) ** 2 - 1, 0.0)) for full, small in
              ((image.shape[1], size[0]), (image.shape[0], size[1]))]
    ksize = tuple(2 * math.ceil(3 * s) + 1 if s > 0 else 1 for s in sigmas)
    if ksize != (1, 1):
        image = cv2.GaussianBlur(image, ksize, sigmaX=max(sigmas[0], 1e-3), sigmaY=max(sigmas[1], 1e-3))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def random_bytes(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 uniform random bytes; the bit generator's raw 64-bit words are ~4x faster than Generator.bytes."""
    n = int(np.prod(shape))
    return rng.bit_generator.random_raw(-(-n // 8)).view(np.uint8)[:n].reshape(shape)


def normal_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """float32 standard-normal noise (quantised to 256 levels; see NORMAL_LUT)."""
    return cv2.LUT(random_bytes(rng, shape), NORMAL_LUT)


def smooth_noise(rng: np.random.Generator, size: tuple[int, int], sigma: float) -> np.ndarray:
    """(H, W) float32 Gaussian-blurred white noise of unit standard deviation: a random smooth surface. Wide
    blurs are made on a grid sigma/2 times coarser and upsampled (same look, a fraction of the cost)."""
    step = max(1.0, sigma / 2)
    small = (max(2, round(size[0] / step)), max(2, round(size[1] / step)))
    field = cv2.GaussianBlur(normal_noise(rng, (small[1], small[0])), (0, 0), sigma / step,
                             borderType=cv2.BORDER_REFLECT)
    field /= max(float(field.std()), 1e-6)
    return field if small == tuple(size) else cv2.resize(field, size, interpolation=cv2.INTER_CUBIC)


def multiply(image: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """image * max(gain, 0), saturated to uint8; `gain` is an (h, w) or (h, w, 3) field at any resolution.

    Hot path of every shading artifact: the gain is quantised to uint8 (steps of 1/255, or 1/128 where it
    exceeds 1: at most one grey level of error) before it is upsampled and broadcast to 3 channels, because
    uint8 resizing and a uint8 x uint8 multiply with scale are ~3x faster than the same in float32."""
    gain = np.maximum(gain, 0)
    unit = 255.0 if float(gain.max()) <= 1.0 else 128.0
    gain = cv2.convertScaleAbs(gain, alpha=unit)
    if gain.shape[:2] != image.shape[:2]:
        gain = cv2.resize(gain, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    if gain.ndim == 2:
        gain = cv2.merge([gain] * 3)
    return cv2.multiply(image, gain, scale=1 / unit)


def channel_gains(image: np.ndarray, rgb) -> np.ndarray:
    """Multiply each channel by a constant (white balance, paper tint), through a lookup table."""
    return lut3(image, np.arange(256, dtype=np.float32)[:, None] * np.asarray(rgb, np.float32))


def blend(image: np.ndarray, other, alpha: np.ndarray) -> np.ndarray:
    """image * (1 - alpha) + other * alpha; `other` an image or an RGB colour, `alpha` an (h, w) field in
    [0, 1] at any resolution (quantised to uint8 and blended with uint8 multiplies, as in `multiply`)."""
    a8 = cv2.convertScaleAbs(np.clip(alpha, 0.0, 1.0), alpha=255)
    if a8.shape != image.shape[:2]:
        a8 = cv2.resize(a8, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    a3 = cv2.merge([a8] * 3)
    if np.ndim(other) == 1:
        other = solid(image.shape[:2], other)
    return cv2.add(cv2.multiply(image, cv2.bitwise_not(a3), scale=1 / 255), cv2.multiply(other, a3, scale=1 / 255))


def solid(shape: tuple[int, int], rgb) -> np.ndarray:
    """An (H, W, 3) uint8 image of one colour (cv2.merge of planes: ~20x faster than numpy's broadcast fill)."""
    return cv2.merge([np.full(shape, int(c), np.uint8) for c in rgb])


def wash(image: np.ndarray, amount: np.ndarray, gain: np.ndarray | None = None) -> np.ndarray:
    """Wash the page out towards white by `amount` in [0, 1], an (h, w) field at any resolution: lighter ink,
    paper unchanged (toner loss, glare), i.e. image * (1 - amount) + 255 * amount. An optional `gain` on the
    same grid multiplies the image first, in the same pass."""
    keep = 1 - amount
    if gain is not None:
        keep = gain * (keep[..., None] if gain.ndim == 3 else keep)
    white = cv2.convertScaleAbs(np.clip(amount, 0, 1), alpha=255)
    if white.shape != image.shape[:2]:
        white = cv2.resize(white, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.add(multiply(image, keep), cv2.merge([white] * 3))


def ink_density(image: np.ndarray) -> np.ndarray:
    """(H, W) uint8 ink amount: 255 minus the brightest channel (black ink 255, any paper or grid colour low)."""
    return cv2.bitwise_not(cv2.max(cv2.max(image[..., 0], image[..., 1]), image[..., 2]))


def lut3(image: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Apply a (256, 3) per-channel lookup table (float, clipped to 0..255) to an RGB uint8 image."""
    table = np.clip(np.rint(tables), 0, 255).astype(np.uint8).reshape(256, 1, 3)
    return cv2.LUT(image, table)
