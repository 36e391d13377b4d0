#!/usr/bin/env python3
"""Generates the PIL reference data used by tests/Vim.Runtime.Tests/Imaging.

OPTIONAL: the tests never run Python; they read the files this script wrote once (committed).
Rerun only to regenerate, with Pillow + numpy (Debian: apt-get install python3-pil python3-numpy):

    cd tests/Vim.Runtime.Tests/Imaging/Data && python3 make_reference.py

Outputs (all small):
  resize/cases.txt          one line per case: input.png out_w out_h filter expected.png
  resize/*.png              synthetic inputs and PIL's Image.resize outputs (8-bit, lossless PNG)
  {chelsea,coffee}_resized.png   PIL bicubic resize to torchvision Resize(256) size
  {chelsea,coffee}_norm_s7.f32   CenterCrop(224), ToTensor, Normalize(ImageNet) in float32, CHW,
                                 every 7th element, little-endian
  {chelsea,coffee}.jpg, *_jpg_norm_s7.f32   the photos saved by PIL as JPEG (quality 90), then decoded by PIL and
                            preprocessed as above (the official evaluation of a JPEG)
  *_jpg_crop224.rgb         that evaluation's 224×224 crop as RGB bytes (HWC), before ToTensor and Normalize
  decode/*.png + *.rgb      PNGs written by PIL in several modes, with np.array(im.convert("RGB")) as raw bytes
The torchvision steps are re-implemented here with their documented formulas (torchvision itself is not needed):
  Resize(int): short side = S, long side = int(S * long / short); PIL resize with BICUBIC.
  CenterCrop: top = int(round((h - c) / 2.0)), left = int(round((w - c) / 2.0)).
  ToTensor: float32(p) / 255 ; Normalize: (x - float32(mean)) / float32(std).
"""
import os
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def torchvision_resize_size(w, h, size):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)  # (w, h)


def center_crop(im, c):
    w, h = im.size
    top = int(round((h - c) / 2.0))
    left = int(round((w - c) / 2.0))
    return im.crop((left, top, left + c, top + c))


def photos():
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)
    for name in ("chelsea", "coffee"):
        im = Image.open(f"{name}.png").convert("RGB")
        size = torchvision_resize_size(*im.size, 256)
        r = im.resize(size, Image.BICUBIC)
        r.save(f"{name}_resized.png", optimize=True)
        c = center_crop(r, 224)
        x = np.asarray(c, dtype=np.uint8).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        x = (x - mean) / std
        x.reshape(-1)[::7].astype("<f4").tofile(f"{name}_norm_s7.f32")


def photos_jpeg():
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)
    for name in ("chelsea", "coffee"):
        Image.open(f"{name}.png").convert("RGB").save(f"{name}.jpg", quality=90)
        im = Image.open(f"{name}.jpg").convert("RGB")
        r = im.resize(torchvision_resize_size(*im.size, 256), Image.BICUBIC)
        x = np.asarray(center_crop(r, 224), dtype=np.uint8).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        ((x - mean) / std).reshape(-1)[::7].astype("<f4").tofile(f"{name}_jpg_norm_s7.f32")
        np.asarray(center_crop(r, 224), dtype=np.uint8).tofile(f"{name}_jpg_crop224.rgb")


def synthetic():
    os.makedirs("resize", exist_ok=True)
    rng = np.random.RandomState(1234)
    lines = []
    inputs = {
        "rgb_37x23": Image.fromarray(rng.randint(0, 256, (23, 37, 3), dtype=np.uint8), "RGB"),
        "gray_50x9": Image.fromarray(rng.randint(0, 256, (9, 50), dtype=np.uint8), "L"),
        "rgb_7x5": Image.fromarray(rng.randint(0, 256, (5, 7, 3), dtype=np.uint8), "RGB"),
        # smooth gradient with sharp edges: exercises clipping of bicubic overshoot
        "edges_40x40": Image.fromarray(np.kron(rng.randint(0, 2, (5, 5, 3)) * 255, np.ones((8, 8, 1))).astype(np.uint8), "RGB"),
        "rgb_121x80": Image.fromarray(rng.randint(0, 256, (80, 121, 3), dtype=np.uint8), "RGB"),
    }
    sizes = {
        "rgb_37x23": [(11, 7), (37, 7), (11, 23), (100, 61), (36, 22), (38, 24), (1, 1)],
        "gray_50x9": [(17, 30), (5, 3), (50, 4)],
        "rgb_7x5": [(31, 17), (7, 13), (3, 2)],
        "edges_40x40": [(13, 13), (97, 97), (40, 33)],
        "rgb_121x80": [torchvision_resize_size(121, 80, 64), (45, 30)],
    }
    for name, im in inputs.items():
        im.save(f"resize/{name}.png")
        for (w, h) in sizes[name]:
            for fname, f in FILTERS.items():
                out = f"{name}_{w}x{h}_{fname}.png"
                im.resize((w, h), f).save(f"resize/{out}")
                lines.append(f"{name}.png {w} {h} {fname} {out}")
    with open("resize/cases.txt", "w") as fh:
        fh.write("\n".join(lines) + "\n")


def decode_cases():
    os.makedirs("decode", exist_ok=True)
    rng = np.random.RandomState(99)
    rgba = rng.randint(0, 256, (9, 13, 4), dtype=np.uint8)
    base = Image.fromarray(rgba, "RGBA")
    cases = {
        "rgba": (base, {}),
        "rgb": (base.convert("RGB"), {}),
        "l": (base.convert("L"), {}),
        "la": (base.convert("LA"), {}),
        "bilevel": (base.convert("1"), {}),
        "p8": (base.convert("RGB").quantize(200), {}),
        "p4": (base.convert("RGB").quantize(16), {"bits": 4}),
        "p2": (base.convert("RGB").quantize(4), {"bits": 2}),
        "p1": (base.convert("RGB").quantize(2), {"bits": 1}),
    }
    ptrns = base.convert("RGB").quantize(8)
    ptrns.info["transparency"] = bytes([0, 128, 255, 7])
    cases["ptrns"] = (ptrns, {"transparency": bytes([0, 128, 255, 7])})
    for name, (im, opts) in cases.items():
        im.save(f"decode/{name}.png", **opts)
        back = Image.open(f"decode/{name}.png")
        np.asarray(back.convert("RGB"), dtype=np.uint8).tofile(f"decode/{name}.rgb")


if __name__ == "__main__":
    photos()
    photos_jpeg()
    synthetic()
    decode_cases()
