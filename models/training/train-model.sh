#!/usr/bin/env bash
# One command from nothing to a deployable model: synthesise data with Gridwatch's scene
# generator, train on CPU inside a wall-clock budget, export ONNX + manifest, check the graph in
# onnxruntime-node, then score it with Gridwatch's own evaluator.
#
#   models/training/train-model.sh street-detector|soil-segmenter [training script arguments]
#
# train-street-detector.sh and train-soil-segmenter.sh are this with their model filled in.
# Settings are the environment variables below (the per-model defaults are in the case table);
# extra arguments go to the model's Python script. Datasets already on disk with the requested
# size and seed are reused (REGENERATE=1 forces a fresh render).
set -euo pipefail

MODEL=${1:-}
shift || true
case "$MODEL" in
  street-detector) SCRIPT=train_detector.py DEFAULT_TRAIN_N=8000 DEFAULT_VAL_N=500 DATA_TAG=det ;;
  soil-segmenter) SCRIPT=train_segmenter.py DEFAULT_TRAIN_N=6000 DEFAULT_VAL_N=400 DATA_TAG=seg ;;
  *)
    echo "usage: $0 street-detector|soil-segmenter [training script arguments]" >&2
    exit 2
    ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

PY=/usr/bin/python3   # Debian's interpreter carries torch; the pyenv python3 on PATH does not
TRAIN_N=${TRAIN_N:-$DEFAULT_TRAIN_N}
TRAIN_SEED=${TRAIN_SEED:-1001}
TRAIN_DIR=${TRAIN_DIR:-/tmp/gw-$DATA_TAG-train}
VAL_N=${VAL_N:-$DEFAULT_VAL_N}
VAL_SEED=${VAL_SEED:-2002}
VAL_DIR=${VAL_DIR:-/tmp/gw-$DATA_TAG-val}
EPOCHS=${EPOCHS:-60}
MAX_MINUTES=${MAX_MINUTES:-40}
OUT=${OUT:-models/$MODEL}
WORK=${WORK:-/tmp/gw-train/$MODEL}
EVAL_N=${EVAL_N:-500}
EVAL_SEED=${EVAL_SEED:-777}
REGENERATE=${REGENERATE:-0}
SYNTH_JOBS=${SYNTH_JOBS:-2}   # render processes; the generator is CPU-bound too
# The folder name when training into models/<model>, else the manifest path, so a trial run
# with OUT elsewhere scores the model it just trained.
if [[ "$OUT" == "models/$MODEL" ]]; then EVAL_MODEL=$MODEL; else EVAL_MODEL="$OUT/manifest.json"; fi

# shellcheck source=models/training/synth-data.sh
source "$ROOT/models/training/synth-data.sh"

synth_dataset "$TRAIN_DIR" "$TRAIN_N" "$TRAIN_SEED"
synth_dataset "$VAL_DIR" "$VAL_N" "$VAL_SEED"

"$PY" "models/training/$SCRIPT" \
  --data "$TRAIN_DIR" --val-data "$VAL_DIR" \
  --epochs "$EPOCHS" --max-minutes "$MAX_MINUTES" \
  --out "$OUT" --work-dir "$WORK" "$@"

node models/training/check-onnx.mjs "$OUT/$MODEL.onnx" --ref "$WORK" --threads 2 --runs 200 \
  | tee "$WORK/onnx-check.json"

node bin/gridwatch.js eval model "$EVAL_MODEL" --n "$EVAL_N" --seed "$EVAL_SEED" --json \
  | tee "$WORK/eval.json"
