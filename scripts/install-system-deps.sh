#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (browser tests, WebGPU through its
# SwiftShader Vulkan driver). Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  echo "system dependencies present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "apt-get update failed; trying with the existing package lists" >&2
$SUDO apt-get install -y -qq chromium >/dev/null
echo "installed: chromium"
