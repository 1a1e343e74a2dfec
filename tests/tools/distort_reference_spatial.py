#!/usr/bin/python3
"""Reference values and codec cross-checks for src/distort/compression.cpp and spatial.cpp.

Run with the interpreter that has Pillow 9.4 and NumPy (Debian 12: /usr/bin/python3 with
python3-pil and python3-numpy):

    /usr/bin/python3 tests/tools/distort_reference_spatial.py [--dump DIR]

What it prints (no torch or kornia is needed; their rules are re-stated in NumPy below):

1. quantization: the bucket boundaries and the expected outputs of the hand-built 1x4 image used
   by DistortSpatial.QuantizationByHand, computed with float32 arithmetic as torch would.
2. pixelate: the float32 nearest-neighbour index maps (PyTorch's rule) for the sizes used by
   DistortSpatial.PixelateIndexMapping.
3. JPEG / JPEG 2000 through Pillow (the reference's path for jpeg2000, and the same libjpeg
   defaults torchvision's encode_jpeg uses for jpeg) on the formula image `pattern(w, h)` that the
   C++ cross-check repeats: the SHA-256 of the decoded RGB bytes per setting, the JPEG sampling
   factors Pillow wrote, and whether the JPEG 2000 encoder failed (images under 128 px on a side
   do with num_resolutions=8). With --dump DIR it also writes the decoded bytes, concatenated in
   the order printed, to DIR/pillow_WxH.raw for a byte-by-byte comparison with the C++ output.

The numbers in (1) and (2) are embedded in tests/unit/test_distort_compression_spatial.cpp;
(3) was used for a one-off bit-exactness check reported in the change description, not as a
golden test.
"""

import argparse
import hashlib
import io
import os

import numpy as np
from PIL import Image, JpegImagePlugin


# --- 1. quantization -------------------------------------------------------------------------

def quantization(x, n):
    """x: float32 array in [0, 1]; the spec's bucketize rule (right=False) and global min-max."""
    bounds = [0] + [int(255 * k / n) for k in range(1, n)] + [256]
    u = (x.astype(np.float32) * np.float32(255)).astype(np.float32)
    # torch.bucketize(right=False) == np.searchsorted(side="left"): number of boundaries < u.
    b = np.searchsorted(np.asarray(bounds, dtype=np.float32), u, side="left")
    lo, hi = b.min(), b.max()
    span = (hi - lo) if hi > lo else 1
    return bounds, b, (b - lo).astype(np.float32) / np.float32(span)


def print_quantization():
    # The test image: one row of 4 pixels; RGB values given as integers k, x = float32(k) / 255.
    ks = np.array([[[0, 10, 63], [64, 100, 127], [128, 150, 191], [192, 230, 255]]], dtype=np.float32)
    x = ks / np.float32(255)
    for n in (4, 7):
        bounds, b, out = quantization(x, n)
        print(f"quantization n={n}: boundaries {bounds}")
        print(f"  buckets {b.reshape(-1).tolist()}")
        print(f"  output  {[float(v) for v in out.reshape(-1)]}")
    # A picture without black or white: the global min-max stretches the occupied buckets.
    ks2 = np.array([[[70, 70, 70], [130, 130, 130]]], dtype=np.float32)
    bounds, b, out = quantization(ks2 / np.float32(255), 4)
    print(f"quantization n=4 on {ks2.reshape(-1).tolist()}: buckets {b.reshape(-1).tolist()}, "
          f"output {[float(v) for v in out.reshape(-1)]}")


# --- 2. pixelate ------------------------------------------------------------------------------

def nearest_index(dst, n_in, n_out):
    """PyTorch CPU upsample_nearest: float32 scale = in / out, min(floor(dst * scale), in - 1)."""
    if n_out == n_in:
        return dst
    if n_out == 2 * n_in:
        return dst >> 1
    scale = np.float32(n_in) / np.float32(n_out)
    return min(int(np.floor(np.float32(dst) * scale)), n_in - 1)


def pixelate_map(size, strength):
    z = 0.95 - strength ** 0.6
    small = max(1, int(size * z))
    down = [nearest_index(j, size, small) for j in range(small)]
    up = [nearest_index(i, small, size) for i in range(size)]
    return small, down, up, [down[j] for j in up]


def print_pixelate():
    for size, s in ((7, 0.5), (10, 0.2), (224, 0.5), (224, 0.01)):
        small, down, up, full = pixelate_map(size, s)
        print(f"pixelate size={size} s={s}: reduced {small}")
        if size <= 10:
            print(f"  down {down}\n  up   {up}\n  map  {full}")
        else:
            print(f"  map  {full}")


# --- 3. codecs through Pillow -----------------------------------------------------------------

def pattern(w, h):
    """uint8 RGB, v(x, y, c) = (3x + 2y + 85c + floor(x*y/7)) mod 256 (repeat it in C++)."""
    y, x = np.mgrid[0:h, 0:w]
    chans = [(3 * x + 2 * y + 85 * c + (x * y) // 7) % 256 for c in range(3)]
    return np.stack(chans, axis=-1).astype(np.uint8)


def jpeg_pillow(a, q):
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="JPEG", quality=q)
    im = Image.open(io.BytesIO(buf.getvalue()))
    sampling = JpegImagePlugin.get_sampling(im)  # 2 == 4:2:0
    return np.asarray(im.convert("RGB")), sampling


def jpeg2000_pillow(a, ratio):
    """The reference's call; None when OpenJPEG refuses the image (the reference then falls back)."""
    buf = io.BytesIO()
    try:
        Image.fromarray(a).save(buf, format="JPEG2000", quality_mode="rates",
                                quality_layers=[ratio], num_resolutions=8, progression="LRCP")
    except OSError:
        return None
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def print_codecs(dump):
    for w, h in ((224, 224), (200, 150), (100, 90)):
        a = pattern(w, h)
        chunks = []
        print(f"codecs on pattern({w}, {h}):")
        for q in (100, 43, 36, 24, 7, 4):
            d, sampling = jpeg_pillow(a, q)
            chunks.append(d.tobytes())
            print(f"  jpeg q={q}: sampling {sampling} sha256 {hashlib.sha256(d.tobytes()).hexdigest()[:16]}")
        for ratio in (16, 32, 45, 120, 170):
            d = jpeg2000_pillow(a, ratio)
            if d is None:
                q = max(1, min(100, round(100 / ratio)))
                d, _ = jpeg_pillow(a, q)
                note = f"encoder failed, fallback jpeg q={q}"
            else:
                note = "ok"
            chunks.append(d.tobytes())
            print(f"  jpeg2000 ratio={ratio}: {note} sha256 {hashlib.sha256(d.tobytes()).hexdigest()[:16]}")
        if dump:
            with open(os.path.join(dump, f"pillow_{w}x{h}.raw"), "wb") as f:
                f.write(b"".join(chunks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", help="folder for the decoded Pillow outputs")
    args = parser.parse_args()
    print_quantization()
    print_pixelate()
    print_codecs(args.dump)


if __name__ == "__main__":
    main()
