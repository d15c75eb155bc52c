#!/usr/bin/env bash
# One command from nothing to a deployable soil segmenter: synthesise data with Gridwatch's
# scene generator, train on CPU inside a wall-clock budget, export ONNX + manifest, check the
# graph in onnxruntime-node, then score it with Gridwatch's own evaluator.
#
#   models/training/train-soil-segmenter.sh
#   MAX_MINUTES=60 TRAIN_N=8000 models/training/train-soil-segmenter.sh --dice-weight 1
#
# Extra arguments go to train_segmenter.py. Datasets already on disk with the requested size
# and seed are reused (REGENERATE=1 forces a fresh render).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

PY=/usr/bin/python3   # Debian's interpreter carries torch; the pyenv python3 on PATH does not
TRAIN_N=${TRAIN_N:-6000}
TRAIN_SEED=${TRAIN_SEED:-1001}
TRAIN_DIR=${TRAIN_DIR:-/tmp/gw-seg-train}
VAL_N=${VAL_N:-400}
VAL_SEED=${VAL_SEED:-2002}
VAL_DIR=${VAL_DIR:-/tmp/gw-seg-val}
EPOCHS=${EPOCHS:-60}
MAX_MINUTES=${MAX_MINUTES:-40}
OUT=${OUT:-models/soil-segmenter}
WORK=${WORK:-/tmp/gw-train/soil-segmenter}
EVAL_N=${EVAL_N:-500}
EVAL_SEED=${EVAL_SEED:-777}
REGENERATE=${REGENERATE:-0}
SYNTH_JOBS=${SYNTH_JOBS:-2}   # render processes; the generator is CPU-bound too
# The folder name when training into models/soil-segmenter, else the manifest path, so a trial run
# with OUT elsewhere scores the model it just trained.
if [[ "$OUT" == models/soil-segmenter ]]; then EVAL_MODEL=soil-segmenter; else EVAL_MODEL="$OUT/manifest.json"; fi

# shellcheck source=models/training/synth-data.sh
source "$ROOT/models/training/synth-data.sh"

synth_dataset "$TRAIN_DIR" "$TRAIN_N" "$TRAIN_SEED"
synth_dataset "$VAL_DIR" "$VAL_N" "$VAL_SEED"

"$PY" models/training/train_segmenter.py \
  --data "$TRAIN_DIR" --val-data "$VAL_DIR" \
  --epochs "$EPOCHS" --max-minutes "$MAX_MINUTES" \
  --out "$OUT" --work-dir "$WORK" "$@"

node models/training/check-onnx.mjs "$OUT/soil-segmenter.onnx" --ref "$WORK" --threads 2 --runs 200 \
  | tee "$WORK/onnx-check.json"

node bin/gridwatch.js eval model "$EVAL_MODEL" --n "$EVAL_N" --seed "$EVAL_SEED" --json \
  | tee "$WORK/eval.json"
