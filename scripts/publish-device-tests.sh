#!/usr/bin/env bash
# Publishes the runtime tests as one self-contained executable for the GPU machine (which has no .NET), into
# .device/tests (git-ignored; name it in the device tool's `carry`). GpuTestsOnly=true leaves out the test data
# only CPU tests read, so the executable plus the repository stay under the device tool's 64 MiB transfer.
# Single-file publishing of an xunit v3 project needs its content extracted at start-up, hence the two flags.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
dotnet publish "$root/tests/Vim.Runtime.Tests" -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:InvariantGlobalization=true -p:GpuTestsOnly=true \
  -p:EnableCompressionInSingleFile=true -p:IncludeAllContentForSelfExtract=true \
  -o "$staging"
# Only the executable travels: the coverage tools and satellite files beside it are not needed to run tests.
rm -rf "$root/.device/tests"
mkdir -p "$root/.device/tests"
cp "$staging/Vim.Runtime.Tests" "$root/.device/tests/"
ls -la "$root/.device/tests"
