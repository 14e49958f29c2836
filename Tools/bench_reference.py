"""Reference speed for `make bench`: open_clip + PyTorch (fp32, and bf16 under CPU autocast) and ONNX Runtime on the
same seeded ViT-B/16 weights the Swift benchmark uses. Prints one JSON object on stdout (progress goes to stderr).

  bench_reference.py --weights .build/bench/vit-b-16.safetensors [--write-weights] [--threads N] [--no-bf16]
  bench_reference.py --weights W --write-onnx visual.onnx
  bench_reference.py --weights W --input x.npy --whole-process torch|torch-bf16|ort [--onnx visual.onnx]

--write-weights creates the weights file first when it is missing: open_clip's ViT-B-16 (QuickGELU) filled by
Tools/seeded_weights.py with seed 90, the same values crowdclip-bench writes from Swift (SeededCLIPWeights).

--whole-process is one complete process for crowdclip-bench's whole-process table: load the weights (or the ONNX file
--write-onnx exported once), embed the 9 images of --input, print one feature line per image. The ort mode imports
no torch, as a deployed ONNX Runtime process would not."""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

# Untimed calls before each timed figure, the same for every column (crowdclip-bench's BenchTimer.warmupCalls), so
# that no column includes oneDNN's primitive creation or first-touch of its buffers.
WARMUP = 2

SEED = 90  # crowdclip-bench's seed (Sources/crowdclip-bench/BenchWeights.swift)
VISION = {"width": 768, "layers": 12, "patch": 16}
TEXT = {"width": 512, "layers": 12}
PROMPTS = [f"There are {n} persons in the crowd" for n in (0, 10, 20, 50, 100, 200, 500, 1000, 2000)]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def seeded_state_dict():
    """open_clip ViT-B-16's state dict filled by the seeded generator (the bits Swift's SeededCLIPWeights makes)."""
    names = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True).state_dict()
    return {name: torch.from_numpy(tensor(SEED, name, list(t.shape), VISION, TEXT)) for name, t in names.items()}


def timed(fn, iters, warmup=WARMUP):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)  # the run least disturbed by other processes, as the Swift benchmark reports


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--write-weights", action="store_true")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--iters1", type=int, default=5)
    ap.add_argument("--iters9", type=int, default=4)
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--no-bf16", action="store_true", help="skip the PyTorch bf16 autocast figures")
    ap.add_argument("--onnx-only", action="store_true", help="only the ONNX Runtime image figures")
    ap.add_argument("--write-only", action="store_true", help="only write the weights file")
    ap.add_argument("--write-onnx", metavar="PATH", help="only export the image tower to this ONNX file")
    ap.add_argument("--whole-process", choices=["torch", "torch-bf16", "ort"], help="embed --input once and exit")
    ap.add_argument("--input", help="a .npy [N,3,224,224] float32 array, already normalised (--whole-process)")
    ap.add_argument("--onnx", help="the file --write-onnx wrote (--whole-process ort)")
    args = ap.parse_args()
    if args.whole_process == "ort":
        return whole_process_ort(args)
    import_torch()
    if args.whole_process:
        return whole_process_torch(args)
    torch.set_num_threads(args.threads)
    if not os.path.exists(args.weights):
        if not args.write_weights:
            sys.exit(f"{args.weights} does not exist (pass --write-weights)")
        os.makedirs(os.path.dirname(args.weights) or ".", exist_ok=True)
        save_file(seeded_state_dict(), args.weights, metadata={"written-by": f"bench_reference.py (seeded, seed {SEED})"})
        log(f"wrote {args.weights}")
    if args.write_only:
        print(json.dumps({"weights": args.weights}))
        return
    if args.write_onnx:
        model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True)
        model.load_state_dict(load_file(args.weights), strict=False)
        export_onnx(model.eval(), synthetic_images(1), args.write_onnx)
        print(json.dumps({"onnx": args.write_onnx}))
        return
    t0 = time.perf_counter()
    model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True)
    missing, unexpected = model.load_state_dict(load_file(args.weights), strict=False)
    model.eval()
    load_s = time.perf_counter() - t0
    result = {"torch": torch.__version__, "open_clip": open_clip.__version__, "threads": args.threads,
              "load_s": load_s, "missing_keys": len(missing), "unexpected_keys": len(unexpected)}
    x1, x9 = synthetic_images(1), synthetic_images(9)
    if args.onnx_only:  # between rounds of `crowdclip-bench --kernel-ab`
        return finish(args, model, result, x1, x9)
    with torch.inference_mode():
        t1 = time.perf_counter()
        model.encode_image(x1)
        result["first_s"] = load_s + time.perf_counter() - t1
        log("pytorch image batch 1")
        result["torch_images_per_s_b1"] = 1 / timed(lambda: model.encode_image(x1), args.iters1)
        log("pytorch image batch 9")
        result["torch_images_per_s_b9"] = 9 / timed(lambda: model.encode_image(x9), args.iters9)
        log("pytorch text")
        result["torch_prompts_per_s"] = len(PROMPTS) / timed(
            lambda: model.encode_text(open_clip.tokenize(PROMPTS)), args.iters9)
    if not args.no_bf16:
        # Autocast runs the matmuls and convolutions in bf16 (fp32 accumulation) and keeps LayerNorm and softmax
        # in fp32: the issue 12 comparison for a bf16 path.
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            log("pytorch bf16 autocast image batch 1")
            result["torch_bf16_images_per_s_b1"] = 1 / timed(lambda: model.encode_image(x1), args.iters1)
            log("pytorch bf16 autocast image batch 9")
            result["torch_bf16_images_per_s_b9"] = 9 / timed(lambda: model.encode_image(x9), args.iters9)
    finish(args, model, result, x1, x9)


def import_torch():
    """torch, open_clip and the seeded-weight helpers, imported only by the modes that use them."""
    global open_clip, torch, load_file, save_file, tensor, synthetic_images
    import open_clip
    import torch
    from safetensors.torch import load_file, save_file
    from seeded_weights import tensor
    from tiny_clip import synthetic_images


def export_onnx(model, x1, path):
    log("onnx export")
    # nn.MultiheadAttention's inference fast path has no ONNX export; use the plain ops.
    torch.backends.mha.set_fastpath_enabled(False)
    with torch.no_grad():
        torch.onnx.export(model.visual, (x1,), path, input_names=["pixels"], output_names=["features"],
                          dynamic_axes={"pixels": {0: "n"}, "features": {0: "n"}}, opset_version=17, dynamo=False)
    torch.backends.mha.set_fastpath_enabled(True)


def print_features(features):
    """One JSON list per image, L2-normalised, as `crowdclip embed image` prints them."""
    import numpy as np
    features = features / np.linalg.norm(features, axis=1, keepdims=True)
    for row in features:
        print(json.dumps([round(float(v), 6) for v in row]))


def whole_process_torch(args):
    import logging
    import numpy as np
    logging.getLogger().setLevel(logging.ERROR)  # open_clip's "no pretrained weights" warning
    torch.set_num_threads(args.threads)
    model = open_clip.create_model("ViT-B-16", pretrained=None, force_quick_gelu=True)
    model.load_state_dict(load_file(args.weights), strict=False)
    model.eval()
    x = torch.from_numpy(np.load(args.input))
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.whole_process == "torch-bf16"):
        features = model.encode_image(x)
    print_features(features.float().numpy())


def whole_process_ort(args):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.onnx, so, providers=["CPUExecutionProvider"])
    print_features(sess.run(None, {"pixels": np.load(args.input)})[0])


def finish(args, model, result, x1, x9):
    """ONNX Runtime's figures, then the JSON line."""
    if not args.no_onnx:
        try:
            import onnxruntime as ort
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "visual.onnx")
                export_onnx(model, x1, path)
                so = ort.SessionOptions()
                so.intra_op_num_threads = args.threads
                sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
                n1, n9 = x1.numpy(), x9.numpy()
                log("onnxruntime batch 1 and 9")
                result["onnxruntime"] = ort.__version__
                result["ort_images_per_s_b1"] = 1 / timed(lambda: sess.run(None, {"pixels": n1}), args.iters1)
                result["ort_images_per_s_b9"] = 9 / timed(lambda: sess.run(None, {"pixels": n9}), args.iters9)
        except Exception as e:  # the PyTorch figures are still worth reporting
            result["onnx_error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
