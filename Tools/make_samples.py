"""Synthetic sample photos for `make demo` (Docs/samples/): a crowd of drawn heads and shoulders on a street.
They are ours to ship, unlike dataset photos; real photos give real counts. Run from the repository root with the
reference venv (`.venv/bin/python Tools/make_samples.py`): it rewrites both files byte-identically (README, `demo`)."""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SKIN = [(241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172)]
HAIR = [(20, 20, 20), (60, 40, 20), (110, 80, 40), (200, 170, 90), (90, 90, 90)]


def crowd(width, height, people, seed):
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    sky = np.array([150, 170, 190]) * (1 - y) + np.array([90, 90, 95]) * y
    im = Image.fromarray(np.broadcast_to(sky, (height, width, 3)).astype(np.uint8))
    d = ImageDraw.Draw(im)
    # Far people are small and high in the frame; near ones are large and low.
    for depth in np.sort(rng.uniform(0.05, 1.0, people)):
        r = 4 + 22 * depth
        cx, cy = rng.uniform(0, width), height * (0.25 + 0.7 * depth) + rng.normal(0, 8)
        shirt = tuple(int(c) for c in rng.integers(30, 230, 3))
        d.ellipse([cx - 2.2 * r, cy + 0.8 * r, cx + 2.2 * r, cy + 5 * r], fill=shirt)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=SKIN[rng.integers(len(SKIN))])
        d.chord([cx - r, cy - 1.15 * r, cx + r, cy + 0.4 * r], 180, 360, fill=HAIR[rng.integers(len(HAIR))])
    return im.filter(ImageFilter.GaussianBlur(0.6))


if __name__ == "__main__":
    crowd(800, 600, 220, 1).save("Docs/samples/street-crowd.jpg", quality=82)
    crowd(800, 533, 60, 2).save("Docs/samples/small-group.jpg", quality=82)
