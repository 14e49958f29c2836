"""Training-stage reference from PyTorch autograd and torch.optim (Tests/Fixtures/training/).

A tiny image encoder, six nested centre crops of a small picture (no augmentation), fixed text features:
the ranking loss, the gradient of every image-encoder parameter, and the weights after one step of RAdam,
AdamW and SGD. Also RAdam/AdamW trajectories over 12 steps on a small vector (RAdam's rectified branch
starts at step 6)."""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file
from torchvision import transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from tiny_clip import make_clip  # noqa: E402

OUT = "Tests/Fixtures/training"
PREPROCESS = T.Compose([T.Resize((256, 256)), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
STEPS = {"radam": (torch.optim.RAdam, dict(lr=1e-3)), "adamw": (torch.optim.AdamW, dict(lr=1e-3, weight_decay=0.01)),
         "sgd": (torch.optim.SGD, dict(lr=1e-2))}


def nested_crops(image):
    """Crop i spans centre ± ((i+1)·w, (i+1)·h), w = W // 12, h = H // 12, centre (W // 2, H // 2)."""
    W, H = image.size
    w, h, cx, cy = W // 12, H // 12, W // 2, H // 2
    return [image.crop((cx - (i + 1) * w, cy - (i + 1) * h, cx + (i + 1) * w, cy + (i + 1) * h)) for i in range(6)]


def ranking_loss(visual, crops, texts):
    f = visual(crops)
    f = f / f.norm(dim=-1, keepdim=True)
    logits = 100.0 * f @ texts.T
    rank = torch.nn.MarginRankingLoss()
    loss = torch.zeros(1)
    one = torch.ones(1)
    for i in range(6):
        for j in range(i + 1, 6):
            loss = loss + rank(logits[j][j].unsqueeze(0), logits[i][j].unsqueeze(0), one)
    return loss, logits


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:90, 0:120]
    a = np.stack([128 + 100 * np.sin(x / 5), 128 + 100 * np.cos(y / 7), (x * 2 + y * 3) % 256], -1) + rng.normal(0, 15, (90, 120, 3))
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(f"{OUT}/picture.png")
    image = Image.open(f"{OUT}/picture.png").convert("RGB")
    crops = torch.stack([PREPROCESS(c) for c in nested_crops(image)])

    model = make_clip(50, 16, 64)
    visual = model.visual.train()
    weights = {f"visual.{k}": v.detach().clone().contiguous() for k, v in visual.state_dict().items()}
    save_file(weights, f"{OUT}/vision.safetensors")
    texts = torch.nn.functional.normalize(torch.randn(6, 8, generator=torch.Generator().manual_seed(9)), dim=-1)

    loss, logits = ranking_loss(visual, crops, texts)
    visual.zero_grad()
    loss.backward()
    grads = {f"visual.{n}": p.grad.detach().clone().contiguous() for n, p in visual.named_parameters()}
    save_file(grads, f"{OUT}/gradients.safetensors")

    for name, (cls, kw) in STEPS.items():
        m = make_clip(50, 16, 64).visual.train()
        opt = cls(m.parameters(), **kw)
        l, _ = ranking_loss(m, crops, texts)
        opt.zero_grad()
        l.backward()
        opt.step()
        save_file({f"visual.{n}": p.detach().clone().contiguous() for n, p in m.named_parameters()}, f"{OUT}/step-{name}.safetensors")

    # The trainer's one step as `crowdclip train --max-steps 1 --no-augment --lr 1e-3 --optimizer radam` takes it:
    # the base tiny-p16 model, text features of the count prompts from its own (frozen) text encoder.
    import open_clip
    from safetensors.torch import load_file
    base = make_clip(16, 16, 49408)
    base.load_state_dict({k: v.float() for k, v in load_file("Tests/Fixtures/models/tiny-p16.safetensors").items()})
    with torch.no_grad():
        count_texts = base.encode_text(open_clip.tokenize([f"There are {c} persons in the crowd" for c in (20, 55, 90, 125, 160, 195)]), normalize=True)
    bv = base.visual.train()
    opt = torch.optim.RAdam(bv.parameters(), lr=1e-3)
    l, _ = ranking_loss(bv, crops, count_texts)
    opt.zero_grad()
    l.backward()
    opt.step()
    save_file({f"visual.{n}": p.detach().clone().contiguous() for n, p in bv.named_parameters()}, f"{OUT}/trainer-step-radam.safetensors")

    trajectories = {}
    g = torch.Generator().manual_seed(11)
    grads_seq = [torch.randn(5, generator=g) for _ in range(12)]
    for name, (cls, kw) in STEPS.items():
        p = torch.nn.Parameter(torch.linspace(-1, 1, 5))
        opt = cls([p], **kw)
        path = []
        for gr in grads_seq:
            p.grad = gr.clone()
            opt.step()
            path.append(p.detach().tolist())
        trajectories[name] = path
    with open(f"{OUT}/expected.json", "w") as f:
        json.dump({"loss": float(loss.detach()), "logits": logits.detach().tolist(), "texts": texts.tolist(), "settings": {k: v[1] for k, v in STEPS.items()},
                   "trajectory_grads": [x.tolist() for x in grads_seq], "trajectories": trajectories}, f, indent=0)
    print("loss", float(loss.detach()))


if __name__ == "__main__":
    main()
