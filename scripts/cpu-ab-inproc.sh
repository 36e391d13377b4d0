#!/usr/bin/env bash
# Compares the CPU speed of two revisions in one process: tools/Vim.PerfAB loads each revision's Vim.Runtime into
# its own load context and alternates their forward passes, reporting the per-round ratio B/A. This sees 2–5 %
# changes that alternating whole `vim bench` runs (scripts/cpu-ab.sh) cannot on the shared host.
#
#   scripts/cpu-ab-inproc.sh REV_A REV_B [--batch N] [--threads N] [--rounds N] [--model NAME]
#
# A revision is anything git accepts; WORKTREE means the current working tree. Revisions are built in git worktrees
# under .perf-ab/ (ignored), as cpu-ab.sh does.
# The two load contexts differ by themselves (an A/A comparison of one build gave 0.965–1.02: code and data land at
# other addresses), so the tool runs twice with the sides swapped; in sqrt(first / second) that bias cancels.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rev_a="${1:?usage: cpu-ab-inproc.sh REV_A REV_B [--batch N] [--threads N] [--rounds N] [--model NAME]}"
rev_b="${2:?usage: cpu-ab-inproc.sh REV_A REV_B [--batch N] [--threads N] [--rounds N] [--model NAME]}"
shift 2
# shellcheck source=perf-ab-common.sh
source "$root/scripts/perf-ab-common.sh"
runtime_a="$(perf_ab_build "$root" "$rev_a" Vim.Runtime)"
runtime_b="$(perf_ab_build "$root" "$rev_b" Vim.Runtime)"
perf_ab_dotnet_build "$root" "$root/tools/Vim.PerfAB"
tool="$root/tools/Vim.PerfAB/bin/Release/net10.0/vim-perf-ab.dll"
first="$(dotnet "$tool" "$runtime_a" "$runtime_b" "$@" | tee /dev/stderr | sed -n 's/.*geometric mean \([0-9.]*\).*/\1/p')"
second="$(dotnet "$tool" "$runtime_b" "$runtime_a" "$@" | tee /dev/stderr | sed -n 's/.*geometric mean \([0-9.]*\).*/\1/p')"
awk -v a="$first" -v b="$second" -v ra="$rev_a" -v rb="$rev_b" \
  'BEGIN { printf "%s / %s: %.3f (sides swapped: %.3f and 1/%.3f)\n", rb, ra, sqrt(a / b), a, b }'
