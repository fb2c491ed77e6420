#!/usr/bin/env bash
# The main job: set up, build, and generate text with the default model.
# usage: scripts/run.sh [MODEL [generate options...]]
# Default model: $MOBISCOPE_DATA/models/stories260K/stories260K.bin
# (MOBISCOPE_DATA defaults to ../shared/data beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release mobiscope-cli
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
model=${1:-$data/models/stories260K/stories260K.bin}
[ $# -gt 0 ] && shift
if [ ! -e "$model" ]; then
  echo "run.sh: no model at $model" >&2
  echo "run.sh: pass one: scripts/run.sh MODEL (a llama2.c .bin with tokenizer.bin beside it, a GGUF file, or a Hugging Face directory)" >&2
  exit 1
fi
if [ $# -eq 0 ]; then set -- --temp 0 -n 256; fi
echo "== mobiscope-cli info $model"
build/app/mobiscope-cli info "$model"
echo "== mobiscope-cli generate $model $*"
build/app/mobiscope-cli generate "$model" "$@"
