#!/usr/bin/env bash
# Runs every libFuzzer target of build-asan for N seconds, seeded from the
# shared data where it has files of the right kind. usage: fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
fail=0
for f in build-asan/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=$(mktemp -d)
  case "$name" in
    fuzz_gguf)
      cp "$data"/models/stories260K/stories260K.gguf "$corpus"/ 2>/dev/null || true
      # A sliced file with MoBiRoute routers, so the sliced and routed readers
      # are reached too.
      cli=build-asan/app/mobiscope-cli
      if [ -x "$cli" ] && [ -f "$data"/models/stories260K/stories260K.bin ]; then
        "$cli" slice "$data"/models/stories260K/stories260K.bin \
          --tokenizer "$data"/models/stories260K/tok512.bin -o "$corpus"/sliced.gguf >/dev/null 2>&1 &&
        "$cli" route calibrate "$corpus"/sliced.gguf --text "$data"/text/TinyStories-valid.head30k.txt \
          --tokens 512 --epochs 2 --hidden 4 --table-points 9 -o "$corpus"/routed.gguf >/dev/null 2>&1 || true
      fi ;;
    fuzz_episodes)
      # A recorded ALFWorld expert episode.
      cli=build-asan/app/mobiscope-cli
      if [ -x "$cli" ]; then
        "$cli" env run --env alfworld --policy expert --episodes 2 --data "$data" \
          --out "$corpus"/episodes.jsonl --quiet >/dev/null 2>&1 || true
      fi ;;
    fuzz_webshop) head -n 5 "$data"/webshop/documents_100.jsonl >"$corpus"/five.jsonl 2>/dev/null || true ;;
    fuzz_llama2c) cp "$data"/models/stories260K/stories260K.bin "$corpus"/ 2>/dev/null || true ;;
    fuzz_tokenizer_bin) cp "$data"/models/stories260K/tok512.bin "$corpus"/ 2>/dev/null || true ;;
    fuzz_pddl)
      # One real ALFWorld game: the JSON file, and its domain + problem text
      # joined by the target's "\n;;problem\n" separator.
      game=$(ls "$data"/alfworld/valid_seen/*/*/game.tw-pddl 2>/dev/null | head -1 || true)
      if [ -n "$game" ]; then
        cp "$game" "$corpus"/game.json
        python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); sys.stdout.write(g["pddl_domain"]+"\n;;problem\n"+g["pddl_problem"])' \
          "$game" >"$corpus"/game.pddl 2>/dev/null || rm -f "$corpus"/game.pddl
      fi ;;
  esac
  echo "-- $name (${secs}s)"
  if ! "$f" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 -timeout=10 \
        -print_final_stats=1 "$corpus" 2>"$corpus.log"; then
    tail -40 "$corpus.log"; fail=1
  else
    grep -E "stat::number_of_executed_units|Done" "$corpus.log" | tail -2 || true
  fi
  rm -rf "$corpus" "$corpus.log"
done
exit $fail
