#!/usr/bin/python3
"""Makes the small image files committed under tests/data/ that OpenCV cannot write itself.

Run with Debian's Python and Pillow (apt-get install python3-pil): /usr/bin/python3 tests/tools/make_test_images.py
Outputs are deterministic; the unit tests in tests/unit/test_decode.cpp describe what each holds.
"""
import os
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "data")

# An upright 16x8 picture: left half red, right half blue, with a green 8x8 block... laid out so
# every flip and rotation is distinguishable: quadrants (top-left, top-right, bottom-left,
# bottom-right) = red, green, blue, white, each 8x4.
def upright():
    im = Image.new("RGB", (16, 8))
    colours = {(0, 0): (255, 0, 0), (1, 0): (0, 255, 0), (0, 1): (0, 0, 255), (1, 1): (255, 255, 255)}
    for (qx, qy), c in colours.items():
        im.paste(c, (qx * 8, qy * 4, qx * 8 + 8, qy * 4 + 4))
    return im

# Transforms taking the upright picture to what is stored for each orientation (the inverse of
# what a reader applies).
STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

def main():
    os.makedirs(OUT, exist_ok=True)
    base = upright()
    for orientation, transform in STORE.items():
        stored = base if transform is None else base.transpose(transform)
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = os.path.join(OUT, f"orientation_{orientation}.jpg")
        stored.save(path, quality=100, subsampling=0, exif=exif.tobytes())
        check = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        assert check.size == base.size, (orientation, check.size)
    # PNG carrying the orientation in an eXIf chunk.
    exif = Image.Exif()
    exif[0x0112] = 6
    base.transpose(STORE[6]).save(os.path.join(OUT, "orientation_6.png"), exif=exif.tobytes())

    # CMYK JPEG and TIFF: a flat colour, C=0 M=255 Y=255 K=0 (pure red in Pillow's naive conversion).
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))
    cmyk.save(os.path.join(OUT, "cmyk.jpg"), quality=100)
    cmyk.save(os.path.join(OUT, "cmyk.tif"))

    # Gray with alpha: gray 0 (black) at alpha 128 composited on white gives 127 (or 128).
    la = Image.new("LA", (4, 4), (0, 128))
    la.save(os.path.join(OUT, "gray_alpha.png"))

if __name__ == "__main__":
    main()
