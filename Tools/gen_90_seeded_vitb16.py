"""Full-size ViT-B/16 parity without committed weights: open_clip's `ViT-B-16` (QuickGELU, image and text towers)
filled by the seeded generator (Tools/seeded_weights.py, the same bits as Swift's SeededCLIPWeights), run in fp32 on
two seeded pixel tensors and three prompts. Writes Tests/Fixtures/seeded/vit-b-16.json: every tensor's checksum
and the reference features, read by Tests/CrowdCLIPCoreTests/SeededParityTests.swift (Docs/encoders.md)."""
import json
import os
import sys

import numpy as np
import open_clip
import torch

sys.path.insert(0, os.path.dirname(__file__))
from seeded_weights import checksum, stream_values, tensor  # noqa: E402

OUT = "Tests/Fixtures/seeded/vit-b-16.json"
SEED = 90
VISION = {"width": 768, "layers": 12, "patch": 16}
TEXT = {"width": 512, "layers": 12}
PIXELS = ("input.pixels", [2, 3, 224, 224])
PROMPTS = ["There are 20 persons in the crowd", "a photo of a dog", ""]
# The Swift generator's checksums, as documented in Docs/encoders.md and asserted in SeededParityTests: a change
# on either side stops here (or there) before any feature is compared.
DOCUMENTED = {
    "visual.conv1.weight": 0x78800a630e3b1da6,
    "visual.transformer.resblocks.11.mlp.c_proj.weight": 0xae14a40d3db7fb5c,
    "token_embedding.weight": 0x08e074192004206a,
    "ln_final.weight": 0x0000fdef679ee302,
    "logit_scale": 0x0000000040935d8e,
    "input.pixels": 0x7bc3d03cc991464b,
}


def main():
    torch.set_num_threads(1)  # one summation order whatever the machine: the file regenerates byte-identically
    model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True).eval()
    reference = model.state_dict()
    weights, sums = {}, {}
    for name in sorted(reference):
        shape = list(reference[name].shape)
        values = tensor(SEED, name, shape, VISION, TEXT)
        weights[name] = torch.from_numpy(values)
        sums[name] = checksum(values)
    model.load_state_dict(weights, strict=True)
    pixels = stream_values(SEED, PIXELS[0], int(np.prod(PIXELS[1])), 0.0, 1.0).reshape(PIXELS[1])
    sums[PIXELS[0]] = checksum(pixels)
    wrong = {k: f"{sums[k]:#018x}" for k, v in DOCUMENTED.items() if sums[k] != v}
    if wrong:
        sys.exit(f"seeded generator differs from the documented checksums: {wrong}")

    tokens = open_clip.tokenize(PROMPTS)
    with torch.no_grad():
        img = model.encode_image(torch.from_numpy(pixels), normalize=True)
        txt = model.encode_text(tokens, normalize=True)
        logit_scale = model.logit_scale.exp()
        probabilities = (logit_scale * img @ txt.T).softmax(dim=-1)
    ref = {
        "seed": SEED,
        "model": "open_clip ViT-B-16, force_quick_gelu, fp32",
        "head_width": 64,
        "pixels": {"name": PIXELS[0], "shape": PIXELS[1], "mean": 0.0, "std": 1.0},
        "checksums": {k: f"{v:#018x}" for k, v in sorted(sums.items())},
        "prompts": PROMPTS,
        "tokens": [[int(t) for t in row[: int(row.argmax()) + 1]] for row in tokens],
        "image_features": img.tolist(),
        "text_features": txt.tolist(),
        "logit_scale": float(logit_scale),
        "probabilities": probabilities.tolist(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT} ({len(sums)} checksums)")


if __name__ == "__main__":
    main()
