#!/usr/bin/env bash
# One command from nothing to a deployable street detector: train-model.sh street-detector (the
# steps and settings are described there).
#
#   models/training/train-street-detector.sh                 # 8000 training, 500 validation scenes
#   MAX_MINUTES=90 TRAIN_N=10000 models/training/train-street-detector.sh --width 1.25
#
# Extra arguments go to train_detector.py.
exec "$(dirname "${BASH_SOURCE[0]}")/train-model.sh" street-detector "$@"
