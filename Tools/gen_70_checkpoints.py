"""Checkpoint shapes users really have, made from fixtures the earlier scripts wrote (run after gen_10 and gen_40).

- weights/state_dict-deflated.pt: state_dict-fp32.pt re-zipped with DEFLATE entries (what re-zipping and some sync
  tools produce; torch.load reads it).
- counting/counter-{counter,namespace,missing-module}.ckpt: CrowdCLIP Lightning checkpoints of the counting
  fixture's counter (counter-visual.safetensors), with side entries PyTorch's weights_only unpickler refuses or
  that need the training code: MultiStepLR state with collections.Counter milestones, an argparse.Namespace in
  hyper_parameters, and a config object from a module that does not exist at load time.
- weights/hostile-beside-state-dict.pt: a state dict (fp16) beside an object whose __reduce__ calls os.system.
- weights/placeholder-tensor.pt: a needed tensor wrapped in a class from a missing module.
"""
import argparse
import io
import os
import sys
import types
import zipfile

import torch
from safetensors.torch import load_file

WEIGHTS = "Tests/Fixtures/weights"
COUNTING = "Tests/Fixtures/counting"
MARKER = "/tmp/crowdclip-hostile-marker"


def deflated_copy(src, dst):
    """The same archive, every entry DEFLATE-compressed; entry order, names and timestamps kept."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            zout.writestr(out, zin.read(info.filename), compresslevel=6)


def save(obj, path):
    """torch.save through a buffer, so the file is written once and whole."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def lightning(state_dict, **extra):
    ckpt = {"epoch": 3, "global_step": 120, "pytorch-lightning_version": "1.6.0",
            "state_dict": {"module.image_encoder." + k[len("visual."):]: v for k, v in state_dict.items()},
            "optimizer_states": [], "callbacks": {}}
    ckpt.update(extra)
    return ckpt


def missing_module(name):
    """A module that exists while pickling and not when the file is loaded (the training code's own package)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    return module


class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def main():
    deflated_copy(f"{WEIGHTS}/state_dict-fp32.pt", f"{WEIGHTS}/state_dict-deflated.pt")

    counter = load_file(f"{COUNTING}/counter-visual.safetensors")
    counter = {k: counter[k] for k in sorted(counter)}
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1e-6)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[60, 90], gamma=0.1)
    sched_state = scheduler.state_dict()
    assert type(sched_state["milestones"]).__name__ == "Counter"
    save(lightning(counter, lr_schedulers=[sched_state]), f"{COUNTING}/counter-counter.ckpt")
    save(lightning(counter, hyper_parameters=argparse.Namespace(lr=1e-6, dataset="sha", grid=3)),
         f"{COUNTING}/counter-namespace.ckpt")

    config = missing_module("crowdclip_train_config")

    class TrainConfig:
        def __init__(self):
            self.lr, self.epochs, self.prompts = 1e-6, 200, ["There are {} persons in the crowd"]
    TrainConfig.__module__, TrainConfig.__qualname__ = config.__name__, "TrainConfig"
    config.TrainConfig = TrainConfig
    save(lightning(counter, hyper_parameters={"config": TrainConfig()}), f"{COUNTING}/counter-missing-module.ckpt")

    reference = load_file(f"{WEIGHTS}/reference.safetensors")
    half = {k: reference[k].half() for k in sorted(reference)}
    save({"state_dict": half, "payload": Evil()}, f"{WEIGHTS}/hostile-beside-state-dict.pt")

    class Quantized:
        def __init__(self, t):
            self.t = t
    Quantized.__module__, Quantized.__qualname__ = config.__name__, "Quantized"
    config.Quantized = Quantized
    save({"state_dict": {"module.image_encoder.conv1.weight": Quantized(reference["visual.conv1.weight"]),
                         "module.image_encoder.class_embedding": reference["visual.class_embedding"]}},
         f"{WEIGHTS}/placeholder-tensor.pt")
    del sys.modules[config.__name__]

    # What PyTorch itself says: the deflated file and the Counter checkpoint open with weights_only=True.
    for path in (f"{WEIGHTS}/state_dict-deflated.pt", f"{COUNTING}/counter-counter.ckpt"):
        torch.load(path, weights_only=True)
    assert not os.path.exists(MARKER)


if __name__ == "__main__":
    main()
