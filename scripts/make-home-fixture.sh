#!/usr/bin/env bash
# Regenerates tests/fixtures/home-0.1.0/: a home made by the CLI of the build given (before the
# schema of issue 15), with users of each role and a request in every state, votes, public and
# private comments, a folder release and one interrupted release. tests/db/test_home_fixture.cpp
# opens a copy with the current build and checks it upgrades, verifies and keeps every request.
#
#   bash scripts/make-home-fixture.sh BUILD/cli/outcheck [OUT_DIR]
#
# Run it only with the build of the version the fixture is named after: the point of the fixture is
# a home written by old code.
set -euo pipefail
BIN=$(realpath "${1:?usage: make-home-fixture.sh OUTCHECK_BINARY [OUT_DIR]}")
OUT=${2:-$(dirname "$0")/../tests/fixtures/home-0.1.0}
OUT=$(realpath -m "$OUT")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OUTCHECK_HOME="$T/home"
WS="$T/ws"
mkdir -p "$WS/output/tables"
cat > "$WS/project.yaml" <<'EOF'
version: '5'
actions:
  generate_dataset:
    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/hs/patients.csv
    outputs:
      highly_sensitive:
        dataset: output/hs/patients.csv
  summarise:
    run: python:v2 python analysis/summarise.py
    needs: [generate_dataset]
    outputs:
      moderately_sensitive:
        table: output/tables/*.csv
EOF
printf 'group,num\na,10\nb,15\n' > "$WS/output/tables/a.csv"
printf 'group,num\nc,20\nd,25\n' > "$WS/output/tables/b.csv"
# A name that is not UTF-8: its audit rows hold bytes that the hash of 0.1.0 read replaced.
printf 'group,num\ne,30\nf,35\n' > "$WS/output/tables/caf"$'\xe9'".csv"
cd "$WS"

as() { local who=$1; shift; OUTCHECK_TOKEN=${TOK[$who]} "$BIN" "$@"; }
declare -A TOK
TOK[admin]=$(OUTCHECK_TOKEN= "$BIN" user add admin --role admin)
for u in res res2; do TOK[$u]=$(as admin user add $u --role researcher); done
for u in c1 c2 c3; do TOK[$u]=$(as admin user add $u --role output-checker); done

# One request per state. Each author has one active request per workspace name, hence the names.
new() {  # new AUTHOR NAME -> id, with a.csv and b.csv added and the group described
  local id
  id=$(as "$1" request create --workspace "$WS" --workspace-name "$2")
  as "$1" request add "$id" output/tables/a.csv output/tables/b.csv > /dev/null
  as "$1" request group "$id" default --context "counts by group" --controls "rounded to 5" > /dev/null
  echo "$id"
}
vote_all() {  # vote_all CHECKER ID
  as "$1" review vote "$2" output/tables/a.csv approve > /dev/null
  as "$1" review vote "$2" output/tables/b.csv approve > /dev/null
}
reviewed() {  # reviewed AUTHOR NAME -> id of a reviewed request
  local id
  id=$(new "$1" "$2")
  as "$1" request submit "$id" > /dev/null
  vote_all c1 "$id"
  as c1 review comment "$id" --group default --text "private note from c1" --private > /dev/null
  as c1 review submit "$id" > /dev/null
  vote_all c2 "$id"
  as c2 review comment "$id" --group default --text "fine by me" > /dev/null
  as c2 review submit "$id" > /dev/null
  echo "$id"
}

{
P=$(new res pending)
as res request add "$P" "output/tables/caf"$'\xe9'".csv"
as res review comment "$P" --group default --text "not UTF-8: "$'\xff\xfe'
S=$(new res submitted); as res request submit "$S"
PR=$(new res partial); as res request submit "$PR"
as c1 review vote "$PR" output/tables/a.csv approve
as c1 review vote "$PR" output/tables/b.csv request-changes --comment "round b to 10"
as c1 review submit "$PR"
R=$(reviewed res reviewed)
RT=$(reviewed res returned); as c1 request return "$RT"
RJ=$(reviewed res2 rejected); as c3 request reject "$RJ"
W=$(new res2 withdrawn); as res2 request withdraw "$W"
RL=$(reviewed res2 released)
as c3 request release "$RL" --to "$T/releases"
# Approved: the release exists but a file could not be written (a folder where the file goes).
AP=$(reviewed res2 approved)
mkdir -p "$T/releases/approved/$AP/files/output/tables/a.csv"
as c3 request release "$AP" --to "$T/releases" || true
} > /dev/null 2>&1

as c1 request list
as c1 audit verify

rm -rf "$OUT"
mkdir -p "$OUT"
# The database with its WAL checkpointed into it, so one file holds everything.
sqlite3 "$OUTCHECK_HOME/outcheck.db" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
cp -r "$OUTCHECK_HOME"/. "$OUT"/
rm -f "$OUT/outcheck.db-wal" "$OUT/outcheck.db-shm"
rm -rf "$OUT/store/staging"
# What the test checks each request against: id, state.
as c1 request list --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
print("\n".join(r["id"] + " " + r["status"] for r in sorted(rows, key=lambda r: r["id"])))' > "$OUT/../home-0.1.0.states"
for u in admin res res2 c1 c2 c3; do echo "$u ${TOK[$u]}"; done > "$OUT/../home-0.1.0.tokens"
echo "wrote $OUT"
