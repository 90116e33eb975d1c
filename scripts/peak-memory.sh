#!/usr/bin/env bash
# Peak memory (maximum resident set size, from /usr/bin/time -v) of mark-lint on
# generated trees: 100,000 small clean files, 100,000 files with one finding each
# (check and inventory), four 60 MB GBK texts with --jobs 1 and 4, 40 staged 5 MB
# blobs, and a hostile tree (an ignore file that is a symlink to /dev/zero, one of
# 5 MB, a FIFO, a symlink to a device, control characters in names, 100,000 inline
# directives), and the hostile corpus of tests/cli/hostile.rs (written by that test with
# MARK_LINT_HOSTILE_DIR set). See BENCHMARKS.md, "Peak memory".
#
# Usage: scripts/peak-memory.sh [BINARY...]   (default: target/release/mark-lint)
# Needs: python3, git, cargo, GNU time (/usr/bin/time). Runs in a temporary folder, ~1 GB.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -eq 0 ]]; then
    set -- "$REPO_ROOT/target/release/mark-lint"
fi
BINS=()
for b in "$@"; do
    BINS+=("$(cd "$(dirname "$b")" && pwd)/$(basename "$b")")
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

python3 - <<'EOF'
import os
def write(path, text, enc='utf-8'):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'wb') as f:
        f.write(text.encode(enc) if isinstance(text, str) else text)
for d in range(100):
    for f in range(1000):
        write(f'clean/d{d:03}/f{f:04}.md', f'# 标题 {f}\n\n正文内容，没有标志。\n')
        write(f'findings/d{d:03}/f{f:04}.md', '秘密★1年\n\n# 标题\n\n2020年3月5日\n')
line = ('这是一份没有国家秘密标志的普通文件，内容用于测量内存。' * 4 + '\n').encode('gbk')
for i in range(4):
    write(f'large/f{i}.txt', line * (60_000_000 // len(line)))
text = '正文内容，没有标志。' * 8 + '\n'
for i in range(40):
    write(f'staged/f{i:02}.md', text * (5_000_000 // len(text.encode())))
# Hostile: every class of input that used to abort, hang or take the machine.
write('hostile/ign/.gitignore', ''.join(f'dir{i}/**/*.tmp{i}\n' for i in range(230_000)))
write('hostile/ign/b.md', '机密☆1年\n')
write('hostile/sub/a.md', '秘密★1年\n')
for i, h in enumerate(['\n::error::x', '\x1b[2J', '\u202e', '\u2028']):
    write(f'hostile/names/{i}{h}.md', f'机密☆10年{h}\n')
lines = ['<!-- mark-lint-disable ML001 -->'] * 50_000 + ['<!-- mark-lint-enable ML002 -->'] * 50_000
write('hostile/directives.md', '秘密★5年\n\n2026年3月5日\n\n' + '\n'.join(lines) + '\n')
write('hostile/large.txt', line * (60_000_000 // len(line)))
EOF
ln -s /dev/zero hostile/.gitignore
ln -s /dev/urandom hostile/sub/.marklintignore
ln -s /dev/zero hostile/zero.txt
mkfifo hostile/pipe.md
(cd staged && git init -q && git add . )
# The test's corpus: every class of issue 11 in one tree.
(cd "$REPO_ROOT" && MARK_LINT_HOSTILE_DIR="$WORK/corpus" \
    cargo test -q --test cli the_hostile_corpus_in_one_run >/dev/null 2>&1) ||
    echo "warning: could not write the hostile test corpus" >&2

peak() {
    local dir="$1"; shift
    (cd "$dir" && /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>&1) || true
    local out kb secs
    out="$(cat "$WORK/time.txt")"
    kb="$(grep 'Maximum resident set size' <<<"$out" | awk '{print $NF}')"
    secs="$(grep 'Elapsed (wall clock)' <<<"$out" | awk '{print $NF}')"
    printf '%8s MB  %8s  ' "$((kb / 1024))" "$secs"
}

for bin in "${BINS[@]}"; do
    echo "== $bin"
    T=(check --today 2026-11-27 --format concise)
    # Warm the page cache first (the hostile run of the previous binary may have
    # evicted it): times are then comparable; memory does not depend on it.
    "$bin" "${T[@]}" clean findings large >/dev/null 2>&1 || true
    peak . "$bin" "${T[@]}" clean; echo "100,000 clean files"
    peak . "$bin" "${T[@]}" findings; echo "100,000 files, one finding each"
    peak . "$bin" inventory --today 2026-11-27 findings; echo "inventory of the same"
    peak . "$bin" "${T[@]}" --jobs 1 large; echo "4 x 60 MB GBK text, --jobs 1"
    peak . "$bin" "${T[@]}" --jobs 4 large; echo "4 x 60 MB GBK text, --jobs 4"
    peak staged "$bin" "${T[@]}" --staged; echo "--staged, 40 x 5 MB blobs"
    peak . timeout 120 "$bin" "${T[@]}" hostile; echo "hostile tree (timeout 120 s)"
    if [[ -d corpus ]]; then
        peak corpus timeout 120 "$bin" "${T[@]}" --system unclassified .
        echo "hostile test corpus (tests/cli/hostile.rs)"
    fi
done
