#!/usr/bin/python3
"""Independent NIQE reference for shamisa's C++ implementation (src/eval/nr_metrics.cpp).

Written from the description of NIQE in A. Mittal, R. Soundararajan and A. C. Bovik, "Making a
Completely Blind Image Quality Analyzer", IEEE Signal Processing Letters 20(3), 2013, and of the
authors' MATLAB release (computequality.m) as documented publicly. It uses numpy / scipy and a
different structure from the C++ code (2-D correlation instead of separable filters, a general
MATLAB-imresize contribution table instead of the fixed half-scale taps, numpy's pinv), and reads
the pristine model from the text files, not from the constants embedded in C++.

Conventions (the same as the C++ code; see include/shamisa/nr_metrics.h):
  * gray: MATLAB rgb2gray coefficients (first row of inv of the NTSC matrix); for 8-bit input
    the result is rounded half away from zero to an integer as rgb2gray does for uint8, then
    used as double in 0..255.
  * crop to floor(H/96)*96 x floor(W/96)*96 (top-left corner kept).
  * per scale: mu = G * I, sigma = sqrt(|G * I^2 - mu^2|), MSCN = (I - mu) / (sigma + 1), with G
    the normalised 7x7 Gaussian, sigma 7/6, and replicated borders (MATLAB imfilter 'replicate').
    MSCN values with |x| < 1e-9 are set to 0 (shamisa's convention: rounding residue of flat
    neighbourhoods would otherwise have an arbitrary sign and move the AGGD left/right counts).
  * per patch (96x96 at scale 1, 48x48 at scale 2): AGGD fit of the MSCN -> alpha, (bl + br) / 2;
    for the shifts (0,1), (1,0), (1,1), (1,-1) the product with the circularly shifted patch
    (MATLAB circshift) -> alpha, (br - bl) * G(2/a) / G(1/a), bl, br. The shape alpha is the
    argmin over gam = 0.2 + 0.001 k (k = 0..9800) of (r(gam) - rhatnorm)^2, first index on ties,
    index 0 when rhatnorm is NaN (MATLAB's min over an all-NaN vector).
  * half scale: MATLAB imresize(I, 0.5) - bicubic (a = -0.5) with antialiasing (kernel stretched
    by 2) and symmetric border mirroring, rows first then columns, in double.
  * mu_d = column-wise nanmean (MATLAB nanmean), cov_d = covariance (N - 1) of the rows without
    NaN (MATLAB nancov, 'complete'); NIQE = sqrt(d' pinv((cov_p + cov_d) / 2) d), d = mu_p - mu_d.

Usage:
  niqe_reference.py score [--black=N] IMAGE...
                                        prints "name score" per image (17 significant digits);
                                        --black=N first sets the top-left NxN pixels to 0
  niqe_reference.py features IMAGE      prints the 36 column nanmeans of the patch features
  niqe_reference.py emit-model [DIR]    prints the C++ constants of the pristine model
  niqe_reference.py selfcheck           checks the imresize convention against Pillow's
                                        interior pixels (same kernel, different borders)
Run with /usr/bin/python3 (numpy, scipy, Pillow).
"""

import os
import sys

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.special import gamma as gamma_fn

MODEL_DIR_DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "..", "..", "shared", "data", "baseline-models", "niqe")
PATCH = 96
MSCN_ZERO = 1e-9  # |MSCN| below this is rounding residue of a flat neighbourhood: set to 0
GRAY_COEF = np.linalg.inv(np.array([[1.0, 0.956, 0.621],
                                    [1.0, -0.272, -0.647],
                                    [1.0, -1.106, 1.703]]))[0]
GAM = 0.2 + 0.001 * np.arange(9801)
R_GAM = gamma_fn(2.0 / GAM) ** 2 / (gamma_fn(1.0 / GAM) * gamma_fn(3.0 / GAM))


def load_rgb8(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def gray_from_rgb8(rgb):
    x = rgb.astype(np.float64)
    y = x[..., 0] * GRAY_COEF[0] + x[..., 1] * GRAY_COEF[1] + x[..., 2] * GRAY_COEF[2]
    return np.floor(y + 0.5)  # values are >= 0: half away from zero


def gaussian_window():
    r = np.arange(-3, 4, dtype=np.float64)
    xx, yy = np.meshgrid(r, r)
    w = np.exp(-(xx ** 2 + yy ** 2) / (2.0 * (7.0 / 6.0) ** 2))
    return w / w.sum()


def mscn(img):
    w = gaussian_window()
    mu = ndimage.correlate(img, w, mode="nearest")
    var = ndimage.correlate(img * img, w, mode="nearest") - mu * mu
    sigma = np.sqrt(np.abs(var))
    out = (img - mu) / (sigma + 1.0)
    out[np.abs(out) < MSCN_ZERO] = 0.0
    return out


def cubic(x):
    a = np.abs(x)
    a2 = a * a
    a3 = a2 * a
    return ((1.5 * a3 - 2.5 * a2 + 1.0) * (a <= 1)
            + (-0.5 * a3 + 2.5 * a2 - 4.0 * a + 2.0) * ((a > 1) & (a <= 2)))


def imresize_axis(x, axis, scale):
    """MATLAB imresize along one axis, bicubic, antialiasing on for scale < 1."""
    n_in = x.shape[axis]
    n_out = int(np.ceil(n_in * scale))
    width = 4.0 / scale if scale < 1 else 4.0
    u = np.arange(1, n_out + 1, dtype=np.float64) / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    dist = u[:, None] - idx
    w = scale * cubic(scale * dist) if scale < 1 else cubic(dist)
    w = w / w.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(1, n_in + 1), np.arange(n_in, 0, -1)])
    idx = mirror[np.mod(idx.astype(np.int64) - 1, mirror.size)] - 1
    keep = np.any(w != 0, axis=0)
    w, idx = w[:, keep], idx[:, keep]
    xm = np.moveaxis(x, axis, 0)
    out = np.zeros((n_out,) + xm.shape[1:], dtype=np.float64)
    for k in range(w.shape[1]):
        out += w[:, k].reshape((-1,) + (1,) * (xm.ndim - 1)) * xm[idx[:, k]]
    return np.moveaxis(out, 0, axis)


def imresize_half(img):
    return imresize_axis(imresize_axis(img, 0, 0.5), 1, 0.5)


def aggd(vec):
    vec = vec.ravel()
    neg = vec[vec < 0]
    pos = vec[vec > 0]
    lstd = np.sqrt(np.mean(neg ** 2)) if neg.size else np.nan
    rstd = np.sqrt(np.mean(pos ** 2)) if pos.size else np.nan
    ghat = lstd / rstd
    rhat = np.mean(np.abs(vec)) ** 2 / np.mean(vec ** 2) if np.any(vec != 0) else np.nan
    rnorm = rhat * (ghat ** 3 + 1.0) * (ghat + 1.0) / (ghat ** 2 + 1.0) ** 2
    if np.isnan(rnorm):
        alpha = GAM[0]
    else:
        alpha = GAM[int(np.argmin((R_GAM - rnorm) ** 2))]
    c = np.sqrt(gamma_fn(1.0 / alpha) / gamma_fn(3.0 / alpha))
    return alpha, lstd * c, rstd * c


def patch_features(block):
    a, bl, br = aggd(block)
    feat = [a, (bl + br) / 2.0]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        pair = block * np.roll(block, shift, axis=(0, 1))
        a, bl, br = aggd(pair)
        feat += [a, (br - bl) * gamma_fn(2.0 / a) / gamma_fn(1.0 / a), bl, br]
    return feat


def niqe_features(gray):
    rows, cols = gray.shape[0] // PATCH, gray.shape[1] // PATCH
    if rows < 1 or cols < 1 or rows * cols < 2:
        raise ValueError("image too small for NIQE")
    img = gray[:rows * PATCH, :cols * PATCH].astype(np.float64)
    per_scale = []
    for scale in (1, 2):
        m = mscn(img)
        p = PATCH // scale
        feats = [patch_features(m[r * p:(r + 1) * p, c * p:(c + 1) * p])
                 for c in range(cols) for r in range(rows)]
        per_scale.append(np.array(feats))
        img = imresize_half(img)
    return np.concatenate(per_scale, axis=1)


def load_model(model_dir):
    mu = np.loadtxt(os.path.join(model_dir, "niqe_pristine_mu.txt"))
    cov = np.loadtxt(os.path.join(model_dir, "niqe_pristine_cov.txt"))
    return mu.reshape(36), cov.reshape(36, 36)


def niqe_score(gray, model_dir=MODEL_DIR_DEFAULT):
    mu_p, cov_p = load_model(model_dir)
    feat = niqe_features(gray)
    mu_d = np.nanmean(feat, axis=0)
    complete = feat[~np.isnan(feat).any(axis=1)]
    cov_d = np.cov(complete, rowvar=False)
    d = mu_p - mu_d
    return float(np.sqrt(d @ np.linalg.pinv((cov_p + cov_d) / 2.0) @ d))


def emit_model(model_dir):
    mu_text = open(os.path.join(model_dir, "niqe_pristine_mu.txt")).read().split()
    cov_text = open(os.path.join(model_dir, "niqe_pristine_cov.txt")).read().split()
    assert len(mu_text) == 36 and len(cov_text) == 36 * 36
    print("// Generated by tests/tools/niqe_reference.py emit-model from niqe_pristine_mu.txt and")
    print("// niqe_pristine_cov.txt (numbers copied verbatim as text).")
    print("constexpr double kPristineMu[36] = {")
    for i in range(0, 36, 4):
        print("    " + ", ".join(mu_text[i:i + 4]) + ",")
    print("};")
    print("constexpr double kPristineCov[36 * 36] = {")
    for i in range(0, 36 * 36, 4):
        print("    " + ", ".join(cov_text[i:i + 4]) + ",")
    print("};")


def selfcheck():
    rng = np.random.default_rng(1)
    img = rng.uniform(0, 255, size=(96, 144))
    ours = imresize_half(img)
    pil = np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize(
        (72, 48), Image.BICUBIC), dtype=np.float64)
    interior = np.abs(ours[2:-2, 2:-2] - pil[2:-2, 2:-2]).max()
    border = np.abs(ours - pil).max()
    print("interior max |matlab - pillow| = %.3g (float32 storage), border max = %.3g"
          % (interior, border))
    assert interior < 1e-3, "imresize kernel convention differs from Pillow's in the interior"


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd = argv[1]
    if cmd == "score":
        paths, black = argv[2:], 0
        if paths and paths[0].startswith("--black="):
            black, paths = int(paths[0].split("=")[1]), paths[1:]
        for path in paths:
            rgb = load_rgb8(path).copy()
            rgb[:black, :black] = 0
            print("%s %.17g" % (os.path.basename(path), niqe_score(gray_from_rgb8(rgb))))
    elif cmd == "features":
        feat = niqe_features(gray_from_rgb8(load_rgb8(argv[2])))
        print(" ".join("%.17g" % v for v in np.nanmean(feat, axis=0)))
    elif cmd == "emit-model":
        emit_model(argv[2] if len(argv) > 2 else MODEL_DIR_DEFAULT)
    elif cmd == "selfcheck":
        selfcheck()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
