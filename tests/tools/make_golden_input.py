#!/usr/bin/python3
"""Makes tests/data/golden/input.png: a 64x64 synthetic test picture with what the distortions act
on — smooth colour gradients, hard edges, a saturated disc, fine stripes and a seeded texture.
Run with Debian's Python (python3-numpy, python3-pil): /usr/bin/python3 tests/tools/make_golden_input.py
"""
import os
import numpy as np
from PIL import Image

size = 64
y, x = np.mgrid[0:size, 0:size].astype(np.float64)
img = np.zeros((size, size, 3))
img[..., 0] = x / (size - 1)                       # red ramp left to right
img[..., 1] = y / (size - 1)                       # green ramp top to bottom
img[..., 2] = 0.5 + 0.4 * np.sin(x / 5.0) * np.cos(y / 7.0)
disc = (x - 44) ** 2 + (y - 20) ** 2 < 12 ** 2     # a saturated orange disc
img[disc] = (0.95, 0.45, 0.05)
stripes = np.where((np.arange(20) // 2) % 2 == 0, 0.1, 0.9)  # vertical stripes, 2 px wide
img[40:60, 6:26] = stripes[None, :, None]
rng = np.random.default_rng(7)
texture = rng.normal(0, 0.06, (20, 24, 3))
img[40:60, 36:60] = np.clip(0.45 + texture, 0, 1)  # a noisy grey patch
out = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "input.png")
os.makedirs(os.path.dirname(out), exist_ok=True)
Image.fromarray(np.round(img * 255).astype(np.uint8)).save(out)
