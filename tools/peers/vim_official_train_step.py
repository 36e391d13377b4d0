#!/usr/bin/env python3
"""The official Vim training step on the CPU, as the peer of `vim bench-train`.

Imports hustvl/Vim's own model code from --repo (a checkout; nothing of it is copied here) and runs what it runs
without a GPU: the compiled selective_scan_cuda / causal_conv1d_cuda kernels and the Triton fused add+norm are
routed to the upstream reference functions (selective_scan_ref, causal_conv1d_ref, rms_norm_ref / layer_norm_ref),
and autograd differentiates through them. timm, einops and Triton are not installable here: the few names the model
files import are provided by minimal stand-ins below (timm 0.4.12 semantics for DropPath and the weight-decay groups).

One step = zero_grad, forward, cross-entropy, backward, torch.optim.AdamW step. Prints one JSON line per step:
{"step": k, "seconds": t}, and {"peak_rss_mib": ...} (the process's maximum resident set) after each run of steps.
With --serve it stays up and reads commands on stdin — "run K" runs K more steps, "quit" ends — so a benchmark can
interleave its own rounds with these without paying the first step's page faulting (minutes at 224²) every round.
"""
import argparse
import json
import math
import resource
import sys
import time
import types

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- einops: rearrange / repeat over the patterns the model files use --------------------------------------------
def _parse(side):
    groups, i, tokens = [], 0, side.split()
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("("):
            group, t = [], t[1:]
            while True:
                end = t.endswith(")")
                name = t[:-1] if end else t
                if name:
                    group.append(name)
                if end:
                    break
                i += 1
                t = tokens[i]
            groups.append(group)
        else:
            groups.append([t])
        i += 1
    return groups


def _einops(x, pattern, sizes, repeat):
    left, right = (s.strip() for s in pattern.split("->"))
    lg, rg = _parse(left), _parse(right)
    if any(g == ["..."] for g in lg):
        k = lg.index(["..."])
        extra = x.dim() - (len(lg) - 1)
        names = [f"_e{j}" for j in range(extra)]
        lg = lg[:k] + [[n] for n in names] + lg[k + 1:]
        k = rg.index(["..."])
        rg = rg[:k] + [[n] for n in names] + rg[k + 1:]
    known = dict(sizes)
    shape = []
    for dim, g in zip(x.shape, lg):
        if g == ["1"]:
            continue
        unknown = [n for n in g if n not in known]
        product = math.prod(known[n] for n in g if n in known)
        if unknown:
            known[unknown[0]] = dim // product
        shape.extend(known[n] for n in g)
    names = [n for g in lg for n in g if n != "1"]
    x = x.reshape(shape) if shape else x
    out_names = [n for g in rg for n in g if n != "1"]
    new = [n for n in out_names if n not in names]
    for n in new:
        x = x.unsqueeze(-1)
        names.append(n)
    x = x.permute([names.index(n) for n in out_names])
    if repeat and new:
        x = x.expand([known[n] for n in out_names])
    final = []
    for g in rg:
        final.append(1 if g == ["1"] else math.prod(known[n] for n in g))
    return x.reshape(final)


einops = types.ModuleType("einops")
einops.rearrange = lambda x, pattern, **s: _einops(x, pattern, s, repeat=False)
einops.repeat = lambda x, pattern, **s: _einops(x, pattern, s, repeat=True)
sys.modules["einops"] = einops


# ---- timm 0.4.12: the names models_mamba.py imports ------------------------------------------------------------------
class DropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1 - self.drop_prob
        mask = (keep + torch.rand((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype)).floor_()
        return x.div(keep) * mask


def _module(name, **members):
    m = types.ModuleType(name)
    m.__dict__.update(members)
    sys.modules[name] = m
    return m


_module("timm")
_module("timm.models")
_module("timm.models.vision_transformer", VisionTransformer=object, _cfg=lambda **kw: dict(kw), _load_weights=lambda *a, **k: None)
_module("timm.models.registry", register_model=lambda f: f)
_module("timm.models.layers", trunc_normal_=nn.init.trunc_normal_,
        lecun_normal_=lambda t: nn.init.trunc_normal_(t, std=math.sqrt(1.0 / t[0].numel()) / 0.87962566103423978),
        DropPath=DropPath, to_2tuple=lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x))
_module("mamba_ssm.utils.generation", GenerationMixin=object)
_module("mamba_ssm.utils.hf", load_config_hf=None, load_state_dict_hf=None)
_module("selective_scan_cuda")
_module("causal_conv1d_cuda")


class _Anything:
    """Triton at import time: decorators and annotations only; nothing is launched."""
    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return args[0] if len(args) == 1 and callable(args[0]) and not kwargs else _Anything()


class _Config:
    def __init__(self, meta, **options):
        self.meta = meta
        self.__dict__.update(options)


try:
    # A real Triton (the GPU machines' PyTorch imports it itself) stays; the model's kernels are routed around it anyway.
    import triton  # noqa: F401
    import triton.language  # noqa: F401
except ImportError:
    triton = _module("triton", Config=_Config)
    triton.__getattr__ = lambda name: _Anything()
    _module("triton.language").__getattr__ = lambda name: _Anything()


def load_official(repo):
    """Imports the official model code from a checkout, with the CUDA kernels routed to its reference functions."""
    sys.path[:0] = [f"{repo}/vim", f"{repo}/mamba-1p1p1", f"{repo}/causal-conv1d"]
    import causal_conv1d.causal_conv1d_interface as cci
    import mamba_ssm.ops.selective_scan_interface as ssi
    import mamba_ssm.ops.triton.layer_norm as ln

    ssi.causal_conv1d_fn = cci.causal_conv1d_ref
    ssi.selective_scan_fn = ssi.selective_scan_ref

    def inner_no_out_proj(xz, conv1d_weight, conv1d_bias, x_proj_weight, delta_proj_weight, A, B=None, C=None, D=None,
                          delta_bias=None, B_proj_bias=None, C_proj_bias=None, delta_softplus=True):
        # mamba_inner_ref up to the scan: the upstream reference pieces, without its out_proj
        L, rank, n = xz.shape[-1], delta_proj_weight.shape[1], A.shape[-1]
        x, z = xz.chunk(2, dim=1)
        x = cci.causal_conv1d_ref(x, einops.rearrange(conv1d_weight, "d 1 w -> d w"), conv1d_bias, activation="silu")
        x_dbl = F.linear(einops.rearrange(x, "b d l -> (b l) d"), x_proj_weight)
        delta = einops.rearrange(delta_proj_weight @ x_dbl[:, :rank].t(), "d (b l) -> b d l", l=L)
        B = einops.rearrange(x_dbl[:, rank:rank + n], "(b l) dstate -> b dstate l", l=L).contiguous()
        C = einops.rearrange(x_dbl[:, -n:], "(b l) dstate -> b dstate l", l=L).contiguous()
        return ssi.selective_scan_ref(x, delta, A, B, C, D, z=z, delta_bias=delta_bias, delta_softplus=True)

    def fused(ref):
        def fn(x, weight, bias, residual=None, x1=None, weight1=None, bias1=None, eps=1e-6, dropout_p=0.0, rowscale=None,
               prenorm=False, residual_in_fp32=False, is_rms_norm=None, return_dropout_mask=False):
            out = ref(x, weight, bias, residual=residual, eps=eps, prenorm=prenorm)
            if prenorm and residual_in_fp32:
                return out[0], out[1].float()
            return out
        return fn

    ln.rms_norm_fn, ln.layer_norm_fn = fused(ln.rms_norm_ref), fused(ln.layer_norm_ref)
    import mamba_ssm.modules.mamba_simple as ms
    ms.causal_conv1d_fn = cci.causal_conv1d_ref
    ms.mamba_inner_fn_no_out_proj = inner_no_out_proj
    ms.bimamba_inner_fn = ssi.bimamba_inner_ref
    ms.mamba_inner_fn = ssi.mamba_inner_ref
    import models_mamba
    models_mamba.rms_norm_fn, models_mamba.layer_norm_fn = ln.rms_norm_fn, ln.layer_norm_fn
    return models_mamba


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True, help="a checkout of hustvl/Vim")
    p.add_argument("--model", default="vim_tiny_patch16_224_bimambav2_final_pool_mean_abs_pos_embed_with_midclstok_div2")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--img-size", type=int, default=224)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--serve", action="store_true", help="wait for 'run K' / 'quit' on stdin instead of running --steps once")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    models_mamba = load_official(a.repo)
    torch.manual_seed(0)
    model = getattr(models_mamba, a.model)(num_classes=1000, drop_rate=0.0, drop_path_rate=0.0, img_size=a.img_size)
    model.train()
    # timm 0.4.12 create_optimizer → add_weight_decay: no decay for 1-D, biases and no_weight_decay()
    skip = model.no_weight_decay()
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if param.ndim == 1 or name.endswith(".bias") or name in skip else decay).append(param)
    optimizer = torch.optim.AdamW([{"params": no_decay, "weight_decay": 0.0}, {"params": decay, "weight_decay": 0.05}], lr=5e-4)
    images = torch.randn(a.batch, 3, a.img_size, a.img_size)
    labels = torch.randint(0, 1000, (a.batch,))
    done = 0

    def run(count):
        nonlocal done
        for _ in range(count):
            start = time.perf_counter()
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            print(json.dumps({"step": done, "seconds": time.perf_counter() - start, "loss": loss.item()}), flush=True)
            done += 1
        print(json.dumps({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "threads": torch.get_num_threads()}), flush=True)

    if not a.serve:
        run(a.steps)
        return
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["run"]:
            run(int(words[1]))
        elif words[:1] == ["quit"]:
            break


if __name__ == "__main__":
    main()
