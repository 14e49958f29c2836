"""Tiny randomly initialised CLIP models for fixtures, shared by the Tools/gen_*.py scripts.

Weights get realistic scales (LayerNorm gains near 1, biases near 0, projections ~1/sqrt(width)) and every
parameter is perturbed so that no test passes by symmetry."""
import math

import numpy as np
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

HEAD_WIDTH = 8


def make_clip(seed, patch, vocab, vision_width=16, text_width=16, layers=2, embed=8, image=224):
    torch.manual_seed(seed)
    model = CLIP(
        embed_dim=embed,
        vision_cfg=CLIPVisionCfg(layers=layers, width=vision_width, head_width=HEAD_WIDTH,
                                 patch_size=patch, image_size=image),
        text_cfg=CLIPTextCfg(context_length=77, vocab_size=vocab, width=text_width,
                             heads=text_width // HEAD_WIDTH, layers=layers),
        quick_gelu=True,
    )
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("logit_scale"):
                p.fill_(math.log(1 / 0.07))
            elif "ln" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else p.shape[0]
                if name.endswith("conv1.weight"):
                    fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
    return model.eval()


def round_to_fp16(model):
    """Rounds every parameter to fp16 and back, so references match an fp16 file exactly."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


def synthetic_images(n, size=224):
    """Deterministic normalised inputs; Tests compute the same formula in Swift (float64 → float32)."""
    nn_, c, h, w = np.meshgrid(np.arange(n), np.arange(3), np.arange(size), np.arange(size), indexing="ij")
    x = 1.5 * np.sin(0.05 * (nn_ + 1) * h + 0.031 * (c + 1) * w + 0.7 * nn_) + 0.2 * np.cos(0.013 * h * (c + 1))
    return torch.from_numpy(x.astype(np.float32))
