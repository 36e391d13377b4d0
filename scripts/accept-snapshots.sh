#!/usr/bin/env bash
# Accepts snapshot test results: renames every *.received.* file under the repository
# to the matching *.verified.* file (x.received.cs -> x.verified.cs), replacing it.
# Usage: scripts/accept-snapshots.sh [root]   (root defaults to the repository root)
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
count=0
while IFS= read -r -d '' received; do
    dir=$(dirname "$received")
    name=$(basename "$received")
    verified="$dir/${name/.received./.verified.}"
    mv -f -- "$received" "$verified"
    echo "accepted ${verified#"$root"/}"
    count=$((count + 1))
done < <(find "$root" -type f -name '*.received.*' -not -path '*/.git/*' -not -path '*/bin/*' -not -path '*/obj/*' -print0)
echo "$count snapshot(s) accepted"
