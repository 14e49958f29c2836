"""PyTorch's side of the training benchmark: one ranking-loss step of open_clip's ViT-B/16 image tower on six
224×224 crops with RAdam, on the same weights file. Prints one JSON line."""
import argparse
import json
import resource
import time

import open_clip
import torch
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--iters", type=int, default=3)
    args = ap.parse_args()
    model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True)
    model.load_state_dict(load_file(args.weights), strict=False)
    visual = model.visual.train()
    opt = torch.optim.RAdam(visual.parameters(), lr=1e-6)
    crops = torch.sin(torch.arange(6 * 3 * 224 * 224, dtype=torch.float32) * 0.001).reshape(6, 3, 224, 224)
    texts = torch.nn.functional.normalize(torch.cos(torch.arange(6 * 512, dtype=torch.float32) * 0.7).reshape(6, 512), dim=-1)
    rank = torch.nn.MarginRankingLoss()

    def step():
        f = torch.nn.functional.normalize(visual(crops), dim=-1)
        logits = 100 * f @ texts.T
        loss = sum(rank(logits[j][j].unsqueeze(0), logits[i][j].unsqueeze(0), torch.ones(1))
                   for i in range(6) for j in range(i + 1, 6))
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    best = float("inf")
    for _ in range(args.iters):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"step_seconds": best, "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))


if __name__ == "__main__":
    main()
