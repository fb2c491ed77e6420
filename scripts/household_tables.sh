#!/usr/bin/env bash
# Regenerates engine/env/HouseholdTablesData.inc (the household generator's
# tables) from ALFWorld's train split. usage: household_tables.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
cmake --build "$build" --target mobiscope-household-tables
"$build"/tools/mobiscope-household-tables "$data"/alfworld/train -o engine/env/HouseholdTablesData.inc
