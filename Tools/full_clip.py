"""A random full-size OpenAI-layout ViT-B/16 CLIP (open_clip `ViT-B-16` with QuickGELU), used by
Tools/bench_reference.py. Not a fixture: written under .build/ only."""
import math

import open_clip
import torch


def make_vit_b16(seed=0):
    torch.manual_seed(seed)
    model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True)
    g = torch.Generator().manual_seed(seed + 1)
    # open_clip's init leaves LayerNorms at 1/0 and biases at 0; perturb them so parity checks every term.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("logit_scale"):
                p.fill_(math.log(100.0))
            elif ("ln" in name) and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
    return model.eval()


def state_dict(model):
    return {k: v.detach().clone().contiguous().float() for k, v in model.state_dict().items()}
