#!/usr/bin/env bash
# Memory and scaling (issue 15): peak resident memory (/usr/bin/time -v) and time of
# `mark-lint check` on the laws corpus and on the office corpus (1,000 .docx and 150
# PDFs), each at 1x and as 10 copies (scripts/make-bench-corpus.sh). Goals: peak RSS
# <= 50 MB on laws and <= 300 MB on the office corpus, the same peak at 10x (memory
# must not grow with the tree), and the 10x time within 10.5x of the 1x time.
#
# Usage: scripts/bench-scaling.sh [RUNS]   (hyperfine runs per command, default 3)
# Needs: cargo, hyperfine, GNU time, python3; the corpus is built first when missing.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
RUNS="${1:-3}"
CORPUS="$REPO_ROOT/target/bench-corpus"
LAWS="$(cd ../shared/corpora/laws && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
for tool in hyperfine python3 cargo /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is not installed" >&2; exit 1; }
done
[[ -d "$CORPUS/text10x" && -d "$CORPUS/office10x" ]] || scripts/make-bench-corpus.sh
# The office corpus at 1x: the docx and pdf folders side by side, as in each copy.
mkdir -p "$CORPUS/office1x"
[[ -e "$CORPUS/office1x/docx" ]] || ln -s ../docx "$CORPUS/office1x/docx"
[[ -e "$CORPUS/office1x/pdf" ]] || ln -s ../pdf "$CORPUS/office1x/pdf"

cargo build --release --quiet
BIN="$TARGET/release/mark-lint"
JSON="$(mktemp "${TMPDIR:-/tmp}/bench-scaling.XXXXXX.json")"
trap 'rm -f "$JSON" "$JSON.time"' EXIT
ml() { echo "$BIN check --today 2026-11-27 --format concise --quiet $1"; }

echo "==> machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> mark-lint $("$BIN" --version) ($(git rev-parse --short HEAD))"
declare -A PEAK
for name in laws laws10x office office10x; do
    case "$name" in
        laws) dir="$LAWS" ;;
        laws10x) dir="$CORPUS/text10x" ;;
        office) dir="$CORPUS/office1x/" ;;
        office10x) dir="$CORPUS/office10x" ;;
    esac
    /usr/bin/time -v -o "$JSON.time" $(ml "$dir") >/dev/null || true
    PEAK[$name]="$(awk '/Maximum resident set size/ {print $NF}' "$JSON.time")"
    echo "$name: peak $((PEAK[$name] / 1024)) MB"
done
hyperfine --warmup 1 --runs "$RUNS" -N --export-json "$JSON" \
    -n laws "$(ml "$LAWS")" -n laws10x "$(ml "$CORPUS/text10x")" \
    -n office "$(ml "$CORPUS/office1x/")" -n office10x "$(ml "$CORPUS/office10x")"

python3 - "$JSON" "${PEAK[laws]}" "${PEAK[laws10x]}" "${PEAK[office]}" "${PEAK[office10x]}" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
peak = dict(zip(["laws", "laws10x", "office", "office10x"], (int(v) / 1024 for v in sys.argv[2:])))
limit = {"laws": 50, "office": 300}
print()
print("| corpus | 1x mean (s) | 1x peak RSS | 10x mean (s) | 10x peak RSS | time 10x / 1x | goals |")
print("|---|---:|---:|---:|---:|---:|---|")
for c in ("laws", "office"):
    one, ten = r[c]["mean"], r[c + "10x"]["mean"]
    ok_mem = peak[c] <= limit[c] and peak[c + "10x"] <= limit[c]
    ok_time = ten / one <= 10.5
    print(f"| {c} | {one:.3f} | {peak[c]:.0f} MB | {ten:.3f} | {peak[c + '10x']:.0f} MB "
          f"| {ten / one:.2f}x | RSS <= {limit[c]} MB: {'met' if ok_mem else 'NOT met'}; "
          f"10x <= 10.5x: {'met' if ok_time else 'NOT met'} |")
PY
