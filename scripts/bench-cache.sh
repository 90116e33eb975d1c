#!/usr/bin/env bash
# The cache (`--cache`): `mark-lint check` over an office corpus without a cache, with a
# cold cache (every entry written) and with a warm one (nothing changed since), and
# ripgrep over the laws corpus as the yardstick of the issue's goal (a warm re-run
# within 2x of ripgrep's time per MB of text read). One hyperfine run, release build.
#
# The corpus: N law texts of ../shared/corpora/laws (default 1000), each a .docx of one
# paragraph per line, written by the Python standard library (zipfile): the same parts
# Word writes that mark-lint reads (document.xml, content types, relationships). Built
# under target/bench-cache/ (not committed) and reused when present. A warm run finds the
# files by their stamps (not read at all) once they have settled: written >= 3 s before the
# run that records them, which the build below leaves time for.
#
# Usage: scripts/bench-cache.sh [N]
#        PREPARE_ONLY=1 scripts/bench-cache.sh   builds the corpus and stops
# Needs: cargo, hyperfine, rg, python3.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
N="${1:-1000}"
LAWS="$REPO_ROOT/../shared/corpora/laws"
OUT="$REPO_ROOT/target/bench-cache/$N"

for tool in hyperfine rg python3 cargo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is not installed" >&2; exit 1; }
done
[[ -d "$LAWS" ]] || { echo "error: $LAWS not found" >&2; exit 1; }

if [[ ! -f "$OUT/.done" ]]; then
    rm -rf "$OUT"
    mkdir -p "$OUT/docx"
    python3 - "$LAWS" "$OUT/docx" "$N" <<'PY'
import pathlib, sys, zipfile
from xml.sax.saxutils import escape
laws, out, n = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
files = sorted(p for p in laws.rglob("*.md"))
if not files:
    sys.exit("no .md files in the laws corpus")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
for i in range(n):
    # Past the end of the corpus, texts repeat (each file is still its own document).
    text = files[i % len(files)].read_text(encoding="utf-8")
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
                   for line in text.splitlines())
    doc = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(out / f"{i:05d}.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", doc)
PY
    touch "$OUT/.done"
fi
printf 'docx: %d files, %s on disk\n' "$(ls "$OUT/docx" | wc -l)" "$(du -sh "$OUT/docx" | cut -f1)"
[[ "${PREPARE_ONLY:-}" == 1 ]] && exit 0

nice cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/mark-lint"
CACHE="$OUT/cache"
# Findings do not matter here (exit 1 is fine); the cache lives outside the corpus.
run() { echo "$BIN check --today 2026-11-27 --format concise --quiet $* $OUT/docx >/dev/null || true"; }
rm -rf "$CACHE"
"$BIN" check --today 2026-11-27 --format concise --quiet --cache "$CACHE" "$OUT/docx" >/dev/null || true
printf 'cache: %d entries, %s\n' "$(find "$CACHE" -mindepth 2 -type f | wc -l)" "$(du -sh "$CACHE" | cut -f1)"
# One --prepare per command: only the cold runs start from an empty cache; the warm runs
# come after them and find it full.
nice hyperfine --warmup 2 --min-runs 10 --shell=bash --export-markdown "$OUT/results.md" \
    --prepare true --prepare true --prepare "rm -rf $CACHE" --prepare true \
    -n "rg, laws corpus" "rg -c '(绝密|机密|秘密)\\s*★' $LAWS >/dev/null || true" \
    -n "docx, no cache" "$(run --no-cache)" \
    -n "docx, cold cache" "$(run --cache "$CACHE")" \
    -n "docx, warm cache" "$(run --cache "$CACHE")"
# The text a run reads: what the docx hold once inflated (document.xml), and the laws.
python3 - "$OUT/docx" "$LAWS" <<'PY'
import pathlib, sys, zipfile
docx = sum(zipfile.ZipFile(p).getinfo("word/document.xml").file_size
           for p in pathlib.Path(sys.argv[1]).glob("*.docx"))
laws = sum(p.stat().st_size for p in pathlib.Path(sys.argv[2]).rglob("*") if p.is_file())
print(f"docx document.xml inflated: {docx / 1e6:.1f} MB; laws corpus: {laws / 1e6:.1f} MB")
PY
cat "$OUT/results.md"
