#!/usr/bin/env bash
# One full round on the GPU machine (CUDA 13 + cuBLAS + CMake + ninja, no .NET):
#   1. build libvimkernels, the native tests and the bench (CMake, sm_90);
#   2. ctest: every kernel against its C++ reference;
#   3. the C# GPU tests from the self-contained single-file publish made on the development machine by
#      scripts/publish-device-tests.sh (into .device/tests; carry that folder), namespace Vim.Runtime.Tests.Cuda,
#      with VIM_KERNELS_PATH pointing at the fresh build;
#   4. benchmarks (only after the tests): bench_scan and the vim_tiny throughput/latency bench.
# Logs go to $OUT (or ./device-out). Usage: scripts/device-round.sh [--no-bench]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/device-out}"
mkdir -p "$out"
build="${VIM_BUILD_DIR:-/tmp/vimkernels-build}"
tests="${VIM_TESTS_EXE:-$root/.device/tests/Vim.Runtime.Tests}"
bench=1
[ "${1:-}" = "--no-bench" ] && bench=0
status=0
step() { echo; echo "=== $* ==="; }

step "machine"
nvidia-smi -L 2>&1 | tee "$out/machine.log"
nvcc --version | tail -2 | tee -a "$out/machine.log"

step "build (CMake, sm_90)"
cmake -S "$root/Vim.Kernels/cuda" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" >"$out/build.log" 2>&1 \
  && cmake --build "$build" -j "$(nproc)" >>"$out/build.log" 2>&1
if [ $? -ne 0 ]; then tail -40 "$out/build.log"; echo "BUILD FAILED"; exit 1; fi
echo "built $build/libvimkernels.so"

step "native kernel tests (ctest)"
(cd "$build" && ctest --output-on-failure -j 1 2>&1) | tee "$out/ctest.log" | grep -E "FAIL|MISMATCH|Test +#|tests passed|tests failed" | head -80
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep -q "100% tests passed" "$out/ctest.log" || status=1

step "C# GPU tests (Vim.Runtime.Tests.Cuda)"
export VIM_KERNELS_PATH="$build/libvimkernels.so"
# NCCL comes with PyTorch's nvidia-nccl wheel; the communicator test skips (and says why) without it.
export VIM_NCCL_PATH="${VIM_NCCL_PATH:-$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib"))' 2>/dev/null)}"
export NCCL_NVLS_ENABLE=0
export DOTNET_BUNDLE_EXTRACT_BASE_DIR="${DOTNET_BUNDLE_EXTRACT_BASE_DIR:-/tmp/dotnet-bundle}"
if [ -x "$tests" ]; then
  "$tests" -namespace Vim.Runtime.Tests.Cuda -showLiveOutput -parallel none 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$out/dotnet-tests.log" \
    | grep -vE "^\s*$" | grep -E "FAIL|\[SKIP\]|Total:|on NVIDIA|GPU vs CPU|batch [0-9]+:|Assert|error|Exception" | head -80
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
  echo "no published test executable at $tests"; status=1
fi

if [ $bench -eq 1 ] && [ $status -eq 0 ]; then
  step "benchmarks"
  "$build/bench_scan" 2>&1 | tee "$out/bench.log"
  VIM_CUDA_BENCH=1 VIM_BENCH_OUT="$out/bench.log" "$tests" -class Vim.Runtime.Tests.Cuda.CudaBenchmarks -showLiveOutput 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' > "$out/dotnet-bench.log"
  grep -E "^\||device:|allocator" "$out/bench.log" | tail -8
  grep -E "FAIL|Total:" "$out/dotnet-bench.log"
elif [ $bench -eq 1 ]; then
  echo "benchmarks skipped: tests failed"
fi
echo
echo "device round: $([ $status -eq 0 ] && echo PASSED || echo FAILED) (logs in $out)"
exit $status
