#!/bin/sh
# The offline bundle's launcher: `run.sh <cli args>` runs the engine's CLI, `run.sh bench <sections>`
# its bench, `run.sh checkpoint-loss CKPT BATCH.json` the loss the HF check compares with.
# Node: $NODE if set (NODE=bundled: the bundled one), else a Node 20+ on PATH, else the bundled
# node.xz (--with-node), unpacked once into a cache directory. Needs no npm, no node_modules outside this folder, no network.
set -eu
# Shell built-ins only on the way to an installed node: PATH may hold nothing but node's directory.
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(CDPATH='' cd -- "$here" && pwd)

node_ok() { "$1" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; }

# Prints the path of the bundled node, unpacking it first where no earlier run did.
bundled_node() {
  read -r tag <"$here/node.version"
  for base in "${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}" "${TMPDIR:-/tmp}"; do
    dir="$base/reasoning-engine-node/$tag"
    if [ -x "$dir/node" ]; then echo "$dir/node"; return 0; fi
    mkdir -p "$dir" 2>/dev/null || continue
    part="$dir/node.part.$$"
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$here/node.xz" >"$part" || { rm -f "$part"; continue; }
    else # python3's lzma where xz-utils is not installed
      python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
        "$here/node.xz" "$part" || { rm -f "$part"; continue; }
    fi
    chmod +x "$part" && mv -f "$part" "$dir/node" && { echo "$dir/node"; return 0; }
  done
  return 1
}

if [ "${NODE:-}" = bundled ]; then # the bundled one even where another is on PATH
  [ -f "$here/node.xz" ] || { echo "run.sh: NODE=bundled, but this bundle has no node.xz (build it with --with-node)" >&2; exit 2; }
  node=$(bundled_node) || { echo "run.sh: could not unpack $here/node.xz (no writable cache or TMPDIR; need xz or python3)" >&2; exit 2; }
elif [ -n "${NODE:-}" ]; then
  node_ok "$NODE" || { echo "run.sh: NODE=$NODE is not Node.js 20 or newer" >&2; exit 2; }
  node=$NODE
elif command -v node >/dev/null 2>&1 && node_ok node; then
  node=node
elif [ -f "$here/node.xz" ]; then
  node=$(bundled_node) || { echo "run.sh: could not unpack $here/node.xz (no writable cache or TMPDIR; need xz or python3)" >&2; exit 2; }
else
  echo "run.sh: no Node.js 20 or newer: put one on PATH, set NODE=/path/to/node, or build the bundle with --with-node" >&2
  exit 2
fi

entry=cli.mjs
case ${1:-} in
  bench | checkpoint-loss)
    entry=$1.mjs
    shift
    ;;
esac
exec "$node" --enable-source-maps "$here/$entry" "$@"
