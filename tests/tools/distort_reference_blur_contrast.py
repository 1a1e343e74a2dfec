#!/usr/bin/python3
"""Reference values for tests/unit/test_kernels.cpp and tests/unit/test_distort_blur_contrast.cpp.

Run with Debian's /usr/bin/python3 (numpy; scipy from python3-scipy):

    /usr/bin/python3 tests/tools/distort_reference_blur_contrast.py

Everything here is an independent, vectorised NumPy re-derivation written for these tests (not the
reference repository's code, and not the C++ code):

* fspecial('disk') and fspecial('motion') follow MATLAB's documented algorithms, evaluated with
  NumPy's complex arithmetic where MATLAB's sqrt/asin go complex (so the masking behaves as in
  MATLAB). The disk values also agree with GNU Octave 7.3 (image package 2.14), whose 'disk' is a
  different (integral-based) algorithm; Octave's 'motion' is NOT MATLAB's (it rotates a line with
  imrotate/bilinear, documented there as "not quite matlab compatible") and is not used.
* The not-a-knot spline comes from SciPy's CubicSpline(bc_type='not-a-knot').
* Lab conversions use kornia 0.7.0's formulas (METHOD-SHAMISA.md section 4.4) in float64, so the
  C++ (float32) results agree to better than 1e-6.
"""
import math

import numpy as np
from scipy.interpolate import CubicSpline

EPS = np.finfo(float).eps


def fspecial_gaussian(size, sigma):
    c = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size] - c
    h = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    h[h < EPS * h.max()] = 0
    return h / h.sum()


def fspecial_disk(rad):
    rad = float(rad)
    crad = math.ceil(rad - 0.5)
    y, x = np.mgrid[-crad:crad + 1, -crad:crad + 1].astype(complex)
    ax, ay = np.abs(x.real), np.abs(y.real)
    mx, mn = np.maximum(ax, ay), np.minimum(ax, ay)
    r2 = rad * rad
    m1 = np.where(r2 < (mx + .5) ** 2 + (mn - .5) ** 2, mn - .5, np.sqrt((r2 - (mx + .5) ** 2).astype(complex)))
    m2 = np.where(r2 > (mx - .5) ** 2 + (mn + .5) ** 2, mn + .5, np.sqrt((r2 - (mx - .5) ** 2).astype(complex)))
    area = (r2 * (0.5 * (np.arcsin(m2 / rad) - np.arcsin(m1 / rad))
                  + 0.25 * (np.sin(2 * np.arcsin(m2 / rad)) - np.sin(2 * np.arcsin(m1 / rad))))
            - (mx - .5) * (m2 - m1) + (m1 - mn + .5))
    mask = ((r2 < (mx + .5) ** 2 + (mn + .5) ** 2) & (r2 > (mx - .5) ** 2 + (mn - .5) ** 2)) | \
           ((mn == 0) & (mx - .5 < rad) & (mx + .5 >= rad))
    s = np.where(mask, area, 0).real + ((mx + .5) ** 2 + (mn + .5) ** 2 < r2)
    s[crad, crad] = min(math.pi * r2, math.pi / 2)
    s[crad, crad] = min(s[crad, crad], 1.0)  # the corner-correction branch is dead for integer rad
    return s / s.sum()


def fspecial_motion(length, angle):
    L = max(1.0, float(length))
    half = (L - 1) / 2
    phi = (angle % 180) / 180 * math.pi
    c, s = math.cos(phi), math.sin(phi)
    xs = 1 if c >= 0 else -1
    sx = math.trunc(half * c + xs - L * EPS)
    sy = math.trunc(half * s + 1 - L * EPS)
    x, y = np.meshgrid(np.arange(0, sx + xs, xs, dtype=float), np.arange(0, sy + 1, dtype=float))
    d = y * c - x * s
    rad = np.hypot(x, y)
    last = (rad >= half) & (np.abs(d) <= 1)
    x2 = half - np.abs((x + d * s) / c)
    d = np.where(last, np.sqrt(d * d + x2 * x2), d)
    d = np.maximum(1 + EPS - np.abs(d), 0)
    r, k = d.shape
    h = np.zeros((2 * r - 1, 2 * k - 1))
    h[:r, :k] = d[::-1, ::-1]
    h[r - 1:, k - 1:] = d
    h /= h.sum() + EPS * L * L
    return h[::-1] if c > 0 else h


def replicate_correlate(img, k):
    """img HxW, k odd-sized: correlation with a replicate border (cv::filter2D)."""
    ph, pw = k.shape[0] // 2, k.shape[1] // 2
    p = np.pad(img, ((ph, ph), (pw, pw)), mode="edge")
    out = np.zeros_like(img, dtype=float)
    for i in range(k.shape[0]):
        for j in range(k.shape[1]):
            out += k[i, j] * p[i:i + img.shape[0], j:j + img.shape[1]]
    return out


# --- kornia Lab in float64 ---------------------------------------------------------------------
M = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]])
MI = np.array([[3.2404813432005266, -1.5371515162713185, -0.4985363261688878],
               [-0.9692549499965682, 1.8759900014898907, 0.0415559265582928],
               [0.0556466391351772, -0.2040413383665112, 1.0573110696453443]])
WHITE = np.array([0.95047, 1.0, 1.08883])


def rgb_to_lab(rgb):
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = lin @ M.T / WHITE
    f = np.where(xyz > 0.008856, np.cbrt(np.maximum(xyz, 0.008856)), 7.787 * xyz + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def lab_to_rgb(lab):
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = np.maximum(fy - lab[..., 2] / 200, 0)
    f = np.stack([fx, fy, fz], -1)
    xyz = np.where(f > 0.2068966, f ** 3, (f - 4 / 29) / 7.787) * WHITE
    lin = xyz @ MI.T
    srgb = np.where(lin > 0.0031308, 1.055 * np.maximum(lin, 0.0031308) ** (1 / 2.4) - 0.055, 12.92 * lin)
    return np.clip(srgb, 0, 1)


def curve(x, c):
    return np.clip((2 - 4 * c) * x * x + (4 * c - 1) * x, 0, 1)


def fmt(a):
    return ", ".join(f"{v:.17g}" for v in np.asarray(a).ravel())


def main():
    np.set_printoptions(precision=17)
    print("gaussian 3x3 sigma 1:", fmt(fspecial_gaussian(3, 1.0)))
    print("gaussian 5x5 sigma 1:", fmt(fspecial_gaussian(5, 1.0)))
    for r in (1, 2):
        print(f"disk r={r}:", fmt(fspecial_disk(r)))
    for length, angle in ((5, 0), (5, 45), (5, 90), (5, 30), (1, 0)):
        h = fspecial_motion(length, angle)
        print(f"motion len={length} angle={angle} shape={h.shape}:", fmt(h))

    # lens_blur r=1 of a 3x3 image with a single 1 at the top-left corner: output at (0, 0).
    img = np.zeros((3, 3)); img[0, 0] = 1
    print("lens r=1 corner impulse out:", fmt(replicate_correlate(img, fspecial_disk(1))))

    xs = np.array([0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1.0], dtype=np.float32).astype(float)
    print("spline points:", fmt(xs))
    for a in (-0.6, 0.0, 0.6):
        cs = CubicSpline([0, 0.3, 0.5, 0.7, 1], [0, 0.25 - a / 4, 0.5, 0.75 + a / 4, 1], bc_type="not-a-knot")
        print(f"spline a={a}:", fmt(np.clip(cs(xs), 0, 1)))

    pixels = np.array([[0.2, 0.5, 0.8], [0.9, 0.1, 0.3], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]], dtype=np.float32).astype(float)
    for a in (0.4, 1.1):
        c = 0.5 + a / 2
        lab = rgb_to_lab(pixels)
        lab[..., 0] = 100 * curve(lab[..., 0] / 100, c)
        j = lab_to_rgb(lab)
        print(f"brighten a={a}:", fmt((2 * curve(pixels, c) + j) / 3))

    # high_sharpen, a = 2, on a 5x5 RGB image with a vertical edge and a colour gradient.
    yy, xx = np.mgrid[0:5, 0:5]
    im = np.stack([np.where(xx < 2, 0.4, 0.6), 0.3 + 0.1 * yy, np.full((5, 5), 0.5)], -1).astype(np.float32).astype(float)
    g = fspecial_gaussian(13, 6.0)
    k = -g; k[6, 6] += 1; k *= 2.0; k[6, 6] += 1
    lab = rgb_to_lab(im)
    lab[..., 0] = replicate_correlate(lab[..., 0], k)
    print("high_sharpen a=2 input:", fmt(im))
    print("high_sharpen a=2 out:", fmt(lab_to_rgb(lab)))


if __name__ == "__main__":
    main()
