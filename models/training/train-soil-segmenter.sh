#!/usr/bin/env bash
# One command from nothing to a deployable soil segmenter: train-model.sh soil-segmenter (the
# steps and settings are described there).
#
#   models/training/train-soil-segmenter.sh                  # 6000 training, 400 validation scenes
#   MAX_MINUTES=60 TRAIN_N=8000 models/training/train-soil-segmenter.sh --dice-weight 1
#
# Extra arguments go to train_segmenter.py.
exec "$(dirname "${BASH_SOURCE[0]}")/train-model.sh" soil-segmenter "$@"
