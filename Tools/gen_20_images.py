#!/usr/bin/env python3
"""Image decoding, resampling and preprocessing fixtures (Tests/Fixtures/images/).

Reference: the venv's Pillow (decoding, resize, crop, flip) and torchvision's transforms
(preprocessing pipelines). Small synthetic images, odd sizes, up- and down-scaling.
Outputs:
  <name>.jpg/.png          encoded inputs
  decode_cases.txt         file width height mode crc32 of the RGB bytes
  <name>.rgb               Pillow's Image.open(f).convert("RGB").tobytes()
  resize_cases.txt         one case a line: id source filter out_w out_h box(4 floats|-)
  resize_<id>.rgb          Pillow's resize result (uint8 RGB)
  crop_cases.txt / crop_<id>.rgb, flip_<source>.rgb
  pipeline_cases.txt       id pipeline source; pipeline_<id>.rgb = 224x224 uint8 after
                           Resize+CenterCrop (torchvision on the PIL image)
  normalize_<pipeline>.f32 torch ToTensor+Normalize of normalize_ramp.png (float32 CHW)
  scene-97x61.png          a small synthetic photo other areas' tests feed through the pipelines
  mini_crowd.json          SHA-256 of Pillow's decode and of the crowdclip-prepared centre patch of
                           each ../shared/data/mini-crowd photo (photos are not copied; kept as is
                           when that folder is absent)
Run from the repo root: .venv/bin/python Tools/gen_20_images.py
"""
import glob
import hashlib
import io
import json
import os
import struct
import zlib

import numpy as np
import torch
from PIL import Image, ImageDraw
from torchvision import transforms as T

OUT = "Tests/Fixtures/images"
rng = np.random.default_rng(20)


def synthetic(w, h, seed):
    """Smooth colour gradients and waves plus mild noise: realistic edges without bloating JPEGs."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([
        128 + 100 * np.sin(x / (3 + seed % 5) + y / 7.0),
        128 + 110 * np.cos(y / (4 + seed % 3) - x / 11.0),
        255 * (x + y) / (w + h),
    ], axis=-1)
    # a few hard-edged blocks (high-frequency content for the resampler)
    for _ in range(4):
        x0, y0 = r.integers(0, w - 4), r.integers(0, h - 4)
        img[y0:y0 + r.integers(2, 9), x0:x0 + r.integers(2, 9)] = r.integers(0, 256, 3)
    img += r.normal(0, 6, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def scene(w, h, seed):
    """A synthetic photo: gradients, shapes and a little texture (scene-97x61.png)."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 100 * np.sin(x / (7 + seed)), 128 + 100 * np.cos(y / 9.0), (x * 3 + y * 5) % 256], -1)
    base = base + r.normal(0, 6, base.shape)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for i in range(6):
        cx, cy, rad = (i * 37 + seed * 13) % w, (i * 53 + seed * 7) % h, 3 + (i * 5) % 17
        d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], fill=((i * 60) % 256, (i * 90) % 256, (i * 30) % 256))
    return im


def mini_crowd_hashes(prep):
    """Hashes for the ../shared/data/mini-crowd photos, or None when the folder is absent."""
    for root in ("../shared/data/mini-crowd", "../../shared/data/mini-crowd"):
        paths = sorted(glob.glob(f"{root}/*/images/*.jpg"))
        if paths:
            break
    else:
        return None
    sha = lambda im: hashlib.sha256(im.tobytes()).hexdigest()
    out = {}
    for path in paths:
        im = Image.open(path).convert("RGB")
        w, h = im.size
        patch = im.crop((w // 3, h // 3, 2 * w // 3, 2 * h // 3))
        out["/".join(path.split("/")[-3:])] = {"decode": sha(im), "crowdclip_centre_patch": sha(prep(patch))}
    return out


def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def raw_png(path, w, h, bit_depth, color_type, rows, plte=None, trns=None, interlace=False):
    """Minimal PNG writer for layouts Pillow cannot save (16-bit RGB/LA/RGBA, 2-bit grey, Adam7).
    `rows(x0, y0, dx, dy)` returns the packed scanlines of the sub-image on that lattice."""
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    else:
        passes = [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        for line in rows(x0, y0, dx, dy):
            raw += b"\x00" + line
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    if plte is not None:
        data += png_chunk(b"PLTE", plte)
    if trns is not None:
        data += png_chunk(b"tRNS", trns)
    data += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def sample_rows(arr, bits):
    """Rows of a HxWxC integer array on a lattice, packed big-endian at `bits` per sample."""
    def rows(x0, y0, dx, dy):
        sub = arr[y0::dy, x0::dx]
        out = []
        if sub.shape[1] == 0:
            return out
        for row in sub:
            flat = row.reshape(-1)
            if bits == 16:
                out.append(flat.astype(">u2").tobytes())
            elif bits == 8:
                out.append(flat.astype(np.uint8).tobytes())
            else:
                per = 8 // bits
                padded = np.zeros(-(-len(flat) // per) * per, dtype=np.uint8)
                padded[:len(flat)] = flat
                packed = np.zeros(len(padded) // per, dtype=np.uint8)
                for i in range(per):
                    packed |= (padded[i::per] << (8 - bits * (i + 1))).astype(np.uint8)
                out.append(packed.tobytes())
        return out
    return rows


def save_rgb_ref(name, store=True):
    im = Image.open(os.path.join(OUT, name))
    im.load()
    rgb = im.convert("RGB")
    if not store:
        return im.mode, rgb
    with open(os.path.join(OUT, name.rsplit(".", 1)[0] + ".rgb"), "wb") as f:
        f.write(rgb.tobytes())
    return im.mode, rgb


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f != "mini_crowd.json":
            os.remove(os.path.join(OUT, f))
    files = []

    # --- JPEG -------------------------------------------------------------------------
    def jpeg(name, arr, mode="RGB", **kw):
        im = Image.fromarray(arr)
        if mode != "RGB":
            im = im.convert(mode)
        im.save(os.path.join(OUT, name), "JPEG", **kw)
        files.append(name)

    jpeg("rgb_baseline.jpg", synthetic(61, 47, 1), quality=90)
    jpeg("rgb_progressive.jpg", synthetic(97, 61, 2), quality=85, progressive=True)
    jpeg("rgb_444.jpg", synthetic(53, 41, 3), quality=92, subsampling=0)
    jpeg("rgb_422.jpg", synthetic(50, 37, 4), quality=88, subsampling=1)
    jpeg("grey.jpg", synthetic(40, 30, 5), mode="L", quality=90)
    jpeg("grey_progressive.jpg", synthetic(43, 31, 6), mode="L", quality=80, progressive=True)
    jpeg("cmyk.jpg", synthetic(45, 33, 7), mode="CMYK", quality=90)
    # Downscaling source for the pipelines: 332x257 makes CLIP's centre crop offset 32.5,
    # where Python's round-half-even matters.
    jpeg("large.jpg", synthetic(332, 257, 8), quality=70)

    # --- PNG --------------------------------------------------------------------------
    def png(name, im, **kw):
        im.save(os.path.join(OUT, name), "PNG", **kw)
        files.append(name)

    png("rgb8.png", Image.fromarray(synthetic(59, 43, 9)))
    a = synthetic(47, 35, 10)
    alpha = np.linspace(0, 255, 47 * 35).reshape(35, 47).astype(np.uint8)
    png("rgba8.png", Image.fromarray(np.dstack([a, alpha]), "RGBA"))
    pal = Image.fromarray(synthetic(41, 29, 11)).quantize(colors=37)
    png("palette_trns.png", pal, transparency=bytes([0, 255, 128, 7] + [255] * 3))
    pal16 = Image.fromarray(synthetic(33, 27, 12)).quantize(colors=16)
    png("palette4.png", pal16, bits=4)
    g = synthetic(37, 29, 13)[..., 0].astype(np.uint16)
    # 16-bit grey: low values (kept by Pillow) and high values (clipped to 255 by "I;16"->RGB)
    g16 = g * 257
    g16[: 29 // 2] = g[: 29 // 2]
    raw_png(os.path.join(OUT, "grey16.png"), 37, 29, 16, 0, sample_rows(g16[..., None], 16))
    files.append("grey16.png")
    png("grey8.png", Image.fromarray(synthetic(35, 26, 14)[..., 1], "L"))
    la = synthetic(39, 28, 15)
    png("grey_alpha.png", Image.fromarray(np.dstack([la[..., 0], la[..., 2]]), "LA"))
    png("grey1.png", Image.fromarray(synthetic(30, 21, 16)[..., 0] > 128))

    s = synthetic(31, 23, 17).astype(np.uint16)
    raw_png(os.path.join(OUT, "rgb16.png"), 31, 23, 16, 2, sample_rows(s * 257 + rng.integers(0, 257, s.shape), 16))
    s = synthetic(29, 22, 18).astype(np.uint16)
    raw_png(os.path.join(OUT, "grey_alpha16.png"), 29, 22, 16, 4, sample_rows(s[..., :2] * 256 + 200, 16))
    s = synthetic(27, 19, 19).astype(np.uint16)
    raw_png(os.path.join(OUT, "rgba16.png"), 27, 19, 16, 6,
            sample_rows(np.dstack([s, s[..., :1]]) * 257, 16))
    s = synthetic(26, 17, 20)[..., 0:1] // 64
    raw_png(os.path.join(OUT, "grey2.png"), 26, 17, 2, 0, sample_rows(s, 2))
    s = synthetic(25, 18, 21)[..., 0:1] // 16
    raw_png(os.path.join(OUT, "grey4.png"), 25, 18, 4, 0, sample_rows(s, 4))
    s = synthetic(44, 34, 22)
    raw_png(os.path.join(OUT, "rgb8_interlaced.png"), 44, 34, 8, 2, sample_rows(s, 8), interlace=True)
    s = (synthetic(23, 15, 23)[..., 0:1] // 32)
    plte = bytes(np.arange(8 * 3, dtype=np.uint8) * 10)
    raw_png(os.path.join(OUT, "palette2_interlaced.png"), 23, 15, 2, 3, sample_rows(s % 4, 2),
            plte=plte[:12], trns=b"\x00\x80", interlace=True)
    files += ["rgb16.png", "grey_alpha16.png", "rgba16.png", "grey2.png", "grey4.png",
              "rgb8_interlaced.png", "palette2_interlaced.png"]

    modes = {}
    decoded = {}
    for name in files:
        # large.jpg's 256 kB of pixels are checked by CRC-32 only (fixture budget).
        mode, rgb = save_rgb_ref(name, store=name != "large.jpg")
        modes[name] = mode
        decoded[name] = rgb
    with open(os.path.join(OUT, "decode_cases.txt"), "w") as f:
        f.write("# file width height pillow_mode crc32_of_rgb_bytes\n")
        for name in files:
            w, h = decoded[name].size
            crc = zlib.crc32(decoded[name].tobytes()) & 0xFFFFFFFF
            f.write(f"{name} {w} {h} {modes[name]} {crc:08x}\n")

    # --- resize / crop / flip -----------------------------------------------------------
    B, C = Image.Resampling.BILINEAR, Image.Resampling.BICUBIC
    resize_cases = [
        ("rgb_progressive.jpg", B, 40, 30, None),
        ("rgb_progressive.jpg", C, 40, 30, None),
        ("rgb_progressive.jpg", B, 131, 77, None),
        ("rgb_progressive.jpg", C, 131, 77, None),
        ("rgb_progressive.jpg", B, 97, 23, None),   # vertical pass only
        ("rgb_progressive.jpg", C, 23, 61, None),   # horizontal pass only
        ("rgb_baseline.jpg", C, 37, 89, None),      # down in x, up in y
        ("rgb_baseline.jpg", B, 7, 5, None),        # strong downscale
        ("rgb_baseline.jpg", C, 3, 2, None),
        ("rgb8.png", C, 33, 21, (3.5, 2.25, 50.75, 40.0)),
        ("rgb8.png", B, 64, 64, (10, 5, 30, 25)),
        ("large.jpg", B, 256, 64, None),
        ("large.jpg", C, 71, 55, None),
        ("cmyk.jpg", B, 90, 66, None),
        ("rgb_progressive.jpg", C, 90, 20, None),   # Pillow 13 runs the vertical pass first
        ("rgb8.png", C, 70, 30, (5.5, 3.25, 40.0, 41.5)),  # vertical first, with a box
        ("rgb8.png", B, 20, 15, (7, 9, 27, 24)),   # integer box of the output size: a crop
    ]
    with open(os.path.join(OUT, "resize_cases.txt"), "w") as f:
        f.write("# id source filter width height box\n")
        for i, (src, flt, w, h, box) in enumerate(resize_cases):
            out = decoded[src].resize((w, h), flt, box=box)
            with open(os.path.join(OUT, f"resize_{i}.rgb"), "wb") as g:
                g.write(out.tobytes())
            fname = "bilinear" if flt == B else "bicubic"
            boxs = " ".join(repr(float(v)) for v in box) if box else "-"
            f.write(f"{i} {src} {fname} {w} {h} {boxs}\n")

    crop_cases = [
        ("rgb_baseline.jpg", (5, 7, 40, 30)),
        ("rgb_baseline.jpg", (-6, -4, 20, 15)),   # outside top-left: zero fill
        ("rgb_baseline.jpg", (50, 40, 70, 55)),   # outside bottom-right
        ("grey.jpg", (-3, -2, 45, 33)),           # larger than the image on every side
    ]
    with open(os.path.join(OUT, "crop_cases.txt"), "w") as f:
        f.write("# id source left top right bottom\n")
        for i, (src, box) in enumerate(crop_cases):
            out = decoded[src].crop(box)
            with open(os.path.join(OUT, f"crop_{i}.rgb"), "wb") as g:
                g.write(out.tobytes())
            f.write(f"{i} {src} {' '.join(map(str, box))}\n")
    flip = decoded["rgb_baseline.jpg"].transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    with open(os.path.join(OUT, "flip_rgb_baseline.rgb"), "wb") as g:
        g.write(flip.tobytes())

    # --- preprocessing pipelines (torchvision on PIL images) -----------------------------
    mean_std = {
        "crowdclip": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        "clip": ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
    }
    geometric = {
        "crowdclip": T.Compose([T.Resize((256, 256)), T.CenterCrop(224)]),
        "clip": T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224)]),
    }
    pipeline_cases = [("crowdclip", "rgb_progressive.jpg"), ("crowdclip", "large.jpg"),
                      ("clip", "large.jpg"), ("clip", "grey.jpg")]
    with open(os.path.join(OUT, "pipeline_cases.txt"), "w") as f:
        f.write("# id pipeline source (pipeline_<id>.rgb: 224x224 after resize + centre crop)\n")
        for i, (name, src) in enumerate(pipeline_cases):
            img = decoded[src]
            full = T.Compose([geometric[name], T.ToTensor(), T.Normalize(*mean_std[name])])(img)
            crop = geometric[name](img)
            assert crop.size == (224, 224)
            # The float tensor is ToTensor+Normalize of the stored bytes (checked here), so
            # the Swift test can rebuild it from normalize_<pipeline>.f32's per-value table.
            again = T.Normalize(*mean_std[name])(T.ToTensor()(crop))
            assert torch.equal(full, again)
            with open(os.path.join(OUT, f"pipeline_{i}.rgb"), "wb") as g:
                g.write(crop.tobytes())
            f.write(f"{i} {name} {src}\n")

    # Every byte value in every channel, to pin ToTensor+Normalize to torch's float32 results.
    ramp = np.zeros((16, 16, 3), dtype=np.uint8)
    v = np.arange(256, dtype=np.uint8).reshape(16, 16)
    ramp[..., 0], ramp[..., 1], ramp[..., 2] = v, v[::-1], v.T
    Image.fromarray(ramp).save(os.path.join(OUT, "normalize_ramp.png"))
    for name, (mean, std) in mean_std.items():
        t = T.Normalize(mean, std)(T.ToTensor()(Image.open(os.path.join(OUT, "normalize_ramp.png"))))
        assert t.dtype == torch.float32 and tuple(t.shape) == (3, 16, 16)
        t.numpy().astype("<f4").tofile(os.path.join(OUT, f"normalize_{name}.f32"))

    scene(97, 61, 4).save(os.path.join(OUT, "scene-97x61.png"))
    hashes = mini_crowd_hashes(geometric["crowdclip"])
    if hashes is not None:
        with open(os.path.join(OUT, "mini_crowd.json"), "w") as f:
            json.dump(hashes, f, indent=0, sort_keys=True)
        print(len(hashes), "mini-crowd photos hashed")

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
