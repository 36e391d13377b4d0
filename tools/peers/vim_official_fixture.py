#!/usr/bin/env python3
"""Writes a parity fixture for one VisionMamba configuration from the official code, in the layout of
tests/Vim.Runtime.Tests/Fixtures/Data/<case>: weights.safetensors (the state dict, float32, state-dict order),
io.safetensors (input, logits, features, patch_proj, patch_embed, layer0_hidden, layer0_residual; with --all-layers
layer{i}_hidden and layer{i}_residual, the (hidden_states, residual) every block returns, for the backbone feature maps)
and config.json.

For configurations the shared fixtures do not cover. The model is hustvl/Vim's VisionMamba imported from --repo as
vim_official_train_step.py imports it (the CUDA kernels routed to upstream's reference functions), initialised by its
own code from --seed, with its weights perturbed (so zero-initialised parameters matter), run in eval mode in float32.
"""
import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vim_official_train_step import load_official  # noqa: E402


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True, help="a checkout of hustvl/Vim")
    p.add_argument("--kwargs", required=True, help="VisionMamba constructor arguments as JSON")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--all-layers", action="store_true", help="also store every block's (hidden_states, residual) output")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    kwargs = json.loads(a.kwargs)
    models_mamba = load_official(a.repo)
    torch.manual_seed(a.seed)
    model = models_mamba.VisionMamba(**kwargs).eval()
    g = torch.Generator().manual_seed(a.seed + 1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            scale = 0.1 if ("A_log" in name or name.endswith(".D") or "norm" in name) else 0.05 if "dt_proj.bias" in name else 0.02
            param.add_(scale * torch.randn(param.shape, generator=g))
    size = kwargs["img_size"]
    h, w = (size, size) if isinstance(size, int) else size
    x = torch.randn(a.batch, kwargs.get("channels", 3), h, w, generator=torch.Generator().manual_seed(a.seed + 2))

    seen = {}

    def keep(*names):
        def hook(module, inputs, output):  # a hook that returns something would replace the output
            for name, value in zip(names, output if isinstance(output, tuple) else (output,)):
                seen[name] = value
        return hook

    model.patch_embed.register_forward_hook(keep("patch_proj"))
    model.layers[0].register_forward_pre_hook(lambda module, inputs: seen.__setitem__("patch_embed", inputs[0]) and None)
    layers = range(len(model.layers)) if a.all_layers else [0]
    for i in layers:
        model.layers[i].register_forward_hook(keep(f"layer{i}_hidden", f"layer{i}_residual"))
    with torch.no_grad():
        features = model(x, return_features=True)
        logits = model(x)
    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "weights.safetensors"), model.state_dict())
    write_safetensors(os.path.join(a.out, "io.safetensors"), {
        "input": x, "logits": logits, "features": features, "patch_proj": seen["patch_proj"],
        "patch_embed": seen["patch_embed"],
        **{f"layer{i}_{part}": seen[f"layer{i}_{part}"] for i in layers for part in ("hidden", "residual")}})
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump({"family": "vim", "case": os.path.basename(os.path.normpath(a.out)), "upstream_class": "vim/models_mamba.py:VisionMamba",
                   "kwargs": kwargs, "seed": a.seed, "batch": a.batch, "torch": torch.__version__, "precision": "float32",
                   "written_by": "tools/peers/vim_official_fixture.py"}, f, indent=1)
    print(json.dumps({"logits": logits.shape[-1], "patch_proj": list(seen["patch_proj"].shape)}))


if __name__ == "__main__":
    main()
