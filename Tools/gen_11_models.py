"""Tiny CLIP models (open_clip layout, safetensors) and their reference features from open_clip + PyTorch.

Writes Tests/Fixtures/models/: tiny-p16 (fp16, full vocabulary, the base model other fixtures reuse),
tiny-p32 and tiny-p14 (fp32, small vocabulary), each with <name>.json holding the config and the references."""
import json
import os
import sys

import numpy as np
import open_clip
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from tiny_clip import HEAD_WIDTH, make_clip, round_to_fp16, synthetic_images  # noqa: E402

OUT = "Tests/Fixtures/models"
PROMPTS = [
    "There are 20 persons in the crowd", "The object is crowd", "The objects are human heads",
    "a photo of a dog", "", "Hello, World! 123 émigré café",
]


def features(model, images, tokens):
    with torch.no_grad():
        img = model.encode_image(images, normalize=True)
        txt = model.encode_text(tokens, normalize=True)
    return img, txt


def write(name, model, fp16, vocab, seed):
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    if fp16:
        sd = {k: v.half() for k, v in sd.items()}
    save_file(sd, f"{OUT}/{name}.safetensors")
    images = synthetic_images(2)
    if vocab == 49408:
        tokens = open_clip.tokenize(PROMPTS)
    else:
        g = torch.Generator().manual_seed(seed)
        tokens = torch.zeros(4, 77, dtype=torch.long)
        for i, length in enumerate([3, 10, 1, 75]):
            tokens[i, 0] = vocab - 2
            tokens[i, 1:length + 1] = torch.randint(1, vocab - 2, (length,), generator=g)
            tokens[i, length + 1] = vocab - 1  # the end token is the largest id
    img, txt = features(model, images, tokens)
    ref = {
        "head_width": HEAD_WIDTH,
        "dtype": "float16" if fp16 else "float32",
        "image_inputs": "synthetic_images(2) in Tools/tiny_clip.py",
        "image_features": img.tolist(),
        "tokens": [[int(t) for t in row[: int(row.argmax()) + 1]] for row in tokens],
        "prompts": PROMPTS if vocab == 49408 else None,
        "text_features": txt.tolist(),
        "logit_scale": float(model.logit_scale.detach().exp()),
    }
    with open(f"{OUT}/{name}.json", "w") as f:
        json.dump(ref, f, indent=1)


def write_npy():
    """A small array as numpy saves it, for the .npy reader (values: arange · 0.25 − 7.5)."""
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5) * 0.25 - 7.5
    np.save(f"{OUT}/arange-2x3x4x5.npy", a)


def write_gelu_reference():
    """tiny-p32's weights run with exact GELU (what a Hugging Face `hidden_act: gelu` hint selects)."""
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
    from safetensors.torch import load_file
    with open(f"{OUT}/tiny-p32.json") as f:
        base = json.load(f)
    model = CLIP(embed_dim=8,
                 vision_cfg=CLIPVisionCfg(layers=2, width=16, head_width=HEAD_WIDTH, patch_size=32, image_size=224),
                 text_cfg=CLIPTextCfg(context_length=77, vocab_size=64, width=16, heads=2, layers=2),
                 quick_gelu=False).eval()
    model.load_state_dict(load_file(f"{OUT}/tiny-p32.safetensors"))
    tokens = torch.zeros(len(base["tokens"]), 77, dtype=torch.long)
    for i, row in enumerate(base["tokens"]):
        tokens[i, : len(row)] = torch.tensor(row)
    img, txt = features(model, synthetic_images(2), tokens)
    ref = {"head_width": HEAD_WIDTH, "activation": "gelu", "weights": "tiny-p32.safetensors",
           "image_features": img.tolist(), "tokens": base["tokens"], "text_features": txt.tolist()}
    with open(f"{OUT}/tiny-p32-gelu.json", "w") as f:
        json.dump(ref, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_npy()
    write("tiny-p16", round_to_fp16(make_clip(16, 16, 49408)), True, 49408, 16)
    write("tiny-p32", make_clip(32, 32, 64), False, 64, 32)
    write("tiny-p14", make_clip(14, 14, 64), False, 64, 14)
    write_gelu_reference()


if __name__ == "__main__":
    main()
