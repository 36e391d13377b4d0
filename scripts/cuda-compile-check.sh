#!/usr/bin/env bash
# Compile-checks the native CUDA kernels (no GPU needed): CMake + nvcc build of libvimkernels, the native tests
# and the benchmark. Installs Debian's CUDA toolkit (11.8, non-free) when nvcc is missing. Exits non-zero on failure.
#   scripts/cuda-compile-check.sh [build-dir]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-${TMPDIR:-/tmp}/vimkernels-compile-check}"

if ! command -v nvcc >/dev/null 2>&1; then
  echo "nvcc not found: installing Debian's nvidia-cuda-toolkit (contrib/non-free)" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if [ ! -f /etc/apt/sources.list.d/nonfree.sources ]; then
    uri="$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')"
    uri="${uri:-http://deb.debian.org/debian}"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: contrib non-free non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
      | $sudo_cmd tee /etc/apt/sources.list.d/nonfree.sources >/dev/null
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit cmake ninja-build clang-14 >/dev/null
fi
command -v cmake >/dev/null || { echo "cmake is missing" >&2; exit 1; }

nvcc --version | tail -1
extra=()
# CUDA 11.x's nvcc accepts g++ ≤ 11 as its host compiler; Debian bookworm ships 12, so use clang 14 (or g++-11) there.
cuda_major="$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')"
if [ "${cuda_major:-0}" -lt 12 ] && ! command -v g++-11 >/dev/null 2>&1; then
  if command -v clang++-14 >/dev/null 2>&1; then extra+=(-DCMAKE_CUDA_HOST_COMPILER=clang++-14); fi
elif [ "${cuda_major:-0}" -lt 12 ]; then
  extra+=(-DCMAKE_CUDA_HOST_COMPILER=g++-11)
fi
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)

rm -rf "$build"
cmake -S "$root/Vim.Kernels/cuda" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "${extra[@]}" ${CUDA_ARCHS:+-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS"}
cmake --build "$build" -j "$(nproc)"
for f in libvimkernels.so test_kernels bench_scan; do
  [ -f "$build/$f" ] || { echo "missing build output $f" >&2; exit 1; }
done
echo "cuda compile check: ok ($build)"
