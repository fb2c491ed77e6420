#!/usr/bin/env bash
# Runs every libFuzzer target of build-asan (one per fuzz/fuzz_*.cpp) for N
# seconds. Each target is first given its seed corpus, written by
# build-asan/tools/mobiscope-fuzz-seeds (small inputs in the target's own
# framing) plus a few files the CLI makes from the shared data; the seeds are
# replayed once and the script fails unless at least one of them gets
# through the target's parser ("fuzz-reach: P of N inputs parsed", FuzzReach.h).
# It also fails when a target or the seed writer is missing, or a run finds a crash.
# usage: fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
max_len=1048576
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
seeds_bin=build-asan/tools/mobiscope-fuzz-seeds
cli=build-asan/app/mobiscope-cli
fail=0

if [ ! -x "$seeds_bin" ]; then
  echo "fuzz.sh: $seeds_bin is missing (bash scripts/build.sh asan)" >&2
  exit 1
fi
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
"$seeds_bin" "$seeds"

for src in fuzz/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  f=build-asan/fuzz/$name
  if [ ! -x "$f" ]; then
    echo "-- $name: MISSING ($f not built)"; fail=1; continue
  fi
  corpus=$(mktemp -d)
  cp "$seeds/$name"/* "$corpus"/ 2>/dev/null || true
  # Extra seeds made from the shared data where it is present.
  case "$name" in
    fuzz_gguf)
      # A sliced file with MoBiRoute routers, so the sliced and routed readers are reached.
      if [ -x "$cli" ] && [ -f "$data"/models/stories260K/stories260K.bin ]; then
        "$cli" slice "$data"/models/stories260K/stories260K.bin \
          --tokenizer "$data"/models/stories260K/tok512.bin -o "$corpus"/sliced.gguf >/dev/null 2>&1 &&
        "$cli" route calibrate "$corpus"/sliced.gguf --text "$data"/text/TinyStories-valid.head30k.txt \
          --tokens 512 --epochs 2 --hidden 4 --table-points 9 -o "$corpus"/routed.gguf >/dev/null 2>&1 || true
      fi ;;
    fuzz_episodes)
      if [ -x "$cli" ]; then
        "$cli" env run --env alfworld --policy expert --episodes 2 --data "$data" \
          --out "$corpus"/episodes.jsonl --quiet >/dev/null 2>&1 || true
      fi ;;
    fuzz_pddl)
      game=$(ls "$data"/alfworld/train/*/*/game.tw-pddl 2>/dev/null | head -1 || true)
      [ -n "$game" ] && cp "$game" "$corpus"/game.json ;;
  esac
  # Inputs over -max_len would be cut and fail their format's size checks.
  find "$corpus" -type f -size +"$max_len"c -print -delete | sed 's/^/   dropped (over max_len): /'
  if [ -z "$(ls -A "$corpus")" ]; then
    echo "-- $name: NO SEEDS"; fail=1; rm -rf "$corpus"; continue
  fi
  echo "-- $name: replaying $(ls "$corpus" | wc -l) seeds"
  if ! "$f" -rss_limit_mb=2048 -timeout=10 "$corpus"/* >"$corpus.log" 2>&1; then
    tail -40 "$corpus.log"; fail=1
  fi
  reach=$(grep -o 'fuzz-reach: [0-9]* of [0-9]* inputs parsed' "$corpus.log" | tail -1 || true)
  echo "   ${reach:-fuzz-reach: no report}"
  case "$reach" in
    "fuzz-reach: 0 of"* | "") echo "   FAIL: no seed reaches past the parser"; fail=1 ;;
  esac
  echo "-- $name (${secs}s)"
  if ! "$f" -max_total_time="$secs" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
        -print_final_stats=1 "$corpus" 2>"$corpus.log"; then
    tail -40 "$corpus.log"; fail=1
  else
    grep -E "stat::number_of_executed_units|fuzz-reach|Done" "$corpus.log" | tail -3 || true
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $fail
