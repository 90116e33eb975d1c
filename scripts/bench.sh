#!/usr/bin/env bash
# Benchmark mark-lint against ripgrep on a corpus of Markdown documents.
#
# Usage: scripts/bench.sh [CORPUS]
#   CORPUS defaults to ../shared/corpora/laws (relative to the repository root).
#
# Needs: cargo, hyperfine, rg (ripgrep), python3.
# See BENCHMARKS.md for what is measured and the latest results.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Resolve the corpus before changing directory, so a relative argument is
# taken relative to where the script was called from.
if [[ $# -ge 1 ]]; then
    CORPUS_ARG="$1"
    CORPUS_BASE="$PWD"
else
    CORPUS_ARG="../shared/corpora/laws"
    CORPUS_BASE="$REPO_ROOT"
fi
case "$CORPUS_ARG" in
    /*) CORPUS="$CORPUS_ARG" ;;
    *) CORPUS="$CORPUS_BASE/$CORPUS_ARG" ;;
esac
if [[ ! -d "$CORPUS" ]]; then
    echo "error: corpus folder not found: $CORPUS_ARG (looked at $CORPUS)" >&2
    echo "usage: scripts/bench.sh [CORPUS]  (default: ../shared/corpora/laws from the repo root)" >&2
    exit 1
fi
CORPUS="$(cd "$CORPUS" && pwd)"

missing=0
for tool in hyperfine rg python3 cargo; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' is not installed." >&2
        missing=1
    fi
done
if [[ $missing -ne 0 ]]; then
    echo "Install the benchmark tools with:" >&2
    echo "    apt-get update && apt-get install -y hyperfine ripgrep" >&2
    exit 1
fi

cd "$REPO_ROOT"

echo "==> cargo build --release"
cargo build --release
BIN="${CARGO_TARGET_DIR:-target}/release/mark-lint"

# Quote a word for hyperfine: it splits commands with POSIX shell rules,
# both with -N (shell-words) and with a shell.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

PATTERN='(绝密|机密|秘密)\s*★'
TODAY="2026-11-27"
CMD_RG="rg -c $(q "$PATTERN") $(q "$CORPUS")"
CMD_ML="$BIN check --today $TODAY --format concise $(q "$CORPUS")"
CMD_ML1="$BIN check --today $TODAY --format concise --jobs 1 $(q "$CORPUS")"

# Sanity runs: the numbers mean nothing if a command fails.
# rg exits 1 when nothing matches, which is expected here; 2 is an error.
set +e
rg -c "$PATTERN" "$CORPUS" >/dev/null
rc=$?
"$BIN" check --today "$TODAY" --format concise "$CORPUS" >/dev/null
ml_rc=$?
set -e
if [[ $rc -gt 1 ]]; then
    echo "error: rg failed (exit $rc)" >&2
    exit 1
fi
if [[ $ml_rc -ne 0 ]]; then
    echo "warning: mark-lint exited $ml_rc on this corpus (expected 0 on the laws corpus)" >&2
fi

# -N (no intermediate shell) needs hyperfine >= 1.13. Without it, hyperfine
# subtracts the shell's start-up time itself.
# (Read the help text into a variable first: `hyperfine --help | grep -q`
# would make hyperfine die of a broken pipe, which pipefail turns into "no".)
HF_HELP="$(hyperfine --help 2>&1 || true)"
HF_SHELL=()
if grep -qE '^\s*-N\b' <<<"$HF_HELP"; then
    HF_SHELL=(-N)
fi
# rg's exit code 1 (no match) must not abort the run: use hyperfine's
# --ignore-failure when it has one, else wrap rg in bash.
if grep -q -- '--ignore-failure' <<<"$HF_HELP"; then
    HF_FAIL=(--ignore-failure)
else
    HF_FAIL=()
    HF_SHELL=(--shell=bash)
    CMD_RG="$CMD_RG || true"
fi

JSON="$(mktemp "${TMPDIR:-/tmp}/mark-lint-bench.XXXXXX.json")"
trap 'rm -f "$JSON"' EXIT

echo
echo "==> machine"
CPU_MODEL="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
FILES="$(find "$CORPUS" -type f | wc -l | tr -d ' ')"
MD_FILES="$(find "$CORPUS" -type f -name '*.md' | wc -l | tr -d ' ')"
BYTES="$(du -sb "$CORPUS" | cut -f1)"
echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:      $(nproc)"
echo "cpu:        ${CPU_MODEL:-unknown}"
echo "memory:     $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
echo "kernel:     $(uname -sr)"
echo "corpus:     $CORPUS"
echo "files:      $FILES ($MD_FILES .md)"
echo "size:       $BYTES bytes ($(python3 -c "print(f'{$BYTES/1048576:.1f}')") MiB)"
echo "hyperfine:  $(hyperfine --version) (flags: ${HF_SHELL[*]:-} ${HF_FAIL[*]:-})"
echo "ripgrep:    $(rg --version | sed -n 1p)"
echo "mark-lint:  $("$BIN" --version 2>/dev/null || echo unknown) ($(git rev-parse --short HEAD 2>/dev/null || echo no-git)$(git diff --quiet HEAD -- src 2>/dev/null || echo ', src modified'))"

echo
echo "==> hyperfine"
hyperfine --warmup 3 --runs 20 "${HF_SHELL[@]}" "${HF_FAIL[@]}" \
    --export-json "$JSON" \
    -n "rg" "$CMD_RG" \
    -n "mark-lint (all cores)" "$CMD_ML" \
    -n "mark-lint --jobs 1" "$CMD_ML1"

echo
echo "==> summary"
python3 - "$JSON" <<'EOF'
import json, sys

with open(sys.argv[1]) as f:
    results = json.load(f)["results"]
by_name = {r["command"]: r for r in results}
rg = by_name["rg"]["mean"]

print(f"| {'command':<24} | {'mean (ms)':>10} | {'stddev (ms)':>11} | {'min (ms)':>9} | {'vs rg':>6} |")
print(f"|{'-' * 26}|{'-' * 11}:|{'-' * 12}:|{'-' * 10}:|{'-' * 7}:|")
for r in results:
    print(f"| {r['command']:<24} | {r['mean'] * 1000:>10.1f} | {r['stddev'] * 1000:>11.1f} "
          f"| {r['min'] * 1000:>9.1f} | {r['mean'] / rg:>5.2f}x |")

ml = by_name["mark-lint (all cores)"]
rg_r = by_name["rg"]
ratio = ml["mean"] / rg
# Spread of the ratio as hyperfine computes it (standard deviations propagated).
sigma = ratio * ((ml["stddev"] / ml["mean"]) ** 2 + (rg_r["stddev"] / rg) ** 2) ** 0.5
min_ratio = ml["min"] / rg_r["min"]
goal = 1.5
print()
print(f"ratio mark-lint (all cores) / rg: {ratio:.2f}x ± {sigma:.2f} "
      f"(min to min: {min_ratio:.2f}x); goal <= {goal}x: "
      f"{'met' if ratio <= goal else 'NOT met'} in this run")
print("(one run of this script is one batch: repeat it, batches differ by several % here)")
EOF
