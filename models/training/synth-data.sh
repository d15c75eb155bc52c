# Sourced by train-model.sh: renders a dataset with `gridwatch synth dataset` unless
# the folder already holds one of the same size and seed (rendering thousands of frames takes
# longer than it is worth repeating between training runs).

synth_dataset() {
  local dir=$1 n=$2 seed=$3
  if [[ "${REGENERATE:-0}" != 1 && -f "$dir/dataset.json" ]]; then
    local have
    have=$(/usr/bin/python3 - "$dir" "$n" "$seed" <<'PY'
import json, os, sys
d, n, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
meta = json.load(open(os.path.join(d, "dataset.json")))
count = len([f for f in os.listdir(os.path.join(d, "images"))])
print("same" if count == n and str(meta.get("seed")) == seed else "different")
PY
)
    if [[ "$have" == same ]]; then
      echo "reusing $dir ($n images, seed $seed)"
      return
    fi
  fi
  if [[ -d "$dir" && -n "$(ls -A "$dir")" ]]; then
    # Only ever delete what looks like an earlier rendered dataset, never a mistyped path.
    if [[ ! -f "$dir/dataset.json" ]]; then
      echo "refusing to overwrite $dir: it is not empty and holds no dataset.json" >&2
      return 1
    fi
    rm -rf "$dir"
  fi
  echo "rendering $n scenes (seed $seed) into $dir"
  node bin/gridwatch.js synth dataset --out "$dir" --n "$n" --seed "$seed" --jobs "${SYNTH_JOBS:-2}"
}
