#!/usr/bin/python3
"""Reference values for tests/unit/test_distort_color_noise.cpp (colordiff and colorsat2).

Written from the formulas of METHOD-SHAMISA.md sections 4.1, 4.2 and 4.4 (kornia 0.7.0 Lab
conventions, MATLAB fspecial('gaussian'), filter2D = correlation with a replicated border,
trunc8), in float64 with numpy only. It shares no code with the C++ implementation. True RGB is
converted (no R/B swap: the fix of quirk Q5).

    /usr/bin/python3 tests/tools/distort_reference_color_noise.py

prints, for each case, the expected 8-bit codes k (output = k / 255) in row-major,
channel-interleaved order, and the smallest distance of 255 * (value before trunc8) to an
integer among the unclipped values, which must be well above float32 rounding (~1e-4) for the
C++ test to compare the codes exactly.
"""

import math

import numpy as np

# The tiny test image, H = 2, W = 3, RGB in [0, 1] (the same literals as in the C++ test).
IMAGE = np.array(
    [[[0.9, 0.2, 0.1], [0.1, 0.7, 0.3], [0.5, 0.5, 0.5]],
     [[0.2, 0.3, 0.8], [0.95, 0.9, 0.1], [0.0, 0.0, 0.0]]], dtype=np.float64)

M = np.array([[0.412453, 0.357580, 0.180423],
              [0.212671, 0.715160, 0.072169],
              [0.019334, 0.119193, 0.950227]])
M_INV = np.linalg.inv(M)
WHITE = np.array([0.95047, 1.0, 1.08883])


def rgb_to_lab(rgb):
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = lin @ M.T / WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 4.0 / 29.0)
    L = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def lab_to_rgb(lab):
    fy = (lab[..., 0] + 16.0) / 116.0
    fx = lab[..., 1] / 500.0 + fy
    fz = np.maximum(fy - lab[..., 2] / 200.0, 0.0)
    f = np.stack([fx, fy, fz], axis=-1)
    xyz = np.where(f > 0.2068966, f ** 3, (f - 4.0 / 29.0) / 7.787) * WHITE
    lin = xyz @ M_INV.T
    srgb = np.where(lin > 0.0031308, 1.055 * np.maximum(lin, 0.0031308) ** (1 / 2.4) - 0.055,
                    12.92 * lin)
    return np.clip(srgb, 0.0, 1.0)


def fspecial_gaussian(size, sigma):
    r = (size - 1) / 2.0
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    h = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0.0
    return h / h.sum()


def filter2d_replicate(channel, kernel):
    k = kernel.shape[0] // 2
    padded = np.pad(channel, k, mode="edge")
    out = np.zeros_like(channel)
    for y in range(channel.shape[0]):
        for x in range(channel.shape[1]):
            out[y, x] = np.sum(padded[y:y + 2 * k + 1, x:x + 2 * k + 1] * kernel)
    return out


def color_diffusion(rgb, amount):
    sigma = 1.5 * amount + 2.0
    fs = 2 * math.ceil(2 * sigma) + 1
    h = fspecial_gaussian(fs, sigma)
    lab = rgb_to_lab(rgb)
    for c in (1, 2):
        lab[..., c] = filter2d_replicate(lab[..., c], h) * amount
    return lab_to_rgb(lab)


def color_saturation2(rgb, factor):
    lab = rgb_to_lab(rgb)
    lab[..., 1:] *= factor
    return lab_to_rgb(lab)


def report(name, before_trunc):
    scaled = before_trunc * 255.0
    codes = np.trunc(scaled).astype(int)
    inner = scaled[(scaled > 0.0) & (scaled < 255.0)]
    frac = np.minimum(inner - np.floor(inner), np.ceil(inner) - inner)
    margin = np.min(frac) if inner.size else 1.0
    print(f"{name}: codes {codes.reshape(-1).tolist()}")
    print(f"{name}: before trunc8 x 255 = {np.round(scaled.reshape(-1), 4).tolist()}")
    print(f"{name}: margin to nearest integer {margin:.4f}")


def main():
    print(f"numpy {np.__version__}")
    report("colordiff a=1", color_diffusion(IMAGE, 1))
    report("colordiff a=3", color_diffusion(IMAGE, 3))
    report("colorsat2 f=2", color_saturation2(IMAGE, 2.0))
    report("colorsat2 f=0.5", color_saturation2(IMAGE, 0.5))


if __name__ == "__main__":
    main()
