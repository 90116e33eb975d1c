#!/usr/bin/env bash
# Check a bundle made by scripts/bundle.sh the way an air-gapped receiver would (`.ci/run`
# runs it; a reviewer can too, on Linux):
#  1. SHA256SUMS and SM3SUMS verify;
#  2. the source tarball, unpacked in a fresh folder, builds with no network at all:
#     inside a new network namespace (`unshare -n`, or `unshare -r -n` when not root),
#     `cargo build --release --offline --locked`, with an empty CARGO_HOME;
#  3. the built binary is byte-identical to the binary in the bundle (built in another
#     folder): the reproducibility check;
#  4. it names the bundle's commit (`--version`) and gives on `examples/` exactly the
#     result examples/README.md announces;
#  5. the SBOM lists every crate of Cargo.lock with its version and a licence.
#
# Usage: scripts/verify-bundle.sh DIR [--no-unshare]
#   --no-unshare   build without a network namespace (a machine with no network anyway,
#                  where user namespaces are not allowed)
set -euo pipefail

fail() {
  echo "verify-bundle.sh: $*" >&2
  exit 1
}
say() {
  echo "verify-bundle.sh: $*" >&2
}

[ $# -ge 1 ] && [ $# -le 2 ] || fail "usage: verify-bundle.sh DIR [--no-unshare]"
dir=$(cd "$1" && pwd -P) || fail "$1: not a folder"
isolate=yes
if [ $# -eq 2 ]; then
  [ "$2" = --no-unshare ] || fail "unknown option $2"
  isolate=no
fi

cd "$dir"
src=$(find . -maxdepth 1 -name 'mark-lint-*-src.tar.gz' -printf '%f\n')
[ "$(printf '%s\n' "$src" | grep -c .)" = 1 ] || fail "$dir: not exactly one mark-lint-*-src.tar.gz"
version=${src#mark-lint-}
version=${version%-src.tar.gz}
bin=mark-lint-$version-$(uname -m)-linux.tar.gz
sbom=mark-lint-$version.cdx.json
for f in "$bin" "$sbom" SHA256SUMS SM3SUMS; do
  [ -f "$f" ] || fail "$dir/$f is missing"
done

# 1. Checksums: every file named, every file present and equal.
sha256sum --strict -c SHA256SUMS >/dev/null || fail "SHA256SUMS does not verify"
n=0
while read -r want name; do
  [ -f "$name" ] || fail "SM3SUMS names $name, which is missing"
  got=$(openssl dgst -sm3 -r "$name" | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "SM3SUMS: $name has SM3 $got, not $want"
  n=$((n + 1))
done <SM3SUMS
[ "$n" -ge 3 ] || fail "SM3SUMS names $n files, not the 3 of the bundle"
for f in "$src" "$bin" "$sbom"; do
  grep -q "  $f\$" SHA256SUMS || fail "SHA256SUMS does not name $f"
  grep -q "  $f\$" SM3SUMS || fail "SM3SUMS does not name $f"
done
say "SHA256SUMS and SM3SUMS verify ($n files)"

# 2. Build from the unpacked source with no network.
work=$(mktemp -d "${TMPDIR:-/tmp}/mark-lint-verify.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/unpacked" "$work/cargo-home" "$work/shipped"
tar -xzf "$src" -C "$work/unpacked"
tree=$work/unpacked/mark-lint-$version
[ -f "$tree/COMMIT" ] || fail "$src has no COMMIT file"
commit=$(cat "$tree/COMMIT")
build=(env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER
  -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET_DIR -u CARGO_BUILD_RUSTFLAGS -u CARGO_INCREMENTAL
  CARGO_HOME="$work/cargo-home" cargo build --release --offline --locked)
if [ $isolate = yes ]; then
  if [ "$(id -u)" = 0 ]; then ns=(unshare -n); else ns=(unshare -r -n); fi
  # In the new namespace only a loopback device exists, and it is down.
  devices=$("${ns[@]}" sh -c 'tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d " "') ||
    fail "cannot make a network namespace (${ns[*]}); on a machine with no network, use --no-unshare"
  [ "$devices" = lo ] || fail "the network namespace has devices: $devices"
  build=("${ns[@]}" "${build[@]}")
fi
started=$SECONDS
(cd "$tree" && "${build[@]}") || fail "the offline build of $src failed"
say "offline build (${build[0]} …): $((SECONDS - started)) s"
built=$tree/target/release/mark-lint

# 3. Reproducibility: the bundle's binary was built from the same tarball elsewhere.
tar -xzf "$bin" -C "$work/shipped"
shipped=$work/shipped/${bin%.tar.gz}/mark-lint
a=$(sha256sum "$built" | cut -d' ' -f1)
b=$(sha256sum "$shipped" | cut -d' ' -f1)
[ "$a" = "$b" ] || fail "not reproducible: built here $a, in the bundle $b"
if grep -a -q -e "$work" -e "$HOME/.cargo" "$built"; then
  fail "the binary holds a path of its build folder or of cargo's home"
fi
say "reproducible: sha256 $a (built here) = $b (in the bundle)"

# 4. The binary: its commit, and the result examples/README.md announces.
want_version="mark-lint $version (commit $commit)"
got_version=$("$built" --version)
[ "$got_version" = "$want_version" ] || fail "--version says '$got_version', not '$want_version'"
# The sentence may wrap: read the README as one line.
expected=$(tr '\n' ' ' <"$tree/examples/README.md" | tr -s ' ' |
  grep -o 'Expected: [0-9]* errors, [0-9]* warnings, exit code [0-9]*') ||
  fail "examples/README.md announces no result"
set +e
(cd "$tree" && "$built" check --today 2026-11-27 --format json examples) >"$work/examples.json"
code=$?
set -e
got=$(python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["errors"], s["warnings"])' \
  <"$work/examples.json") || fail "check on examples/ gave no JSON report"
read -r errors warnings <<<"$got"
result="Expected: $errors errors, $warnings warnings, exit code $code"
[ "$result" = "$expected" ] || fail "examples/: '$result'; the README says '$expected'"
say "examples/: $errors errors, $warnings warnings, exit code $code, as examples/README.md says"

# 5. The SBOM names every crate of Cargo.lock, with a licence.
python3 - "$tree/Cargo.lock" "$sbom" <<'EOF' || fail "the SBOM does not match Cargo.lock"
import json, re, sys
lock = open(sys.argv[1], encoding="utf-8").read()
crates = set(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
bom = json.load(open(sys.argv[2], encoding="utf-8"))
assert bom["bomFormat"] == "CycloneDX", "not CycloneDX"
listed = {}
for c in bom["components"] + [bom["metadata"]["component"]]:
    listed[(c["name"], c["version"])] = c
missing = sorted(crates - set(listed))
assert not missing, f"missing from the SBOM: {missing}"
unlicensed = sorted(k for k, c in listed.items() if not c.get("licenses"))
assert not unlicensed, f"no licence: {unlicensed}"
print(f"verify-bundle.sh: the SBOM lists all {len(crates)} crates of Cargo.lock", file=sys.stderr)
EOF
say "$dir: all checks pass"
