#!/usr/bin/python3
"""Makes tests/data/train/: four small synthetic 'photographs' (96x72 PNG) for the training tests.

Run with Debian's Python (apt-get install python3-pil python3-numpy):
  /usr/bin/python3 tests/tools/make_train_images.py
Deterministic; the content is procedural (no third-party images), varied enough in texture and
colour that the distortions and the relation graphs have something to act on.
"""
import os
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "train")
W, H = 96, 72
y, x = np.mgrid[0:H, 0:W].astype(np.float64)
rng = np.random.RandomState(5)


def save(name, rgb):
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").save(os.path.join(OUT, name))


os.makedirs(OUT, exist_ok=True)
# Oblique grating over a colour ramp.
save("grating.png", np.stack([128 + 100 * np.sin((x + 0.6 * y) / 3.0), 60 + 1.5 * x, 200 - 2 * y], -1))
# Discs of several sizes on a gradient.
disc = np.zeros((H, W))
for cx, cy, r in [(20, 20, 12), (60, 30, 18), (80, 60, 8), (30, 55, 10)]:
    disc += ((x - cx) ** 2 + (y - cy) ** 2 < r * r)
save("discs.png", np.stack([40 + 180 * disc, 90 + x, 150 - 100 * disc + y], -1))
# Smoothed noise ("foliage").
noise = rng.rand(H // 6 + 1, W // 6 + 1)
big = np.kron(noise, np.ones((6, 6)))[:H, :W]
save("foliage.png", np.stack([70 + 120 * big, 120 + 100 * big, 50 + 40 * rng.rand(H, W)], -1))
# Checkerboard with edges at two scales.
check = ((x // 12 + y // 12) % 2) * 0.7 + ((x // 4 + y // 4) % 2) * 0.3
save("checker.png", np.stack([30 + 200 * check, 30 + 200 * check, 60 + 150 * (1 - check)], -1))
