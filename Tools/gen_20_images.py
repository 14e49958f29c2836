"""Image decoding and preprocessing references from Pillow + torchvision (Tests/Fixtures/images/).

- decode/: small files in many encodings; expected.json holds the SHA-256 of Pillow's convert("RGB") bytes.
- resize: SHA-256 of Pillow's resize for several sizes and both filters.
- pipelines: the 8-bit image right before ToTensor for both pipelines (PNG), and the per-value float table of
  ToTensor+Normalize; together they determine torchvision's float tensor exactly (checked here).
- mini-crowd: hashes of Pillow's decode and of the crowdclip-prepared centre patch of ../shared photos (the
  photos themselves are not copied).
"""
import glob
import hashlib
import io
import json
import math
import os

import numpy as np
import torch
from PIL import Image, ImageDraw
from torchvision import transforms as T

OUT = "Tests/Fixtures/images"
CROWDCLIP = T.Compose([T.Resize((256, 256)), T.CenterCrop(224), T.ToTensor(),
                       T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
CLIP = T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                  T.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))])
PREP = {"crowdclip": T.Compose([T.Resize((256, 256)), T.CenterCrop(224)]),
        "clip": T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224)])}
FULL = {"crowdclip": CROWDCLIP, "clip": CLIP}


def sha(im):
    return hashlib.sha256(im.convert("RGB").tobytes()).hexdigest()


def scene(w, h, seed):
    """A synthetic photo: gradients, shapes and a little texture; compresses well."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 100 * np.sin(x / (7 + seed)), 128 + 100 * np.cos(y / 9.0), (x * 3 + y * 5) % 256], -1)
    base = base + rng.normal(0, 6, base.shape)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for i in range(6):
        cx, cy, r = (i * 37 + seed * 13) % w, (i * 53 + seed * 7) % h, 3 + (i * 5) % 17
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=((i * 60) % 256, (i * 90) % 256, (i * 30) % 256))
    return im


def encode(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def decode_cases():
    rgb = scene(41, 29, 1)
    cases = {
        "baseline.jpg": encode(rgb, "JPEG", quality=90),
        "progressive.jpg": encode(rgb, "JPEG", quality=85, progressive=True),
        "subsampled420.jpg": encode(scene(37, 23, 2), "JPEG", quality=75, subsampling=2),
        "grey.jpg": encode(rgb.convert("L"), "JPEG", quality=90),
        "cmyk.jpg": encode(rgb.convert("CMYK"), "JPEG", quality=90),
        "rgb.png": encode(rgb, "PNG"),
        "rgba.png": encode(rgb.convert("RGBA"), "PNG"),
        "grey.png": encode(rgb.convert("L"), "PNG"),
        "grey-alpha.png": encode(rgb.convert("LA"), "PNG"),
        "bilevel.png": encode(rgb.convert("1"), "PNG"),
        "palette.png": encode(rgb.convert("P", palette=Image.ADAPTIVE, colors=16), "PNG"),
        "palette-trns.png": encode(rgb.convert("P", palette=Image.ADAPTIVE, colors=16), "PNG", transparency=3),
        "grey16.png": encode(Image.fromarray((np.arange(41 * 29).reshape(29, 41) * 7 % 400).astype(np.uint16)), "PNG"),
    }
    rgb16 = (np.asarray(rgb).astype(np.uint16) * 257 + 3)
    # 16-bit RGB through a hand-built PNG (Pillow cannot write it); Pillow reads it back.
    cases["rgb16.png"] = png_rgb16(rgb16)
    return {k: v for k, v in cases.items() if v is not None}


def png_rgb16(a):
    import struct
    import zlib
    h, w, _ = a.shape
    raw = b"".join(b"\x00" + a[y].astype(">u2").tobytes() for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    os.makedirs(f"{OUT}/decode", exist_ok=True)
    expected = {"decode": {}, "resize": [], "pipelines": [], "mini_crowd": {}}
    for name, data in decode_cases().items():
        with open(f"{OUT}/decode/{name}", "wb") as f:
            f.write(data)
        expected["decode"][name] = sha(Image.open(io.BytesIO(data)))

    src = Image.open(f"{OUT}/decode/baseline.jpg").convert("RGB")
    for (w, h) in [(20, 15), (7, 5), (41, 60), (100, 71), (256, 256), (41, 13), (3, 29), (60, 20), (20, 60), (100, 10), (50, 28), (42, 28), (40, 30), (400, 25)]:
        for flt, name in ((Image.BILINEAR, "bilinear"), (Image.BICUBIC, "bicubic")):
            expected["resize"].append({"source": "baseline.jpg", "width": w, "height": h, "filter": name,
                                       "sha256": sha(src.resize((w, h), flt))})

    sources = {"scene-320x240.png": scene(320, 240, 3), "scene-97x61.png": scene(97, 61, 4),
               "scene-230x300.png": scene(230, 300, 5)}
    for name, im in sources.items():
        im.save(f"{OUT}/{name}")
        im = Image.open(f"{OUT}/{name}").convert("RGB")
        for pipe in ("crowdclip", "clip"):
            prepared = PREP[pipe](im)
            out = f"prepared-{pipe}-{name}"
            prepared.save(f"{OUT}/{out}")
            # The float tensor is a per-channel function of the 8-bit values: check, then store that table.
            tensor = FULL[pipe](im)
            table = FULL[pipe].transforms[-1](T.ToTensor()(Image.fromarray(
                np.tile(np.arange(256, dtype=np.uint8), (1, 1)).repeat(3, 0).T.reshape(1, 256, 3))))
            rebuilt = torch.stack([table[c, 0][torch.from_numpy(np.asarray(prepared)[:, :, c].astype(np.int64))] for c in range(3)])
            assert torch.equal(rebuilt, tensor)
            expected["pipelines"].append({"source": name, "pipeline": pipe, "prepared": out,
                                          "table": table[:, 0, :].tolist()})

    shared = sorted(glob.glob("../shared/data/mini-crowd/*/images/*.jpg"))
    for path in shared:
        im = Image.open(path).convert("RGB")
        w, h = im.size
        patch = im.crop((w // 3, h // 3, 2 * w // 3, 2 * h // 3))
        key = "/".join(path.split("/")[-3:])
        expected["mini_crowd"][key] = {"decode": sha(im), "crowdclip_centre_patch": sha(PREP["crowdclip"](patch))}

    with open(f"{OUT}/expected.json", "w") as f:
        json.dump(expected, f, indent=0)
    print(len(expected["decode"]), "decode cases,", len(expected["mini_crowd"]), "mini-crowd photos")


if __name__ == "__main__":
    main()
