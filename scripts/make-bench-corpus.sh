#!/usr/bin/env bash
# Build the office and PDF benchmark corpus from the laws corpus (issue 15), under
# target/bench-corpus/ (not committed; reused when complete):
#   docx/  1,000 Word documents written by python-docx (a venv under target/), one per
#          law text, one paragraph per non-blank line;
#   pdf/   150 PDFs printed by LibreOffice Writer (headless) from law texts, with the
#          Noto CJK fonts of Debian's fonts-noto-cjk;
#   text10x/ the laws corpus copied 10 times (for the memory and scaling runs);
#   office10x/ the docx and pdf folders copied 10 times.
# Every text is unmarked: mark-lint finds nothing in the laws corpus, so the
# documents made from it are read in full and give no finding either.
#
# Usage: scripts/make-bench-corpus.sh [DOCX] [PDF]   (defaults 1000 and 150)
# Needs: python3 (with venv and pip), soffice (LibreOffice Writer), fonts-noto-cjk.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
NDOCX="${1:-1000}"
NPDF="${2:-150}"
LAWS="../shared/corpora/laws"
OUT="target/bench-corpus"
VENV="target/bench-venv"

for tool in python3 soffice fc-list; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is not installed" >&2; exit 1; }
done
[[ -d "$LAWS" ]] || { echo "error: $LAWS not found" >&2; exit 1; }
if ! fc-list :lang=zh | grep -qi 'noto.*cjk'; then
    echo "error: no Noto CJK font: apt-get install -y fonts-noto-cjk" >&2
    exit 1
fi

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import docx' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'python-docx==1.1.2'
fi

if [[ ! -f "$OUT/.done-$NDOCX-$NPDF" ]]; then
    rm -rf "$OUT"
    mkdir -p "$OUT/docx" "$OUT/txt" "$OUT/pdf"
    # The law texts in name order: the first NDOCX become Word documents, the first
    # NPDF are also written as plain text for LibreOffice to print.
    "$VENV/bin/python" - "$LAWS" "$OUT" "$NDOCX" "$NPDF" <<'PY'
import pathlib, sys
import docx
from docx.oxml.ns import qn

laws, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
ndocx, npdf = int(sys.argv[3]), int(sys.argv[4])
files = sorted(p for p in laws.rglob("*.md") if p.stat().st_size > 0)
if len(files) < max(ndocx, npdf):
    sys.exit(f"error: only {len(files)} law texts")
for i, p in enumerate(files[:ndocx]):
    text = p.read_text(encoding="utf-8")
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    for line in text.splitlines():
        if line.strip():
            d.add_paragraph(line)
    d.save(out / "docx" / f"{i:04d}.docx")
    if i < npdf:
        (out / "txt" / f"{i:04d}.txt").write_text(text, encoding="utf-8")
PY
    profile="file://$PWD/target/bench-corpus-profile"
    soffice "-env:UserInstallation=$profile" --headless \
        --infilter="Text (encoded):UTF8,LF,Noto Serif CJK SC,," \
        --convert-to pdf:writer_pdf_Export --outdir "$OUT/pdf" "$OUT"/txt/*.txt >/dev/null 2>&1
    rm -rf "$OUT/txt"
    got="$(find "$OUT/pdf" -name '*.pdf' | wc -l)"
    [[ "$got" -ge "$NPDF" ]] || { echo "error: LibreOffice printed $got of $NPDF PDFs" >&2; exit 1; }
    # The 10x corpora: plain copies (memory must not grow with the tree).
    for i in $(seq -w 1 10); do
        mkdir -p "$OUT/text10x/$i" "$OUT/office10x/$i"
        cp -r "$LAWS/." "$OUT/text10x/$i/"
        cp -r "$OUT/docx" "$OUT/pdf" "$OUT/office10x/$i/"
    done
    touch "$OUT/.done-$NDOCX-$NPDF"
fi
for d in docx pdf text10x office10x; do
    printf '%-9s %6d files %8s\n' "$d" "$(find "$OUT/$d" -type f | wc -l)" "$(du -sh "$OUT/$d" | cut -f1)"
done
