#!/usr/bin/env bash
# The digits reproduction beside the official training run, in one command on one machine: our `vim train
# vim_digits_patch8_32 --recipe digits`, then hustvl/Vim's VisionMamba trained with the same recipe by
# tools/peers/vim_official_digits_train.py, then ours again (the host's speed drifts; the two runs of ours bound it).
#
#   scripts/digits-vs-official.sh PATH_TO_hustvl_Vim [SEED] [PYTHON]
#
# Needs a PyTorch (Debian's python3-torch 1.13 is the one the shipped checkpoint was trained with). Prints each run's
# training seconds and final test accuracy, and the ratio official / ours.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repo="${1:?usage: scripts/digits-vs-official.sh PATH_TO_hustvl_Vim [SEED] [PYTHON]}"
seed="${2:-0}"
python="${3:-python3}"
data="$root/../shared/data/digits"
[ -d "$data/folders" ] || { echo "digits data not found at $data (expected folders/ and dataset.safetensors)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build "$root/examples/Vim.Cli" -c Release -v q -nologo > /dev/null
vim="$root/examples/Vim.Cli/bin/Release/net10.0/vim.dll"

ours() {
    dotnet "$vim" train vim_digits_patch8_32 --data "$data/folders" --recipe digits --seed "$seed" \
        --checkpoint-every epoch -o "$out/ours-$1" | tail -2 | head -1
}

first=$(ours 1)
echo "ours:     $first"
official=$("$python" "$root/tools/peers/vim_official_digits_train.py" --repo "$repo" --dataset "$data/dataset.safetensors" --seed "$seed" | tail -1)
echo "official: $official"
second=$(ours 2)
echo "ours:     $second"
"$python" - "$first" "$official" "$second" <<'PY'
import json, re, sys
a = float(re.search(r"([0-9.]+) s training", sys.argv[1]).group(1))
b = float(re.search(r"([0-9.]+) s training", sys.argv[3]).group(1))
o = json.loads(sys.argv[2])["train_seconds"]
print(f"official / ours: {o / max(a, b):.1f}x to {o / min(a, b):.1f}x (ours {a:.1f} s and {b:.1f} s, official {o:.1f} s)")
PY
