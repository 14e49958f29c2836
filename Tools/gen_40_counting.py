"""Reference for the counting test stage: a Python transcription of CrowdCLIP's procedure with open_clip +
torchvision + Pillow, on tiny models (Tests/Fixtures/counting/).

Base: Tests/Fixtures/models/tiny-p16.safetensors (written by gen_11_models.py). Counter: a different tiny image
encoder (visual.* only). Per image, grid and configuration: each patch's decision, count and decision margin."""
import json
import os
import sys

import numpy as np
import open_clip
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torchvision import transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from tiny_clip import make_clip, round_to_fp16  # noqa: E402

OUT = "Tests/Fixtures/counting"
PREPROCESS = T.Compose([T.Resize((256, 256)), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
CONFIGS = {
    "paper": dict(crowd=["crowd", "tree", "car", "traffic light"], crowd_target="crowd",
                  heads=["human heads", "hands", "legs", "road", "house", "shadow of man"], heads_target="human heads",
                  topk=3, values=[20, 55, 90, 125, 160, 195]),
    # Keeps more patches so stage 3 is exercised often: a target that ranks first more easily.
    "wide": dict(crowd=["crowd", "tree"], crowd_target="crowd",
                 heads=["human heads", "hands", "legs", "road", "house", "shadow of man"], heads_target="human heads",
                 topk=5, values=[10, 30, 60, 100]),
}


def encode_text(model, texts):
    with torch.no_grad():
        return model.encode_text(open_clip.tokenize(texts), normalize=True)


def encode_image(model, batch):
    with torch.no_grad():
        return model.encode_image(batch, normalize=True)


def count(base, counter, image, grid, cfg):
    w, h = image.width // grid, image.height // grid
    boxes = [(j * w, i * h, (j + 1) * w, (i + 1) * h) for i in range(grid) for j in range(grid)]
    batch = torch.stack([PREPROCESS(image.crop(b)) for b in boxes])
    t1 = encode_text(base, [f"The object is {c}" for c in cfg["crowd"]])
    t2 = encode_text(base, [f"The objects are {c}" for c in cfg["heads"]])
    t3 = encode_text(base, [f"There are {v} persons in the crowd" for v in cfg["values"]])
    f = encode_image(base, batch)
    fc = encode_image(counter, batch)
    patches = []
    for k, b in enumerate(boxes):
        s1 = (f[k] @ t1.T).tolist()
        target = cfg["crowd"].index(cfg["crowd_target"])
        best_other = max(v for i, v in enumerate(s1) if i != target)
        keep = s1[target] > best_other
        margin = abs(s1[target] - best_other)
        if keep:
            s2 = (f[k] @ t2.T).tolist()
            ht = cfg["heads"].index(cfg["heads_target"])
            others = sorted((v for i, v in enumerate(s2) if i != ht), reverse=True)
            kth = others[cfg["topk"] - 1]
            keep = s2[ht] > kth
            margin = min(margin, abs(s2[ht] - kth))
        n = 0
        if keep:
            s3 = (fc[k] @ t3.T).tolist()
            order = sorted(range(len(s3)), key=lambda i: -s3[i])
            n = cfg["values"][order[0]]
            margin = min(margin, s3[order[0]] - s3[order[1]])
        patches.append({"row": k // grid, "col": k % grid, "selected": keep, "count": n, "margin": margin})
    return {"count": sum(p["count"] for p in patches), "patches": patches}


def scene(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([128 + 120 * np.sin(x / (3 + seed) + y / 11), 128 + 120 * np.cos(y / (4 + seed)), (x * y) % 256], -1)
    return Image.fromarray(np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8), "RGB")


def main():
    os.makedirs(OUT, exist_ok=True)
    base = make_clip(16, 16, 49408)
    base.load_state_dict({k: v.float() for k, v in load_file("Tests/Fixtures/models/tiny-p16.safetensors").items()})
    counter = make_clip(40, 16, 64)
    save_file({k: v.contiguous() for k, v in counter.state_dict().items() if k.startswith("visual.")},
              f"{OUT}/counter-visual.safetensors")
    images = {}
    for i, (w, h) in enumerate([(96, 72), (130, 97), (64, 80), (201, 150)]):
        name = f"scene-{i}.png"
        scene(w, h, i).save(f"{OUT}/{name}")
        images[name] = Image.open(f"{OUT}/{name}").convert("RGB")
    cases = []
    for name, image in images.items():
        for grid in (3, 4):
            for cfg_name, cfg in CONFIGS.items():
                r = count(base, counter, image, grid, cfg)
                cases.append({"image": name, "grid": grid, "config": cfg_name, **r})
    with open(f"{OUT}/expected.json", "w") as f:
        json.dump({"configs": CONFIGS, "cases": cases}, f, indent=0)
    kept = sum(p["selected"] for c in cases for p in c["patches"])
    total = sum(len(c["patches"]) for c in cases)
    print(f"{len(cases)} cases, {kept}/{total} patches kept")


if __name__ == "__main__":
    main()
