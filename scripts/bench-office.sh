#!/usr/bin/env bash
# Office and PDF documents against their floors (issue 15), in one hyperfine run:
#   docx: mark-lint check  vs  inflating the same XML parts with the same zip reader
#         and as many threads (scripts/inflate-floor.rs, built as a cargo example);
#   pdf:  mark-lint check  vs  poppler's pdftotext over the same files, one process a
#         file, as many at once as there are cores (what ripgrep-all runs).
# Goals: docx <= 2x its floor; PDF no slower than pdftotext. Prints files/s and MB/s of
# each, and each mark-lint run's peak memory (/usr/bin/time -v).
#
# Usage: scripts/bench-office.sh [RUNS]   (hyperfine runs per command, default 5)
# Needs: cargo, hyperfine, pdftotext (poppler-utils), GNU time, python3, and the corpus
# of scripts/make-bench-corpus.sh (built first when missing).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
RUNS="${1:-5}"
CORPUS="$REPO_ROOT/target/bench-corpus"
TARGET="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
for tool in hyperfine pdftotext python3 cargo /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is not installed" >&2; exit 1; }
done
[[ -d "$CORPUS/docx" && -d "$CORPUS/pdf" ]] || scripts/make-bench-corpus.sh

cargo build --release --quiet
cargo build --release --quiet --example inflate-floor
BIN="$TARGET/release/mark-lint"
FLOOR="$TARGET/release/examples/inflate-floor"
JOBS="$(nproc)"
JSON="$(mktemp "${TMPDIR:-/tmp}/bench-office.XXXXXX.json")"
trap 'rm -f "$JSON"' EXIT

ml() { echo "$BIN check --today 2026-11-27 --format concise --quiet $1"; }
PDFTOTEXT="find $CORPUS/pdf -name '*.pdf' -print0 | xargs -0 -P $JOBS -I{} pdftotext -q {} /dev/null"

echo "==> machine: $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> mark-lint $("$BIN" --version) ($(git rev-parse --short HEAD)), $(pdftotext -v 2>&1 | head -1)"
hyperfine --warmup 1 --runs "$RUNS" -N --export-json "$JSON" \
    -n "docx: inflate floor" "$FLOOR $CORPUS/docx" \
    -n "docx: mark-lint" "$(ml "$CORPUS/docx")" \
    -n "pdf: pdftotext" "bash -c \"$PDFTOTEXT\"" \
    -n "pdf: mark-lint" "$(ml "$CORPUS/pdf")"

echo
echo "==> peak memory (one run each)"
peak() {
    /usr/bin/time -v -o "$JSON.time" "$BIN" check --today 2026-11-27 --format concise --quiet "$@" >/dev/null || true
    awk '/Maximum resident set size/ {printf "%d MB", $NF / 1024}' "$JSON.time"
    rm -f "$JSON.time"
}
PEAK_DOCX="$(peak "$CORPUS/docx")"
PEAK_PDF="$(peak "$CORPUS/pdf")"
echo "docx: $PEAK_DOCX, pdf: $PEAK_PDF"

python3 - "$JSON" "$CORPUS" "$PEAK_DOCX" "$PEAK_PDF" <<'PY'
import json, pathlib, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
corpus = pathlib.Path(sys.argv[2])
peaks = {"docx": sys.argv[3], "pdf": sys.argv[4]}
floors = {"docx": ("docx: inflate floor", 2.0), "pdf": ("pdf: pdftotext", 1.0)}
print()
print("| format | files | MB | command | mean (s) | ± | files/s | MB/s | vs floor | goal | peak RSS |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|")
for fmt, (floor, goal) in floors.items():
    files = [p for p in (corpus / fmt).rglob(f"*.{fmt}")]
    mb = sum(p.stat().st_size for p in files) / 1e6
    base = results[floor]["mean"]
    for name in (floor, f"{fmt}: mark-lint"):
        r = results[name]
        ratio = r["mean"] / base
        mine = name.endswith("mark-lint")
        verdict = ("met" if ratio <= goal else "NOT met") if mine else ""
        print(f"| {fmt} | {len(files)} | {mb:.1f} | {name.split(': ')[1]} | {r['mean']:.3f} "
              f"| {r['stddev']:.3f} | {len(files) / r['mean']:.0f} | {mb / r['mean']:.1f} "
              f"| {ratio:.2f}x | {'<= %.1fx ' % goal + verdict if mine else ''} "
              f"| {peaks[fmt] if mine else ''} |")
PY
