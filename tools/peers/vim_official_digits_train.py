#!/usr/bin/env python3
"""The official digits training run on the CPU, as the peer of `vim train vim_digits_patch8_32 --recipe digits`.

Trains hustvl/Vim's own VisionMamba class (imported from --repo as vim_official_train_step.py imports it) with the
recipe of data/digits/README.md: 40 epochs of batch 64 over the 1437 training digits, AdamW (lr 2e-3, weight decay
0.05 outside 1-D parameters, biases, pos_embed and cls_token), 3 warmup epochs from 1e-5 then a per-step cosine down
to 1e-5, label smoothing 0.1, drop-path 0.05, the random affine re-rendering on 80 % of the images, and a test-set
evaluation after every epoch. As in the run that made the shipped checkpoint, the selective scan is upstream's
selective_scan_ref arithmetic with its per-step slices taken by unbind (autograd through the reference's indexing is
far slower), and the fused add + RMSNorm is upstream's rms_norm_ref.

Prints one JSON line per epoch and a last one with the training seconds and the final test accuracy.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vim_official_train_step as peer  # noqa: E402

KWARGS = dict(img_size=32, patch_size=8, stride=8, depth=6, embed_dim=64, d_state=16, channels=3, num_classes=10,
              drop_rate=0.0, drop_path_rate=0.05, norm_epsilon=1e-5, rms_norm=True, residual_in_fp32=True,
              fused_add_norm=True, final_pool_type="mean", if_abs_pos_embed=True, if_rope=False,
              if_rope_residual=False, if_bidirectional=False, bimamba_type="v2", if_cls_token=True,
              use_middle_cls_token=True, use_double_cls_token=False, if_divide_out=True)


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    dtypes = {"U8": torch.uint8, "I64": torch.int64, "F32": torch.float32}
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(blob[8 + n + a:8 + n + b])
        out[key] = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def scan_by_unbind(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """selective_scan_ref's arithmetic (real A, B and C of shape (b, n, l)), stepping through unbound slices."""
    if delta_bias is not None:
        delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    # (b, l, d, n) so that each step's slice is contiguous
    delta_t = delta.transpose(1, 2).unsqueeze(-1)
    delta_a = torch.exp(delta_t * A)
    delta_b_u = delta_t * u.transpose(1, 2).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(2)
    h = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    hs = []
    for a_l, bu_l in zip(delta_a.unbind(1), delta_b_u.unbind(1)):
        h = a_l * h + bu_l
        hs.append(h)
    y = (torch.stack(hs, dim=1) * C.transpose(1, 2).unsqueeze(2)).sum(-1).transpose(1, 2)
    out = y if D is None else y + u * D[:, None]
    return out if z is None else out * F.silu(z)


def load(repo):
    models_mamba = peer.load_official(repo)
    import causal_conv1d.causal_conv1d_interface as cci
    import mamba_ssm.modules.mamba_simple as ms
    import einops

    def inner_no_out_proj(xz, conv1d_weight, conv1d_bias, x_proj_weight, delta_proj_weight, A, B=None, C=None, D=None,
                          delta_bias=None, B_proj_bias=None, C_proj_bias=None, delta_softplus=True):
        L, rank, n = xz.shape[-1], delta_proj_weight.shape[1], A.shape[-1]
        x, z = xz.chunk(2, dim=1)
        x = cci.causal_conv1d_ref(x, einops.rearrange(conv1d_weight, "d 1 w -> d w"), conv1d_bias, activation="silu")
        x_dbl = F.linear(einops.rearrange(x, "b d l -> (b l) d"), x_proj_weight)
        delta = einops.rearrange(delta_proj_weight @ x_dbl[:, :rank].t(), "d (b l) -> b d l", l=L)
        B = einops.rearrange(x_dbl[:, rank:rank + n], "(b l) dstate -> b dstate l", l=L).contiguous()
        C = einops.rearrange(x_dbl[:, -n:], "(b l) dstate -> b dstate l", l=L).contiguous()
        return scan_by_unbind(x, delta, A, B, C, D, z=z, delta_bias=delta_bias, delta_softplus=True)

    ms.mamba_inner_fn_no_out_proj = inner_no_out_proj
    return models_mamba


def model_input(raw):
    """raw 0..16 (n, 8, 8) → (n, 3, 32, 32): /16, nearest ×4, three channels, (v − 0.5)/0.5."""
    x = raw.float() / 16
    x = x.repeat_interleave(4, dim=1).repeat_interleave(4, dim=2)
    return ((x - 0.5) / 0.5).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


def augment(raw, generator, prob=0.8, max_rot=12.0, scale=(0.9, 1.1), max_shear=8.0, max_shift=0.125):
    """With probability prob per image: 8×8 → 32×32 nearest, a random affine (bilinear, zeros outside), 4×4 average pool."""
    x = (raw.float() / 16).repeat_interleave(4, dim=1).repeat_interleave(4, dim=2).unsqueeze(1)
    n = x.shape[0]
    u = torch.rand(n, 6, generator=generator)
    rot = (u[:, 0] * 2 - 1) * math.radians(max_rot)
    shear = (u[:, 1] * 2 - 1) * math.radians(max_shear)
    s = scale[0] + (scale[1] - scale[0]) * u[:, 2]
    tx, ty = (u[:, 3] * 2 - 1) * max_shift, (u[:, 4] * 2 - 1) * max_shift
    c, si, k = torch.cos(rot), torch.sin(rot), torch.tan(shear)
    theta = torch.stack([torch.stack([s * c, s * (c * k - si), tx], 1), torch.stack([s * si, s * (si * k + c), ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    warped = F.avg_pool2d(F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False), 4) * 16
    pick = (u[:, 5] < prob).view(n, 1, 1)
    return torch.where(pick, warped.squeeze(1), raw.float())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True, help="a checkout of hustvl/Vim")
    p.add_argument("--dataset", required=True, help="data/digits/dataset.safetensors")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    models_mamba = load(a.repo)
    data = read_safetensors(a.dataset)
    raw, labels = data["raw"], data["labels"]
    train, test = data["train_indices"], data["test_indices"]
    test_x, test_y = model_input(raw[test]), labels[test]

    torch.manual_seed(a.seed)
    model = models_mamba.VisionMamba(**KWARGS)
    skip = model.no_weight_decay()
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim == 1 or name.endswith(".bias") or name in skip else decay).append(param)
    optimizer = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}],
                                  lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
    batch, lr, min_lr, warmup_lr, warmup_epochs = 64, 2e-3, 1e-5, 1e-5, 3
    steps_per_epoch = math.ceil(len(train) / batch)
    total, warmup = a.epochs * steps_per_epoch, warmup_epochs * steps_per_epoch
    generator = torch.Generator().manual_seed(a.seed + 1)

    def rate(step):
        if step < warmup:
            return warmup_lr + (lr - warmup_lr) * step / warmup
        t = (step - warmup) / max(1, total - warmup)
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * t))

    start, step, accuracy = time.perf_counter(), 0, 0.0
    for epoch in range(a.epochs):
        model.train()
        order = train[torch.randperm(len(train), generator=generator)]
        total_loss = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * batch:(b + 1) * batch]
            x = augment(raw[idx], generator)
            x = ((x / 16).repeat_interleave(4, dim=1).repeat_interleave(4, dim=2) - 0.5) / 0.5
            x = x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous()
            for group in optimizer.param_groups:
                group["lr"] = rate(step)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), labels[idx], label_smoothing=0.1)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)
            step += 1
        model.eval()
        with torch.no_grad():
            accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
        print(json.dumps({"epoch": epoch + 1, "loss": total_loss / len(train), "test_top1": accuracy,
                          "seconds": time.perf_counter() - start}), flush=True)
    print(json.dumps({"train_seconds": time.perf_counter() - start, "test_top1": accuracy, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
