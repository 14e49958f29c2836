"""The seeded CLIP weight generator, bit for bit the same as Swift's SeededStream / SeededCLIPWeights
(Sources/CrowdCLIPCore/Weights/). The spec is in Docs/encoders.md, "Seeded weights"; numpy with explicit
float32 / uint64 dtypes, no transcendental function on a value (sqrt only, correctly rounded everywhere)."""
import math

import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
MASK64 = (1 << 64) - 1
# ln(100) rounded to float32: exp(logit_scale) = 100, as in OpenAI's released models.
LOGIT_SCALE = np.float32(4.6051702)


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def stream_values(seed, name, count, mean, std):
    """`count` float32 values of the stream (seed, name): SplitMix64 seeded with seed XOR FNV-1a-64(name), each
    output's top 24 bits as a signed integer r in [-2^23, 2^23), x = r * 2^-23 in [-1, 1), value = mean + a * x
    with a = float32(sqrt(3) * std) (a uniform distribution of standard deviation std)."""
    state = np.uint64((seed ^ fnv1a64(name)) & MASK64)
    out = np.empty(count, dtype=np.float32)
    a = np.float32(math.sqrt(3.0) * std)
    m = np.float32(mean)
    chunk = 1 << 22
    for start in range(0, count, chunk):
        i = np.arange(start + 1, min(count, start + chunk) + 1, dtype=np.uint64)
        z = state + i * GAMMA
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        z = z ^ (z >> np.uint64(31))
        r = (z >> np.uint64(40)).astype(np.int64) - (1 << 23)
        x = r.astype(np.float32) * np.float32(2.0 ** -23)
        out[start:start + len(i)] = m + a * x
    return out


def checksum(values):
    """Sum over i of bits(value_i) * (2i + 1), modulo 2^64 (any flipped bit changes it)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).reshape(-1).view(np.uint32).astype(np.uint64)
    weights = np.arange(len(bits), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return int(np.sum(bits * weights, dtype=np.uint64))


def inv_sqrt(n):
    return 1.0 / math.sqrt(n)


def scale(name, shape, vision, text):
    """(mean, std) of tensor `name`: CLIP's own init scales (open_clip), LayerNorms near 1, biases small.
    vision / text: dicts with width and layers (and patch for vision)."""
    tower = vision if name.startswith("visual.") else text
    w, layers = tower["width"], tower["layers"]
    parts = name.split(".")
    last, parent = parts[-1], parts[-2] if len(parts) > 1 else ""
    if name == "logit_scale":
        return LOGIT_SCALE, 0.0
    if last == "weight" and parent.startswith("ln_"):
        return 1.0, 0.1
    if last.endswith("bias"):
        return 0.0, 0.02
    if name == "visual.conv1.weight":
        return 0.0, inv_sqrt(3 * vision["patch"] * vision["patch"])
    if name in ("visual.class_embedding", "visual.positional_embedding", "visual.proj"):
        return 0.0, inv_sqrt(w)
    if name == "token_embedding.weight":
        return 0.0, 0.02
    if name == "positional_embedding":
        return 0.0, 0.01
    if name == "text_projection":
        return 0.0, inv_sqrt(w)
    if name.endswith("attn.in_proj_weight"):
        return 0.0, inv_sqrt(w)
    if name.endswith("attn.out_proj.weight") or name.endswith("mlp.c_proj.weight"):
        return 0.0, inv_sqrt(w * 2 * layers)
    if name.endswith("mlp.c_fc.weight"):
        return 0.0, inv_sqrt(2 * w)
    raise ValueError(f"no seeded scale for {name} {tuple(shape)}")


def tensor(seed, name, shape, vision, text):
    mean, std = scale(name, shape, vision, text)
    return stream_values(seed, name, int(np.prod(shape, dtype=np.int64)), mean, std).reshape(shape)
