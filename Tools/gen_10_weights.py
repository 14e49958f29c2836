"""One tiny CLIP written in every weights format the Swift loader reads (Tests/Fixtures/weights/).

reference.safetensors holds the canonical (OpenAI/open_clip) names in fp32; every other file must load to the
same tensors (fp16/bf16 files: the same values rounded to that type)."""
import os
import pickle
import sys
import zipfile

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from tiny_clip import make_clip  # noqa: E402

OUT = "Tests/Fixtures/weights"


def hf_state_dict(sd):
    """The same weights under Hugging Face CLIPModel names (q/k/v split, Linear projections transposed)."""
    hf = {}
    for tower, hp in (("visual.", "vision_model."), ("", "text_model.")):
        i = 0
        while f"{tower}transformer.resblocks.{i}.ln_1.weight" in sd:
            p, q = f"{tower}transformer.resblocks.{i}.", f"{hp}encoder.layers.{i}."
            w, b = sd[p + "attn.in_proj_weight"].chunk(3), sd[p + "attn.in_proj_bias"].chunk(3)
            for j, n in enumerate("qkv"):
                hf[q + f"self_attn.{n}_proj.weight"], hf[q + f"self_attn.{n}_proj.bias"] = w[j], b[j]
            for a, c in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                         ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
                hf[q + c + ".weight"], hf[q + c + ".bias"] = sd[p + a + ".weight"], sd[p + a + ".bias"]
            i += 1
    hf["vision_model.embeddings.patch_embedding.weight"] = sd["visual.conv1.weight"]
    hf["vision_model.embeddings.class_embedding"] = sd["visual.class_embedding"]
    hf["vision_model.embeddings.position_embedding.weight"] = sd["visual.positional_embedding"]
    hf["vision_model.pre_layrnorm.weight"], hf["vision_model.pre_layrnorm.bias"] = sd["visual.ln_pre.weight"], sd["visual.ln_pre.bias"]
    hf["vision_model.post_layernorm.weight"], hf["vision_model.post_layernorm.bias"] = sd["visual.ln_post.weight"], sd["visual.ln_post.bias"]
    hf["visual_projection.weight"] = sd["visual.proj"].t()
    hf["text_model.embeddings.token_embedding.weight"] = sd["token_embedding.weight"]
    hf["text_model.embeddings.position_embedding.weight"] = sd["positional_embedding"]
    hf["text_model.final_layer_norm.weight"], hf["text_model.final_layer_norm.bias"] = sd["ln_final.weight"], sd["ln_final.bias"]
    hf["text_projection.weight"] = sd["text_projection"].t()
    hf["logit_scale"] = sd["logit_scale"]
    return {k: v.contiguous().clone() for k, v in hf.items()}


def check_hf_with_transformers(folder, model):
    """Confirms the folder is a real CLIPModel checkpoint: transformers loads it and agrees with open_clip."""
    try:
        from transformers import CLIPModel
    except ImportError:
        print("transformers not installed: HF folder written without the cross-check")
        return
    hf = CLIPModel.from_pretrained(folder).eval()
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = hf.get_image_features(pixel_values=x)
        a = getattr(a, "pooler_output", a)
        b = model.encode_image(x)
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()


def main():
    os.makedirs(OUT, exist_ok=True)
    model = make_clip(7, patch=16, vocab=64, image=32)
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, f"{OUT}/reference.safetensors")
    save_file({k: v.half() for k, v in sd.items()}, f"{OUT}/open_clip-fp16.safetensors")
    torch.save(sd, f"{OUT}/state_dict-fp32.pt")
    torch.save({k: v.half() for k, v in sd.items()}, f"{OUT}/state_dict-fp16.pth")
    torch.save({k: v.bfloat16() for k, v in sd.items()}, f"{OUT}/state_dict-bf16.bin")
    # A transposed (non-contiguous) view must be read through its strides.
    strided = dict(sd)
    strided["visual.proj"] = sd["visual.proj"].t().contiguous().t()
    torch.save(strided, f"{OUT}/state_dict-strided.pt")

    # CrowdCLIP's Lightning checkpoint: the model under state_dict with module.image_encoder/text_encoder keys,
    # optimizer state and bookkeeping beside it.
    ckpt_sd = {}
    for k, v in sd.items():
        if k.startswith("visual."):
            ckpt_sd["module.image_encoder." + k[len("visual."):]] = v
        elif k == "logit_scale":
            ckpt_sd["module.logit_scale"] = v
        else:
            ckpt_sd["module.text_encoder." + k] = v
    ckpt = {
        "epoch": 12, "global_step": 3456, "pytorch-lightning_version": "1.6.0",
        "state_dict": ckpt_sd,
        "optimizer_states": [{"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(4)}},
                              "param_groups": [{"lr": 1e-6, "betas": (0.9, 0.999), "params": [0]}]}],
        "lr_schedulers": [{"milestones": {60: 1}, "gamma": 0.1}],
        "callbacks": {}, "hyper_parameters": {"lr": 1e-6, "name": "crowdclip"},
    }
    torch.save(ckpt, f"{OUT}/crowdclip-lightning.ckpt")

    # OpenAI-style TorchScript archive: the whole model traced in fp16.
    half = make_clip(7, patch=16, vocab=64, image=32).half()
    image = torch.zeros(1, 3, 32, 32, dtype=torch.half)
    text = torch.zeros(1, 77, dtype=torch.long)
    text[0, :3] = torch.tensor([62, 5, 63])
    with torch.no_grad():
        traced = torch.jit.trace(lambda_module(half), (image, text), check_trace=False)
    torch.jit.save(traced, f"{OUT}/openai-torchscript-fp16.pt")

    # Hugging Face CLIPModel folder.
    hf_dir = f"{OUT}/hf-clip"
    os.makedirs(hf_dir, exist_ok=True)
    save_file(hf_state_dict(sd), f"{hf_dir}/model.safetensors")
    with open(f"{hf_dir}/config.json", "w") as f:
        f.write(HF_CONFIG)
    check_hf_with_transformers(hf_dir, model)

    # A pickle that would run a shell command if loaded by Python's pickle: the loader must refuse it.
    with zipfile.ZipFile(f"{OUT}/malicious.pt", "w") as z:
        z.writestr(zipfile.ZipInfo("archive/data.pkl", date_time=(2023, 1, 1, 0, 0, 0)), pickle.dumps(Evil(), protocol=2))


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/crowdclip-pwned",))


class lambda_module(torch.nn.Module):
    """Wraps open_clip's CLIP so tracing keeps its attribute names (visual.*, transformer.*) under the root."""

    def __init__(self, clip):
        super().__init__()
        for name, child in clip.named_children():
            self.add_module(name, child)
        for name, p in clip.named_parameters(recurse=False):
            self.register_parameter(name, p)
        self.encode_image, self.encode_text = clip.encode_image, clip.encode_text

    def forward(self, image, text):
        return self.encode_image(image), self.encode_text(text)


HF_CONFIG = """{
  "architectures": ["CLIPModel"],
  "model_type": "clip",
  "projection_dim": 8,
  "logit_scale_init_value": 2.6592,
  "vision_config": {"model_type": "clip_vision_model", "hidden_size": 16, "intermediate_size": 64,
    "num_attention_heads": 2, "num_hidden_layers": 2, "image_size": 32, "patch_size": 16,
    "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 8},
  "text_config": {"model_type": "clip_text_model", "hidden_size": 16, "intermediate_size": 64,
    "num_attention_heads": 2, "num_hidden_layers": 2, "vocab_size": 64, "max_position_embeddings": 77,
    "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 8, "eos_token_id": 63, "bos_token_id": 62}
}
"""

if __name__ == "__main__":
    main()
