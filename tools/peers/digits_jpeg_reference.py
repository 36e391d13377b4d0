#!/usr/bin/env python3
"""Writes the digits test folder as JPEG files and the official model's top-1 on them through the official preprocessing.

For tests/Vim.Runtime.Tests/Imaging/Data/digits_jpeg: each DIR/<class>/<name>.png saved by PIL as <class>_<name>.jpg
(grayscale, --quality), then decoded by PIL as the official evaluation reads an image (Image.open(f).convert("RGB"),
ToTensor, Normalize(0.5, 0.5)) and classified by hustvl/Vim's VisionMamba with the digits checkpoint (CUDA kernels
routed to upstream's reference functions, see vim_official_train_step.py). Writes official_top1.tsv: file, class, top-1.
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
    p.add_argument("--checkpoint", required=True, help="data/digits/checkpoint.pth")
    p.add_argument("--config", required=True, help="data/digits/config.json (its kwargs build the model)")
    p.add_argument("--folder", required=True, help="data/digits/folders/test")
    p.add_argument("--quality", type=int, default=90)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    model = load_official(a.repo).VisionMamba(**json.load(open(a.config))["kwargs"]).eval()
    model.load_state_dict(torch.load(a.checkpoint, map_location="cpu", weights_only=True)["model"], strict=True)
    os.makedirs(a.out, exist_ok=True)
    rows, correct = [], 0
    for c in sorted(d for d in os.listdir(a.folder) if os.path.isdir(os.path.join(a.folder, d))):
        for f in sorted(os.listdir(os.path.join(a.folder, c))):
            name = f"{c}_{os.path.splitext(f)[0]}.jpg"
            Image.open(os.path.join(a.folder, c, f)).save(os.path.join(a.out, name), quality=a.quality)
            img = Image.open(os.path.join(a.out, name)).convert("RGB")
            x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
            with torch.no_grad():
                top1 = int(model(((x - 0.5) / 0.5).unsqueeze(0)).argmax(-1).item())
            rows.append(f"{name}\t{c}\t{top1}")
            correct += int(str(top1) == c)
    with open(os.path.join(a.out, "official_top1.tsv"), "w") as f:
        f.write("file\tclass\ttop1\n" + "\n".join(rows) + "\n")
    print(json.dumps({"images": len(rows), "correct": correct, "quality": a.quality}))


if __name__ == "__main__":
    main()
