#!/bin/bash
# Run HERE (a machine with npm, the network and lavapipe) before a GPU session: builds the ignored
# folders the device call carries, and prints that call.
#   .carry/bundle.tar.xz              the offline bundle with this Node (npm run bundle -- --with-node)
#   .carry/fingerprint-lavapipe.json  repro kernels on lavapipe, which the GPU's fingerprint is compared with
#   .gl/*.deb                         the Vulkan loader (and GL) debs, as /work/.library/device/README.md says
# Everything that travels (tracked files + .carry + .gl) must stay under the device's 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p .carry

npm run -s bundle -- --out "$tmp/bundle" --with-node
tar -C "$tmp/bundle" -cf - . | xz -6 -T0 >.carry/bundle.tar.xz.part
mv .carry/bundle.tar.xz.part .carry/bundle.tar.xz

if [ ! -f .carry/fingerprint-lavapipe.json ] || [ "${REFRESH_FINGERPRINT:-0}" = 1 ]; then
  node "$tmp/bundle/cli.mjs" repro kernels --adapter lavapipe --out .carry/fingerprint-lavapipe.json >/dev/null
fi

if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p .gl /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update >/dev/null
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

mib() { du -cb "$@" 2>/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1048576}'; }
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1048576}')
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1048576}')
echo "travels: tracked ${tracked} MiB, untracked ${untracked:-0} MiB, .carry $(mib .carry) MiB, .gl $(mib .gl) MiB (limit 64)"
python3 - "$tracked" "${untracked:-0}" "$(mib .carry)" "$(mib .gl)" <<'PY'
import sys
total = sum(map(float, sys.argv[1:]))
if total >= 63:
    sys.exit(f"{total:.1f} MiB would travel: over the device's 64 MiB; leave out untracked files")
PY
cat <<'CALL'

The device call (one run; ~9.5 minutes of the 15; GPU_SESSION_SCALE=0.5 halves every phase budget):
  run(command="bash scripts/gpu-session.sh", carry=[".carry", ".gl"], timeout_s=600)
Then keep what comes back (session.log, summary.md, results.tar.gz, mini-base.tar.gz, ABORTED.txt)
and call give_back.
CALL
