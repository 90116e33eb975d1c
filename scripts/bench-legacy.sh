#!/usr/bin/env bash
# Legacy office formats against their modern twins on the same text: each law text of a
# sample of the laws corpus is turned by LibreOffice into .docx, .doc and .rtf (and, as
# one cell per line, .xlsx and .xls); `mark-lint check` is timed on each folder in one
# hyperfine run. Goal (issue 13): every legacy reader within 2x the time of its twin.
#
# Usage: scripts/bench-legacy.sh [FILES]   (FILES: how many law texts, default 200)
#        PREPARE_ONLY=1 scripts/bench-legacy.sh   builds the corpus and stops
# Needs: cargo, hyperfine, python3, soffice (LibreOffice) with fonts-noto-cjk.
# The corpus is built under target/bench-legacy/ (not committed) and reused when present.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
N="${1:-200}"
LAWS="../shared/corpora/laws"
OUT="target/bench-legacy/$N"

for tool in hyperfine python3 cargo soffice; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is not installed" >&2; exit 1; }
done
[[ -d "$LAWS" ]] || { echo "error: $LAWS not found" >&2; exit 1; }

if [[ ! -f "$OUT/.done" ]]; then
    rm -rf "$OUT"
    mkdir -p "$OUT/txt" "$OUT/csv"
    # The first N texts in name order; the same text as a .txt and as a one-column CSV.
    python3 - "$LAWS" "$OUT" "$N" <<'PY'
import csv, pathlib, sys
laws, out, n = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
files = sorted(p for p in laws.rglob("*.md"))[:n]
for i, p in enumerate(files):
    text = p.read_text(encoding="utf-8")
    (out / "txt" / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    with open(out / "csv" / f"{i:04d}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for line in text.splitlines():
            if line.strip():
                w.writerow([line[:250]])
PY
    profile="file://$PWD/target/bench-legacy/profile"
    conv() { # conv FILTER OUTDIR INPUTS...
        local filter="$1" outdir="$2"; shift 2
        soffice "-env:UserInstallation=$profile" --headless --infilter="$INFILTER" \
            --convert-to "$filter" --outdir "$outdir" "$@" >/dev/null 2>&1
    }
    INFILTER="Text (encoded):UTF8,LF,,,"
    conv "docx:MS Word 2007 XML" "$OUT/docx" "$OUT"/txt/*.txt
    conv "doc:MS Word 97" "$OUT/doc" "$OUT"/txt/*.txt
    conv "rtf:Rich Text Format" "$OUT/rtf" "$OUT"/txt/*.txt
    INFILTER="Text - txt - csv (StarCalc):44,34,76,1"
    conv "xlsx:Calc MS Excel 2007 XML" "$OUT/xlsx" "$OUT"/csv/*.csv
    conv "xls:MS Excel 97" "$OUT/xls" "$OUT"/csv/*.csv
    # Slides: LibreOffice imports no plain text into Impress, so the slide twins are N
    # copies of the committed fixture pair (the same text in both formats).
    mkdir -p "$OUT/pptx" "$OUT/ppt"
    for i in $(seq -w 1 "$N"); do
        cp tests/fixtures/office/pptx/slides.pptx "$OUT/pptx/$i.pptx"
        cp tests/fixtures/office/legacy/slides.ppt "$OUT/ppt/$i.ppt"
    done
    touch "$OUT/.done"
fi
for d in docx doc rtf xlsx xls pptx ppt; do
    printf '%-5s %4d files %8s\n' "$d" "$(ls "$OUT/$d" | wc -l)" "$(du -sh "$OUT/$d" | cut -f1)"
done

[[ "${PREPARE_ONLY:-}" == 1 ]] && exit 0

cargo build --release --quiet
BIN="$PWD/target/release/mark-lint"
# A mark-lint run reads every file; findings do not matter here (exit 1 is fine).
run() { echo "$BIN check --today 2026-11-27 --format concise --quiet $OUT/$1 >/dev/null || true"; }
hyperfine --warmup 2 --min-runs 10 --shell=bash --export-markdown "$OUT/results.md" \
    -n docx "$(run docx)" -n doc "$(run doc)" -n rtf "$(run rtf)" \
    -n xlsx "$(run xlsx)" -n xls "$(run xls)" -n pptx "$(run pptx)" -n ppt "$(run ppt)"
# Instruction counts (one thread): repeatable whatever else the machine does.
if command -v valgrind >/dev/null 2>&1; then
    for d in docx doc rtf xlsx xls pptx ppt; do
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" check --jobs 1 \
            --today 2026-11-27 --format concise --quiet "$OUT/$d" 2>&1 >/dev/null |
            grep -o 'Collected : [0-9]*' | awk -v d="$d" '{printf "%-5s %8.1f M instructions\n", d, $3/1e6}'
    done
fi
cat "$OUT/results.md"
