#!/usr/bin/env bash
# The main job: set up, build, and play an ALFWorld game with the embedded
# default model (resources/models/agent.gguf: the project's agent, sliced
# and routed), printing the episode step by step.
# usage: scripts/run.sh                      one valid_seen game, the embedded model
#        scripts/run.sh MODEL [generate options...]   generate text with MODEL instead
# Env: MOBISCOPE_DATA (default ../shared/data beside the checkout), GAME (valid_seen
#      game index, default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release mobiscope-cli
cli=build/app/mobiscope-cli
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
if [ $# -gt 0 ]; then
  model=$1; shift
  if [ ! -e "$model" ]; then
    echo "run.sh: no model at $model" >&2
    echo "run.sh: pass a llama2.c .bin (tokenizer.bin beside it), a GGUF file or a Hugging Face directory" >&2
    exit 1
  fi
  if [ $# -eq 0 ]; then set -- --temp 0 -n 256; fi
  echo "== mobiscope-cli info $model"
  "$cli" info "$model"
  echo "== mobiscope-cli generate $model $*"
  exec "$cli" generate "$model" "$@"
fi
echo "== mobiscope-cli info (the embedded default model)"
"$cli" info
if [ ! -d "$data/alfworld/valid_seen" ]; then
  echo "run.sh: no ALFWorld games at $data/alfworld/valid_seen; generating text with the embedded model instead" >&2
  exec "$cli" generate -p "task: put a clean mug in coffeemachine." -n 64 --temp 0
fi
game=${GAME:-0}
out=$(mktemp -t mobiscope-episode.XXXXXX.jsonl)
echo "== mobiscope-cli env run --env alfworld --policy llm --start $game (the embedded model, 2 threads)"
"$cli" env run --env alfworld --data "$data" --policy llm --start "$game" --episodes 1 \
  --threads 2 --out "$out"
echo "== episode written to $out (replay: $cli env replay $out --verify)"
