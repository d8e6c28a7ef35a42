#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (browser tests; its SwiftShader Vulkan
# driver gives a software WebGPU adapter), libvulkan1 (the Vulkan loader that
# onnxruntime-node's WebGPU provider opens), strace (the GPU bundle's test watches which
# files the bundle opens) and xz-utils (`npm run bundle:gpu` compresses with xz).
# Idempotent; needs root or sudo only when something is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 ' || need+=(libvulkan1)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
if [ ${#need[@]} -eq 0 ]; then
  echo "system dependencies present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "apt-get update failed; trying with the existing package lists" >&2
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
