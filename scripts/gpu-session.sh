#!/bin/bash
# The one device call of issue 14, run from the repository root on a GPU machine with no npm and no
# network, after scripts/gpu-prepare.sh made .carry/ (bundle with Node, lavapipe fingerprint) and .gl/
# (Vulkan loader debs) here. Each phase runs under its own time limit and writes its output to a file;
# after every phase the results are packed into $OUT, so a phase or the whole call cut short still
# returns what was done. At most 8 files come back from $OUT: session.log, summary.md,
# results.tar.gz (every phase's output), mini-base.tar.gz (the pre-trained checkpoint), ABORTED.txt.
#
# Environment: OUT (required); GPU_SESSION_SCALE (x every phase budget, default 1: ~9 minutes);
# GPU_SESSION_DRY_RUN=1 (a rehearsal on this machine's lavapipe: no debs installed, lavapipe accepted,
# tiny models and counts); GPU_SESSION_WORK (scratch, default /tmp/gpu-session).
set -u
: "${OUT:?OUT must name the folder results go to}"
SCALE=${GPU_SESSION_SCALE:-1}
DRY=${GPU_SESSION_DRY_RUN:-0}
WORK=${GPU_SESSION_WORK:-/tmp/gpu-session}
REPO=$(pwd)
RES=$WORK/results
T0=$(date +%s)
mkdir -p "$OUT" "$RES"
rm -rf "${RES:?}"/* "$WORK/engine" "$WORK/runs"

log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$OUT/session.log" >&2; }
secs() { python3 -c "import sys; print(max(5, round(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$SCALE"; }
pack() {
  tar -C "$WORK" -czf "$OUT/results.tar.gz.part" results && mv -f "$OUT/results.tar.gz.part" "$OUT/results.tar.gz"
  python3 "$REPO/scripts/gpu-summary.py" "$RES" >"$OUT/summary.md" 2>>"$OUT/session.log"
}
abort() {
  { echo "aborted after $(($(date +%s) - T0)) s: $*"; echo; cat "$RES/devices.jsonl" 2>/dev/null; } >"$OUT/ABORTED.txt"
  log "ABORTED: $*"
  pack
  exit 1
}
# phase NAME BUDGET_S CMD...: stdout to results/NAME.jsonl, stderr to results/NAME.log, one line in phases.tsv.
phase() {
  local name=$1 budget
  budget=$(secs "$2")
  shift 2
  log "phase $name (limit ${budget}s): $*"
  local t=$(date +%s)
  timeout -k 10 "$budget" "$@" >"$RES/$name.jsonl" 2>"$RES/$name.log"
  local rc=$?
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - t))" "$budget" >>"$RES/phases.tsv"
  log "phase $name: exit $rc$([ $rc = 124 ] && echo ' (time limit)') after $(($(date +%s) - t))s"
  pack
  return $rc
}
json() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@" 2>/dev/null; }
last_json() { grep "$2" "$1" 2>/dev/null | tail -1; }

# --- set-up: the bundle (with its Node), the Vulkan loader, NVIDIA's ICD -------------------------
log "session on $(hostname), scale $SCALE, dry run $DRY"
mkdir -p "$WORK/engine"
# python3's tarfile where the image has no xz
tar -C "$WORK/engine" -xJf "$REPO/.carry/bundle.tar.xz" 2>/dev/null ||
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$REPO/.carry/bundle.tar.xz" "$WORK/engine" ||
  abort "could not unpack .carry/bundle.tar.xz"
RUN="$WORK/engine/run.sh"
export NODE=bundled
if [ "$DRY" != 1 ]; then
  for f in "$REPO"/.gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv >"$RES/nvidia-smi.csv" 2>&1
fi
{ ldconfig -p | grep -i vulkan; ls -l /usr/local/nvidia/share/vulkan/icd.d/ 2>&1; } >"$RES/vulkan.txt" 2>&1
cp "$WORK/engine/BUNDLE.json" "$RES/"

phase devices 60 "$RUN" devices || abort "run.sh devices failed: $(tail -3 "$RES/devices.log")"
if [ "$DRY" = 1 ]; then want=lavapipe; else want=nvidia; fi
ADAPTER=$(python3 -c "
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if sys.argv[2] in a['name'].lower() or a['kind'] == sys.argv[2]:
        print(a['name']); break" "$RES/devices.jsonl" "$want")
[ -n "$ADAPTER" ] || abort "no $want adapter among Dawn's adapters (devices.jsonl); Vulkan loader: $(head -2 "$RES/vulkan.txt")"
export ENGINE_ADAPTER=$ADAPTER
log "adapter: $ADAPTER"

# --- the GPU bench: figures, and the training rate the budgets below are sized by -----------------
if [ "$DRY" = 1 ]; then quick=--quick; else quick=; fi
phase bench 100 "$RUN" bench gpu $quick --out "$RES/bench-gpu.json"

# Tokens that fit in $1 seconds of training at the bench's rate for the chosen batch (row $2),
# less start-up, evaluation and data building (~1M tokens/s); at least $3.
fit_tokens() {
  python3 - "$RES/bench-gpu.json" "$(secs "$1")" "$2" "$3" <<'PY'
import json, sys
path, seconds, case, floor = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
try:
    rate = next(r["ours"] for r in json.load(open(path))["rows"] if r["case"].startswith(case) and r.get("ours"))
except Exception:
    rate = 20000.0  # no bench figure: a cautious guess
usable = max(0.0, seconds * 0.75 - 40)
print(max(floor, int(rate * usable / (1 + rate / 1e6))))
PY
}
if [ "$DRY" = 1 ]; then
  BATCH=2 SEQ=128 RATE_CASE="mini batch 2 x seq 128" MODEL=(--model tiny)
  EVAL=(--per-op 1 --n 2 --max-new-tokens 24 --ops 2-4 --batch 8) RL=(--max-steps 2 --prompts-per-step 2 --num-generations 2 --ppo-mini-batch-size 2 --per-device-train-batch-size 4 --max-completion-length 24)
  HELD=(--eval-per-op 2 --eval-max-new-tokens 24) HELD_MID=("${HELD[@]}")
else
  BATCH=32 SEQ=512 RATE_CASE="mini batch 32 x seq 512" MODEL=()
  EVAL=(--per-op 12 --n 8 --batch 256) RL=(--max-steps 20)
  HELD=(--eval-per-op 60) HELD_MID=(--eval-per-op 20)
fi
# A checkpoint every 100 steps: a phase cut by its time limit still leaves a model to go on with.
TRAIN=(--batch-size "$BATCH" --seq-len "$SEQ" --checkpoint-interval 100)

# --- pre-training mini on op 2-10, held-out greedy accuracy per op ---------------------------------
PRE_TOKENS=${PRETRAIN_TOKENS:-$(fit_tokens 160 "$RATE_CASE" 16384)}
log "pre-training on $PRE_TOKENS tokens (batch $BATCH x $SEQ)"
phase pretrain 160 "$RUN" pretrain --out "$WORK/runs/pretrain" "${MODEL[@]}" "${TRAIN[@]}" --tokens "$PRE_TOKENS" "${HELD[@]}"
BASE=$WORK/runs/pretrain/checkpoints/$(cat "$WORK/runs/pretrain/checkpoints/latest" 2>/dev/null)
[ -f "$BASE/model.safetensors" ] || abort "pre-training left no checkpoint"
# What models/mini-base/ holds: the weights-only checkpoint npm start imports (trainer_state.json would
# ask for the optimizer file), with the run's config and provenance (engine, adapter) to remake it.
tar -C "$BASE" -czf "$OUT/mini-base.tar.gz" config.json model.safetensors tokenizer.json \
  -C "$WORK/runs/pretrain" run.json provenance.jsonl

# --- mid-training, calibration, GRPO at the calibrated edge, pass@k of base / mid / RL -------------
MID_TOKENS=${MIDTRAIN_TOKENS:-$(fit_tokens 60 "$RATE_CASE" 8192)}
phase midtrain 60 "$RUN" midtrain --out "$WORK/runs/midtrain" --init "$BASE" "${TRAIN[@]}" --tokens "$MID_TOKENS" "${HELD_MID[@]}"
MID=$WORK/runs/midtrain/checkpoints/$(cat "$WORK/runs/midtrain/checkpoints/latest" 2>/dev/null)
[ -f "$MID/model.safetensors" ] || MID=$BASE
phase calibrate 35 "$RUN" calibrate --checkpoint "$MID" --out "$RES/calibration.json" --config start "${EVAL[@]}"
OPS=$(json "$RES/calibration.json" "'%d-%d' % (d['range']['from'], d['range']['to'])")
OPS=${OPS:-11-14} # no op at the edge of competence: the study's edge range, as npm start does
log "GRPO on ops $OPS"
phase rl 70 "$RUN" rl --out "$WORK/runs/rl" --init "$MID" --ops "$OPS" "${RL[@]}"
RLCK=$WORK/runs/rl/checkpoints/$(cat "$WORK/runs/rl/checkpoints/latest" 2>/dev/null)
for m in base rl; do
  if [ $m = base ]; then ck=$BASE; else ck=$RLCK; fi
  [ -f "$ck/model.safetensors" ] && phase "eval-$m" 20 "$RUN" eval --checkpoint "$ck" --out "$RES/eval-$m.json" --config start "${EVAL[@]}"
done

# --- the GPU's kernel fingerprint against lavapipe's (made by gpu-prepare.sh) ------------------------
phase repro-kernels 20 "$RUN" repro kernels --out "$RES/fingerprint.json"
if [ -f "$REPO/.carry/fingerprint-lavapipe.json" ] && [ -f "$RES/fingerprint.json" ]; then
  phase repro-compare 10 "$RUN" repro compare "$REPO/.carry/fingerprint-lavapipe.json" "$RES/fingerprint.json"
fi
if "$RUN" help 2>&1 | grep -q '^repro run'; then phase repro-run 20 "$RUN" repro run --out "$RES/repro-run.json"; fi

# --- Hugging Face: our checkpoint loaded by Qwen2ForCausalLM gives our loss on the same tokens -----
if python3 -c 'import transformers' 2>/dev/null; then
  phase hf-ours 10 "$RUN" checkpoint-loss "$BASE" "$RES/hf-batch.json" &&
    phase hf-check 20 python3 "$WORK/engine/tools/hf/qwen2_check.py" "$BASE" "$RES/hf-batch.json"
else
  log "transformers is not importable here: no HF check"
  echo "transformers not importable by $(command -v python3)" >"$RES/hf-check.log"
fi
log "done in $(($(date +%s) - T0)) s"
pack
