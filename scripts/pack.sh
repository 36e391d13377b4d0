#!/usr/bin/env bash
# Makes the NuGet packages into artifacts/packages (or -o DIR):
#   Vim.Dsl, Vim.Kernels, Vim.Runtime (with the generator as an analyzer) and their .snupkg symbol packages;
#   Vim.Kernels.Cuda (runtimes/linux-x64/native/libvimkernels.so) when --native names a CMake build of the kernels.
#   scripts/pack.sh [-c Release] [-o DIR] [--version X.Y.Z] [--native path/to/libvimkernels.so] [--no-build]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config=Release out="$root/artifacts/packages" native="" version="" build=()
while [ $# -gt 0 ]; do
  case "$1" in
    -c) config="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --native) native="$2"; shift 2 ;;
    --no-build) build=(--no-build); shift ;;
    *) echo "unknown argument $1; expected -c CONFIG, -o DIR, --version X.Y.Z, --native FILE or --no-build" >&2; exit 2 ;;
  esac
done
props=()
[ -n "$version" ] && props+=("-p:Version=$version")
mkdir -p "$out"
for project in Vim.Dsl Vim.Kernels Vim.Runtime; do
  dotnet pack "$root/$project" -c "$config" -o "$out" "${build[@]}" "${props[@]}" --nologo -v quiet
done
if [ -n "$native" ]; then
  [ -f "$native" ] || { echo "--native $native: no such file; expected the libvimkernels.so of a CMake build of Vim.Kernels/cuda" >&2; exit 2; }
  dotnet pack "$root/packaging/Vim.Kernels.Cuda" -c "$config" -o "$out" "-p:NativeLibrary=$(cd "$(dirname "$native")" && pwd)/$(basename "$native")" "${props[@]}" --nologo -v quiet
fi
ls -1 "$out"
