#!/usr/bin/env bash
# Compares the CPU speed of two revisions on this machine: `vim bench` runs of each, alternating, so that the
# shared host's load (which moves wall times by ±25 % within minutes) falls on both alike.
#
#   scripts/cpu-ab.sh REV_A REV_B [rounds=3] [model=vim_tiny_patch16_224] [batches="8 1"]
#
# A revision is anything git accepts (a commit, a branch, HEAD~2); WORKTREE means the current working tree,
# uncommitted changes included. Each revision is built once in its own git worktree under .perf-ab/ (ignored;
# `rm -rf .perf-ab && git worktree prune` removes them).
# Read the medians side by side: a change smaller than the spread between rounds is not measured.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rev_a="${1:?usage: cpu-ab.sh REV_A REV_B [rounds] [model] [batches]}"
rev_b="${2:?usage: cpu-ab.sh REV_A REV_B [rounds] [model] [batches]}"
rounds="${3:-3}"
model="${4:-vim_tiny_patch16_224}"
batches="${5:-8 1}"
# shellcheck source=perf-ab-common.sh
source "$root/scripts/perf-ab-common.sh"
cli_a="$(perf_ab_build "$root" "$rev_a" examples/Vim.Cli)/vim.dll"
cli_b="$(perf_ab_build "$root" "$rev_b" examples/Vim.Cli)/vim.dll"

echo "| round | batch | revision | wall best / median ms/img | CPU best / median ms/img | steal |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq "$rounds"); do
  for batch in $batches; do
    for side in a b; do
      if [ "$side" = a ]; then cli="$cli_a" rev="$rev_a"; else cli="$cli_b" rev="$rev_b"; fi
      out="$(dotnet "$cli" bench "$model" --batch "$batch" 2>&1)"
      # "per image: wall best X ms, median Y ms; CPU time best Z ms, median W ms" and "host: S% of ..."
      wall="$(sed -n 's/.*wall best \([0-9.]*\) ms, median \([0-9.]*\) ms.*/\1 \/ \2/p' <<< "$out")"
      cpu="$(sed -n 's/.*CPU time best \([0-9.]*\) ms, median \([0-9.]*\) ms.*/\1 \/ \2/p' <<< "$out")"
      steal="$(sed -n 's/^host: \([0-9.]*%\).*/\1/p' <<< "$out")"
      echo "| $round | $batch | $rev | ${wall:-?} | ${cpu:-?} | ${steal:-?} |"
    done
  done
done
