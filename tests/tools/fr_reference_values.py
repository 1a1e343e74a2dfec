#!/usr/bin/python3
"""Independent reference values for the full-reference metrics (src/eval/fr_metrics.cpp).

Run with Debian's python3 (numpy 1.24, scipy 1.10, scikit-image 0.19):

    /usr/bin/python3 tests/tools/fr_reference_values.py

It regenerates, bit for bit, the synthetic test images that tests/unit/test_fr_metrics.cpp builds
(integer-only formulas, so C++ and numpy agree exactly), computes PSNR, SSIM, MS-SSIM and GMSD
with the numpy implementations below, cross-checks them against scikit-image where the
conventions coincide, and prints the numbers that the C++ test pins.

The numpy code is written from the papers and the descriptions of the authors' MATLAB programs
(ssim_index.m / ssim.m of Wang et al. 2004, msssim.m of Wang, Simoncelli and Bovik 2003, GMSD.m
of Xue et al. 2014), not translated from the C++ implementation: filtering is done with
scipy.signal on explicitly padded arrays, so the two share only the conventions.
"""

import sys

import numpy as np
import scipy.signal
import skimage
import skimage.metrics

# ------------------------------------------------------------------------------------------------
# Test images. Every formula uses non-negative integers only (floor division == C++ division).
# ------------------------------------------------------------------------------------------------
M32 = 0xFFFFFFFF


def hash32(x, y, c, seed):
    """32-bit integer mix of (x, y, channel, seed); arrays of uint64 holding 32-bit values.
    Same as C++ uint32_t arithmetic: every product is reduced modulo 2^32."""
    u = np.uint64
    h = x * u(0x9E3779B1) + y * u(0x85EBCA77) + c * u(0xC2B2AE3D) + u(seed) * u(0x27D4EB2F)
    h &= u(M32)
    h ^= h >> u(15)
    h = (h * u(0x2C1B3C6D)) & u(M32)
    h ^= h >> u(12)
    h = (h * u(0x297A2D39)) & u(M32)
    h ^= h >> u(15)
    return h


def grid(rows, cols):
    y, x, c = np.meshgrid(np.arange(rows, dtype=np.uint64), np.arange(cols, dtype=np.uint64),
                          np.arange(3, dtype=np.uint64), indexing="ij")
    return y, x, c


def pattern(rows, cols, seed):
    """Rings + ramps + checkerboard + fine texture, RGB uint8 of shape (rows, cols, 3)."""
    y, x, c = grid(rows, cols)
    yi, xi, ci = y.astype(np.int64), x.astype(np.int64), c.astype(np.int64)
    cx, cy = cols * 3 // 7, rows * 4 // 9
    d2 = (xi - cx) ** 2 + (yi - cy) ** 2
    ring = (d2 // (40 + 13 * ci)) % 64
    ramp = ((xi * (ci + 1) * 97 + yi * (3 - ci) * 61) // (rows + cols)) % 96
    checker = (((xi >> 4) + (yi >> 3) + ci) & 1) * 40
    texture = (hash32(x, y, c, np.uint64(seed)) % np.uint64(17)).astype(np.int64)
    v = ring * 2 + ramp + checker + texture
    return np.minimum(v, 255).astype(np.uint8)


def add_noise(img, amplitude, seed):
    rows, cols, _ = img.shape
    y, x, c = grid(rows, cols)
    h = hash32(x, y, c, np.uint64(seed))
    n = (h % np.uint64(2 * amplitude + 1)).astype(np.int64) - amplitude
    return np.clip(img.astype(np.int64) + n, 0, 255).astype(np.uint8)


def box_blur(img, k):
    """k x k box blur (k odd), clamp-to-edge, rounded: (sum + k*k/2) / (k*k)."""
    r = k // 2
    p = np.pad(img.astype(np.int64), ((r, r), (r, r), (0, 0)), mode="edge")
    rows, cols, _ = img.shape
    s = np.zeros(img.shape, np.int64)
    for dy in range(k):
        for dx in range(k):
            s += p[dy:dy + rows, dx:dx + cols]
    return ((s + (k * k) // 2) // (k * k)).astype(np.uint8)


def contrast(img):
    return ((img.astype(np.int64) * 3 + 2) // 4 + 32).astype(np.uint8)


def invert(img):
    return (255 - img.astype(np.int64)).astype(np.uint8)


# ------------------------------------------------------------------------------------------------
# Metrics (double precision, [0, 255] scale)
# ------------------------------------------------------------------------------------------------
def luminance(rgb):
    """Y = 0.299 R + 0.587 G + 0.114 B (Rec. 601 luma, as MATLAB's rgb2gray to 3 decimals)."""
    f = rgb.astype(np.float64)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def psnr(ref, dist):
    mse = np.mean((ref.astype(np.float64) - dist.astype(np.float64)) ** 2)
    return np.inf if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def fspecial_gaussian(size=11, sigma=1.5):
    r = (size - 1) / 2.0
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    g = np.exp(-(xx * xx + yy * yy) / (2.0 * sigma * sigma))
    return g / g.sum()


def imfilter_box_symmetric_same(img, f):
    """MATLAB imfilter(img, ones(f)/f^2, 'symmetric', 'same'): the kernel's centre element is
    floor((f + 1) / 2) (1-based), so output (i, j) averages rows i-c .. i-c+f-1 with c = that
    centre - 1 (0-based), mirrored ('symmetric': edge sample repeated) outside the image."""
    c = (f + 1) // 2 - 1
    before, after = c, f - 1 - c
    p = np.pad(img, ((before, after), (before, after)), mode="symmetric")
    rows, cols = img.shape
    out = np.zeros_like(img)
    for dy in range(f):
        for dx in range(f):
            out += p[dy:dy + rows, dx:dx + cols]
    return out / (f * f)


def ssim_valid(x, y):
    """ssim_index.m: 11x11 Gaussian (sigma 1.5) statistics, 'valid' filtering, K = (.01, .03),
    L = 255. Returns (mean SSIM map, mean contrast-structure map)."""
    w = fspecial_gaussian()
    C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def filt(a):
        return scipy.signal.correlate2d(a, w, mode="valid")

    mu1, mu2 = filt(x), filt(y)
    s11 = filt(x * x) - mu1 * mu1
    s22 = filt(y * y) - mu2 * mu2
    s12 = filt(x * y) - mu1 * mu2
    cs = (2 * s12 + C2) / (s11 + s22 + C2)
    ssim_map = ((2 * mu1 * mu2 + C1) / (mu1 * mu1 + mu2 * mu2 + C1)) * cs
    return ssim_map.mean(), cs.mean()


def ssim(ref, dist):
    """ssim.m: automatic downsampling by f = max(1, round(min(H, W) / 256)), then ssim_index."""
    x, y = luminance(ref), luminance(dist)
    f = max(1, int(np.floor(min(x.shape) / 256.0 + 0.5)))  # MATLAB round (half away from 0)
    if f > 1:
        x = imfilter_box_symmetric_same(x, f)[::f, ::f]
        y = imfilter_box_symmetric_same(y, f)[::f, ::f]
    return ssim_valid(x, y)[0]


MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ms_ssim(ref, dist):
    """msssim.m: 5 scales, cs at scales 1-4, full SSIM at scale 5, 2x2 symmetric average +
    1:2:end between scales; negative means clamped to 0 before the power."""
    x, y = luminance(ref), luminance(dist)
    if min(x.shape) / 16.0 < 11:
        raise ValueError("too small")
    value = 1.0
    for level, w in enumerate(MS_WEIGHTS):
        s, cs = ssim_valid(x, y)
        if level < 4:
            value *= max(cs, 0.0) ** w
            x = imfilter_box_symmetric_same(x, 2)[::2, ::2]
            y = imfilter_box_symmetric_same(y, 2)[::2, ::2]
        else:
            value *= max(s, 0.0) ** w
    return value


def conv2_same(a, k):
    """MATLAB conv2(a, k, 'same'): zero padding, central part of the full convolution, which
    starts at 0-based index floor(size(k) / 2)."""
    full = scipy.signal.convolve2d(a, k, mode="full")
    r0, c0 = k.shape[0] // 2, k.shape[1] // 2
    return full[r0:r0 + a.shape[0], c0:c0 + a.shape[1]]


def gmsd(ref, dist):
    """GMSD.m: 2x2 average (conv2 'same', zero padding) + 1:2:end, Prewitt / 3 with conv2
    'same', T = 170, std2 (N - 1 normalisation) of the GMS map."""
    T = 170.0
    dx = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], np.float64) / 3.0
    dy = dx.T
    ave = np.ones((2, 2)) / 4.0

    def grad(img):
        z = conv2_same(img, ave)[::2, ::2]
        return np.sqrt(conv2_same(z, dx) ** 2 + conv2_same(z, dy) ** 2)

    g1, g2 = grad(luminance(ref)), grad(luminance(dist))
    q = (2 * g1 * g2 + T) / (g1 ** 2 + g2 ** 2 + T)
    return np.std(q, ddof=1) if q.size > 1 else 0.0


# ------------------------------------------------------------------------------------------------
def main():
    print(f"# numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-image {skimage.__version__}")
    a = pattern(192, 200, 1)
    a_blur = box_blur(a, 5)
    a_noise = add_noise(a, 24, 7)
    a_blur_noise = add_noise(box_blur(a, 3), 12, 11)
    a_contrast = contrast(a)
    a_invert = invert(a)
    b = pattern(193, 201, 2)          # odd sizes: GMSD zero padding / odd downsampling
    b_noise = add_noise(box_blur(b, 3), 16, 5)
    c = pattern(384, 512, 3)          # f = round(384/256) = 2
    c_dist = add_noise(box_blur(c, 3), 10, 9)
    d = pattern(778, 800, 4)          # f = 3 (odd box, centred)
    d_dist = add_noise(box_blur(d, 5), 20, 13)
    e = pattern(900, 910, 5)          # f = round(3.52) = 4 (even box, MATLAB centre)
    e_dist = add_noise(box_blur(e, 3), 8, 17)

    pairs = {
        "a_blur5": (a, a_blur),
        "a_noise24": (a, a_noise),
        "a_blur3_noise12": (a, a_blur_noise),
        "a_contrast": (a, a_contrast),
        "a_invert": (a, a_invert),
        "b_odd_blur3_noise16": (b, b_noise),
        "c_f2_blur3_noise10": (c, c_dist),
        "d_f3_blur5_noise20": (d, d_dist),
        "e_f4_blur3_noise8": (e, e_dist),
    }

    # Checksums, so the C++ test can assert it generated the same pixels.
    print("\n# image checksums: sum of all samples, sum of (index % 251) * sample")
    for name, img in [("a", a), ("a_blur5", a_blur), ("a_noise24", a_noise),
                      ("a_blur3_noise12", a_blur_noise), ("b_noise", b_noise),
                      ("c_dist", c_dist), ("d_dist", d_dist), ("e_dist", e_dist)]:
        flat = img.reshape(-1).astype(np.int64)
        weighted = int(np.sum((np.arange(flat.size, dtype=np.int64) % 251) * flat))
        print(f"{name}: {int(flat.sum())} {weighted}")

    # scikit-image cross-checks where conventions coincide.
    worst_ssim = worst_psnr = 0.0
    for name, (r, t) in pairs.items():
        x, y = luminance(r), luminance(t)
        sk = skimage.metrics.structural_similarity(
            x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
        ours = ssim_valid(x, y)[0]  # no downsampling: skimage has none
        worst_ssim = max(worst_ssim, abs(sk - ours))
        sk_psnr = skimage.metrics.peak_signal_noise_ratio(r, t, data_range=255)
        worst_psnr = max(worst_psnr, abs(sk_psnr - psnr(r, t)))
        if min(r.shape[:2]) < 384:  # f == 1: ssim() itself must equal skimage
            assert abs(ssim(r, t) - sk) < 1e-12, name
    print(f"\n# max |skimage SSIM - numpy SSIM (no downsampling)| = {worst_ssim:.3e}")
    print(f"# max |skimage PSNR - numpy PSNR| = {worst_psnr:.3e}")
    assert worst_ssim < 1e-12 and worst_psnr < 1e-12

    # MATLAB rgb2gray's exact weights differ from .299/.587/.114 in the 4th decimal: measure it.
    exact = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    r, t = pairs["a_blur3_noise12"]
    xe = r.astype(np.float64) @ exact
    ye = t.astype(np.float64) @ exact
    print(f"# SSIM a_blur3_noise12 with exact rgb2gray weights (unrounded): "
          f"{ssim_valid(xe, ye)[0]:.17g} vs .299/.587/.114: {ssim(r, t):.17g}")
    # rgb2gray on uint8 input returns uint8 (rounded half away from zero).
    xr, yr = np.floor(xe + 0.5), np.floor(ye + 0.5)
    print(f"# ... and with rgb2gray's uint8 rounding: {ssim_valid(xr, yr)[0]:.17g}")

    print("\n# name: psnr ssim ms_ssim gmsd")
    for name, (r, t) in pairs.items():
        try:
            ms = f"{ms_ssim(r, t):.17g}"
        except ValueError:
            ms = "n/a"
        print(f"{name}: {psnr(r, t):.17g} {ssim(r, t):.17g} {ms} {gmsd(r, t):.17g}")

    # Downsampling path against "no downsampling" to show it matters (SSIM only).
    r, t = pairs["c_f2_blur3_noise10"]
    print(f"\n# c_f2 without downsampling (skimage): "
          f"{ssim_valid(luminance(r), luminance(t))[0]:.17g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
