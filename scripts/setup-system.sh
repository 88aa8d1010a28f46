#!/usr/bin/env bash
# Installs the system packages the engine and its tests need on Debian 12, idempotently.
#   - Mesa 25 lavapipe (bookworm-backports): a CPU WebGPU adapter for Dawn when there is no GPU.
#   - chromium: SwiftShader for Dawn and headless browser tests.
#   - python3-torch + OpenBLAS (pthread) + tcmalloc: the PyTorch oracle and CPU speed peer.
#   - redis-server: the job queue that spreads a study over machines (its tests start their own).
# Quiet when everything is present. Where apt is not usable as root it prints what to install.
# Usage: scripts/setup-system.sh [--check]   (--check only reports, exit 1 when something is missing)
set -euo pipefail

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

LAVAPIPE_ICD=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n1 || true)

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

mesa_ok() {
  # Dawn refuses Mesa 22 (bookworm's own); it needs Mesa >= 24 from backports.
  have_pkg mesa-vulkan-drivers || return 1
  local v; v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null)
  local major=${v%%.*}; major=${major#*:}
  [ "${major:-0}" -ge 24 ] 2>/dev/null && [ -n "$LAVAPIPE_ICD" ]
}

missing=()
mesa_ok || missing+=("mesa-vulkan-drivers (>= 24, from bookworm-backports)")
have_pkg libvulkan1 || missing+=(libvulkan1)
have_pkg chromium || missing+=(chromium)
have_pkg python3-torch || missing+=(python3-torch)
have_pkg libopenblas0-pthread || missing+=(libopenblas0-pthread)
have_pkg libtcmalloc-minimal4 || missing+=(libtcmalloc-minimal4)
have_pkg redis-server || missing+=(redis-server)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$check_only" = 1 ]; then
  echo "setup-system: missing: ${missing[*]}. Run: sudo scripts/setup-system.sh" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || ! grep -qs bookworm /etc/os-release; then
  cat >&2 <<MSG
setup-system: cannot install automatically (needs root and Debian 12 apt). Please install:
  ${missing[*]}
  On Debian 12: add 'bookworm-backports' to apt sources, then
    apt-get install -t bookworm-backports mesa-vulkan-drivers
    apt-get install chromium python3-torch libopenblas0-pthread libtcmalloc-minimal4 libvulkan1 redis-server
  Elsewhere: any Vulkan/Metal/D3D12 GPU driver works for WebGPU; Mesa >= 24 lavapipe for CPU-only.
MSG
  exit 1
fi

echo "setup-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/backports.sources <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq >/dev/null
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
apt-get install -y -qq --no-install-recommends libvulkan1 chromium python3-torch python3-numpy \
  libopenblas0-pthread libtcmalloc-minimal4 redis-server >/dev/null
echo "setup-system: done" >&2
