#!/usr/bin/env bash
# Re-creates the embedded default model, resources/models/agent.gguf, from the
# shared data alone: the searching expert's demonstrations on ALFWorld's train
# split and on generated household games, behaviour cloning with the engine's
# trainer, DAgger rounds (the learner plays training games, the searching
# expert labels every state it visits, the data is aggregated and training
# continues), then MoBiSlice (2,1,1,1) and MoBiRoute routers.
#
# usage: scripts/train-agent.sh            full configuration (about 2 hours, 2 cores)
#        CONFIG=tiny scripts/train-agent.sh  a few steps of the same pipeline (CI)
# Env:   MOBISCOPE_DATA (default ../shared/data), WORK (default build/agent-train or
#        build/agent-tiny), OUT (default resources/models/agent.gguf; tiny: WORK/agent.gguf),
#        CLI (a built mobiscope-cli; default: build it), THREADS (default: all cores),
#        ROUNDS (DAgger rounds; default 3 full, 1 tiny).
# Every stage writes its output once and is skipped when the output exists, and
# training resumes from its checkpoint, so an interrupted run continues where it
# stopped when started again. valid_seen is never read (evaluation only).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${CONFIG:-full}
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
threads=${THREADS:-0}
if [ -z "${CLI:-}" ]; then
  bash scripts/setup.sh
  bash scripts/build.sh release mobiscope-cli
  CLI=build/app/mobiscope-cli
fi
[ -d "$data/alfworld/train" ] || { echo "train-agent.sh: no ALFWorld train split at $data/alfworld/train" >&2; exit 1; }

case "$config" in
  full)
    work=${WORK:-build/agent-train}; out=${OUT:-resources/models/agent.gguf}
    alf_games=1465; household=3000; rounds=${ROUNDS:-3}; dagger_games=300; dagger_household=100
    shape=(--dim 256 --layers 4 --heads 8 --kv-heads 4 --hidden 704 --ctx 1024)
    bc=(--epochs 2 --batch-tokens 8192 --lr 0.0015 --warmup 30)
    round_train=(--steps 150 --batch-tokens 8192 --lr 0.0006 --warmup 10)
    calib_tokens=4096 ;;
  tiny)
    work=${WORK:-build/agent-tiny}; out=${OUT:-$work/agent.gguf}
    alf_games=12; household=12; rounds=${ROUNDS:-1}; dagger_games=4; dagger_household=2
    shape=(--dim 32 --layers 1 --heads 2 --kv-heads 1 --hidden 64 --ctx 4096 --vocab 300)
    bc=(--steps 3 --batch-tokens 2048 --lr 0.002 --warmup 1)
    round_train=(--steps 2 --batch-tokens 2048 --lr 0.001 --warmup 1)
    calib_tokens=256 ;;
  *) echo "train-agent.sh: CONFIG must be full or tiny, not '$config'" >&2; exit 2 ;;
esac
mkdir -p "$work"
meta=(--meta mobiscope.agent.prompt_format=mobiscope-agent-v1)
run() { echo "+ $*" >&2; "$@"; }

# 1. Demonstrations of the searching expert (it sees only what a player sees).
[ -s "$work/demos-alf.jsonl" ] || run "$CLI" env demos --env alfworld --data "$data" \
  --episodes "$alf_games" --out "$work/demos-alf.jsonl"
[ -s "$work/demos-hh.jsonl" ] || run "$CLI" env demos --env household --data "$data" \
  --episodes "$household" --out "$work/demos-hh.jsonl"
datasets="$work/demos-alf.jsonl,$work/demos-hh.jsonl"

# train OUT.gguf [options...]: resumes from OUT.gguf.ckpt when a run was interrupted.
train() {
  local target=$1; shift
  [ -s "$target" ] && return 0
  local resume=()
  [ -f "$target.ckpt/checkpoint.bin" ] && resume=(--resume "$target.ckpt")
  run "$CLI" train --threads "$threads" -o "$target" "${resume[@]}" "$@"
}

# 2. Behaviour cloning.
train "$work/round-0.gguf" --data "$datasets" "${shape[@]}" "${bc[@]}" "${meta[@]}"

# 3. DAgger: the learner of round r-1 plays training games, the expert labels.
for r in $(seq 1 "$rounds"); do
  prev="$work/round-$((r - 1)).gguf"
  start=$(( (r - 1) * dagger_games % alf_games ))
  [ -s "$work/dagger-$r-alf.jsonl" ] || run "$CLI" env demos --env alfworld --data "$data" \
    --policy llm --model "$prev" --threads "$threads" --start "$start" \
    --episodes "$dagger_games" --out "$work/dagger-$r-alf.jsonl"
  [ -s "$work/dagger-$r-hh.jsonl" ] || run "$CLI" env demos --env household --data "$data" \
    --policy llm --model "$prev" --threads "$threads" --start $((100000 + r * 1000)) \
    --episodes "$dagger_household" --out "$work/dagger-$r-hh.jsonl"
  datasets="$datasets,$work/dagger-$r-alf.jsonl,$work/dagger-$r-hh.jsonl"
  train "$work/round-$r.gguf" --init "$prev" --data "$datasets" "${round_train[@]}"
done
final="$work/round-$rounds.gguf"

# 4. MoBiSlice and MoBiRoute, calibrated on the demonstrations' text (train split).
[ -s "$work/calib.txt" ] || python3 -c '
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as o:
    for line in f:
        o.write(json.loads(line)["text"])
' "$work/demos-alf.jsonl" "$work/calib.txt"
[ -s "$work/sliced.gguf" ] || run "$CLI" slice "$final" -o "$work/sliced.gguf" --slices 2,1,1,1 \
  --calib "$work/calib.txt" --calib-tokens "$calib_tokens"
[ -s "$out" ] || { mkdir -p "$(dirname "$out")"; run "$CLI" route calibrate "$work/sliced.gguf" \
  --text "$work/calib.txt" --tokens "$calib_tokens" --reference "$final" -o "$out"; }
run "$CLI" info "$out"
echo "train-agent.sh: wrote $out"
