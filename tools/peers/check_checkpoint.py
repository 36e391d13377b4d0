#!/usr/bin/env python3
"""Reads a checkpoint written by `vim train` with the official code, as a user of hustvl/Vim would.

torch.load(path, weights_only=True) (only tensors and plain containers may be unpickled), then the official
VisionMamba built from --kwargs loads ckpt['model'] with load_state_dict(strict=True), a torch.optim.AdamW over timm's
two weight-decay groups loads ckpt['optimizer'] (and reports the restored step and moments), and the model — with its
CUDA kernels routed to the upstream reference functions, see vim_official_train_step.py — classifies an image folder
(DIR/<class>/*.png, grayscale or RGB) by the digits PNG rule or ImageNet normalisation. Prints one JSON object.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vim_official_train_step import load_official  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True, help="a checkout of hustvl/Vim")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--kwargs", required=True, help="VisionMamba constructor arguments as JSON")
    p.add_argument("--data", help="an image folder to classify: one subfolder per class")
    p.add_argument("--classes", help="comma-separated class folders to use (default: all)")
    p.add_argument("--mean", type=float, default=0.5)
    p.add_argument("--std", type=float, default=0.5)
    p.add_argument("--unsafe-load", action="store_true",
                   help="torch.load without weights_only: torch 1.13's weights-only unpickler has no opcode for floats, "
                        "so it refuses every optimizer state dict, the official main.py's checkpoints included")
    a = p.parse_args()

    ckpt = torch.load(a.checkpoint, map_location="cpu", weights_only=not a.unsafe_load)
    models_mamba = load_official(a.repo)
    model = models_mamba.VisionMamba(**json.loads(a.kwargs))
    missing, unexpected = model.load_state_dict(ckpt["model"], strict=True)
    out = {"torch": torch.__version__, "entries": sorted(ckpt.keys()), "epoch": ckpt.get("epoch"),
           "model_tensors": len(ckpt["model"]), "missing": list(missing), "unexpected": list(unexpected)}

    # timm 0.4.12 add_weight_decay: no decay for 1-D parameters, biases and no_weight_decay() names, in that group order
    skip = model.no_weight_decay()
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim <= 1 or name.endswith(".bias") or name in skip else decay).append(param)
    optimizer = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}])
    optimizer.load_state_dict(ckpt["optimizer"])
    states = list(optimizer.state.values())
    out["optimizer_states"] = len(states)
    out["optimizer_step"] = float(states[0]["step"]) if states else None
    if ckpt.get("model_ema") is not None:
        out["model_ema_tensors"] = len(ckpt["model_ema"])

    if a.data:
        model.eval()
        classes = sorted(d for d in os.listdir(a.data) if os.path.isdir(os.path.join(a.data, d)))
        if a.classes:
            classes = [c for c in classes if c in a.classes.split(",")]
        correct = total = 0
        size = model.patch_embed.img_size
        for label, c in enumerate(classes):
            folder = os.path.join(a.data, c)
            for f in sorted(os.listdir(folder)):
                img = Image.open(os.path.join(folder, f)).convert("RGB")
                if img.size != (size[1], size[0]):
                    img = img.resize((size[1], size[0]), Image.NEAREST)
                x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
                x = ((x - a.mean) / a.std).unsqueeze(0)
                with torch.no_grad():
                    correct += int(model(x).argmax(-1).item() == label)
                total += 1
        out["top1"] = correct / total
        out["correct"], out["total"] = correct, total
    print(json.dumps(out))


if __name__ == "__main__":
    main()
