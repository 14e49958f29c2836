"""Full-size parity (not in CI; `make parity-full`): a random ViT-B/16 in open_clip layout, written as fp32
safetensors with reference features from open_clip + PyTorch, read by Tests/CrowdCLIPCoreTests/ParityFullTests.swift
through CROWDCLIP_PARITY_FULL=<out>."""
import argparse
import json
import os
import sys

import open_clip
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from full_clip import make_vit_b16, state_dict  # noqa: E402
from tiny_clip import synthetic_images  # noqa: E402

PROMPTS = ["There are 20 persons in the crowd", "The object is crowd", "a photo of a dog", ""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".build/parity-full")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = make_vit_b16(seed=7)
    save_file(state_dict(model), os.path.join(args.out, "vit-b-16.safetensors"))
    images = synthetic_images(3)
    tokens = open_clip.tokenize(PROMPTS)
    with torch.no_grad():
        img = model.encode_image(images, normalize=True)
        txt = model.encode_text(tokens, normalize=True)
        logits = model.logit_scale.exp() * img @ txt.T
    ref = {
        "head_width": 64,
        "image_inputs": "synthetic_images(3) in Tools/tiny_clip.py",
        "image_features": img.tolist(),
        "tokens": [[int(t) for t in row[: int(row.argmax()) + 1]] for row in tokens],
        "prompts": PROMPTS,
        "text_features": txt.tolist(),
        "logit_scale": float(model.logit_scale.exp()),
        "probabilities": logits.softmax(dim=-1).tolist(),
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(ref, f)
    print(f"wrote {args.out}/vit-b-16.safetensors and reference.json")


if __name__ == "__main__":
    main()
