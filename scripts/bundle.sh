#!/usr/bin/env bash
# The offline delivery of mark-lint for air-gapped networks (README: 离线安装 / Air-gapped
# install). Writes to OUT (default target/bundle):
#   mark-lint-VERSION-src.tar.gz          git archive of HEAD, `cargo vendor`ed crates, a
#                                         .cargo/config.toml that points at them, COMMIT
#   mark-lint-VERSION-ARCH-linux.tar.gz   the release binary, built from the unpacked
#                                         source tarball with no network (--offline --locked)
#   mark-lint-VERSION.cdx.json            CycloneDX SBOM: every crate of Cargo.lock, its
#                                         version, licence and .crate SHA-256 (scripts/sbom.py)
#   SHA256SUMS, SM3SUMS                   `sha256sum -c` / README for SM3 (GB/T 32905)
#
# Both tarballs are reproducible: names sorted, every mtime SOURCE_DATE_EPOCH (the commit
# time), owner 0, `gzip -n`. The binary is too: the bundle's .cargo/config.toml runs rustc
# through .cargo/rustc-remap, which maps the build folder and cargo's home out of every
# path rustc records, so two builds of one tarball in two folders are byte-identical.
#
# Usage: scripts/bundle.sh [OUT]        the whole bundle (needs crates.io or a filled
#                                       cargo cache for `cargo vendor`; builds a release)
#        scripts/bundle.sh source [OUT] only the source tarball
#        scripts/bundle.sh sbom SRC     print the SBOM of the source tree SRC
#        scripts/bundle.sh sums DIR [FILE...]
#                                       write DIR/SHA256SUMS and DIR/SM3SUMS over FILEs
#                                       (default: every other file in DIR)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/.." && pwd -P)

fail() {
  echo "bundle.sh: $*" >&2
  exit 1
}

# SM3 through OpenSSL (1.1.1 and later have it; Kylin and UOS ship it): checked against
# the GB/T 32905-2016 example A.1 ("abc") before it is trusted with the bundle.
sm3_ready() {
  local got
  got=$(printf abc | openssl dgst -sm3 -r 2>/dev/null | cut -d' ' -f1) || true
  [ "$got" = 66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0 ] ||
    fail "this OpenSSL has no working SM3 (openssl dgst -sm3): install OpenSSL 1.1.1 or later"
}

cmd_sums() {
  local dir=$1
  shift
  [ -d "$dir" ] || fail "$dir: not a folder"
  local files=("$@")
  if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(cd "$dir" && find . -maxdepth 1 -type f ! -name 'SHA256SUMS*' \
      ! -name 'SM3SUMS*' -printf '%f\n' | LC_ALL=C sort)
  fi
  [ ${#files[@]} -gt 0 ] || fail "$dir: no file to sum"
  sm3_ready
  (
    cd "$dir"
    local f h
    for f in "${files[@]}"; do
      [ -f "$f" ] || fail "$dir/$f: not a file"
    done
    sha256sum -- "${files[@]}" >SHA256SUMS.tmp
    for f in "${files[@]}"; do
      h=$(openssl dgst -sm3 -r "$f" | cut -d' ' -f1)
      [ ${#h} = 64 ] || fail "$dir/$f: openssl gave no SM3"
      printf '%s  %s\n' "$h" "$f"
    done >SM3SUMS.tmp
    mv SHA256SUMS.tmp SHA256SUMS
    mv SM3SUMS.tmp SM3SUMS
  )
}

cmd_sbom() {
  local src=$1 host
  host=$(rustc -vV | sed -n 's/^host: //p')
  python3 "$here/sbom.py" "$src" "$host"
}

# A reproducible .tar.gz of folder $2 inside $1, written to $3.
repro_tar() {
  local parent=$1 name=$2 out=$3
  tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
    --numeric-owner --mode='u+rwX,go=rX' -C "$parent" -cf - "$name" | gzip -n -9 >"$out"
}

# Cargo with nothing of this machine's settings: an empty CARGO_HOME (no user config, no
# registry: everything comes from vendor/), no inherited flags, wrappers or target dir.
clean_cargo() {
  env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER \
    -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET_DIR -u CARGO_BUILD_RUSTFLAGS \
    -u CARGO_INCREMENTAL -u RUSTDOCFLAGS \
    CARGO_HOME="$work/cargo-home" SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" cargo "$@"
}

# The .cargo/ of the source tarball: vendored sources, and rustc run through a wrapper
# that remaps the folder the tarball is unpacked in (unknown here, so no fixed
# `--remap-path-prefix` in rustflags can name it) and cargo's home.
write_cargo_config() {
  local stage=$1
  mkdir -p "$stage/.cargo"
  cat >"$stage/.cargo/config.toml" <<EOF
# Written by scripts/bundle.sh: build with no network,
#   cargo build --release --offline --locked
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[build]
# Adds --remap-path-prefix for this folder and for cargo's home (see the script), so the
# binary does not depend on where it is built. A RUSTC_WRAPPER in the environment
# replaces it: unset it for a reproducible build.
rustc-wrapper = ".cargo/rustc-remap"

[env]
SOURCE_DATE_EPOCH = "$SOURCE_DATE_EPOCH"
EOF
  cat >"$stage/.cargo/rustc-remap" <<EOF
#!/bin/sh
# cargo runs: rustc-remap RUSTC ARGS... (see config.toml). Every path rustc records under
# this folder becomes /build/mark-lint-$version, under cargo's home /cargo, so that two
# builds in two folders give the same bytes.
physical=\$(cd "\$(dirname "\$0")/.." && pwd -P)
logical=\$(cd "\$(dirname "\$0")/.." && pwd -L)
home=\${CARGO_HOME:-\$HOME/.cargo}
rustc=\$1
shift
exec "\$rustc" "--remap-path-prefix=\$home=/cargo" \\
  "--remap-path-prefix=\$logical=/build/mark-lint-$version" \\
  "--remap-path-prefix=\$physical=/build/mark-lint-$version" "\$@"
EOF
  chmod 755 "$stage/.cargo/rustc-remap"
}

# The source tarball: HEAD, COMMIT, vendor/ and .cargo/. Leaves the staged tree in $work.
make_source() {
  local stage=$work/src/mark-lint-$version
  mkdir -p "$work/src"
  git -C "$repo" archive --format=tar --prefix="mark-lint-$version/" "$commit" |
    tar -x -C "$work/src"
  printf '%s\n' "$commit" >"$stage/COMMIT"
  [ ! -e "$stage/.cargo" ] || fail "the repository has a .cargo folder: the bundle writes its own"
  # The user's cargo home: it has the registry cache (and the network, if any).
  (cd "$stage" && cargo vendor --locked --quiet vendor >/dev/null) ||
    fail "cargo vendor failed (it needs crates.io or every crate in the cargo cache)"
  write_cargo_config "$stage"
  repro_tar "$work/src" "mark-lint-$version" "$out/mark-lint-$version-src.tar.gz"
}

# Unpack the source tarball in a fresh folder and build the release binary there.
build_binary() {
  local dir=$work/build
  mkdir -p "$dir"
  tar -xzf "$out/mark-lint-$version-src.tar.gz" -C "$dir"
  local started=$SECONDS
  (cd "$dir/mark-lint-$version" && clean_cargo build --release --offline --locked) ||
    fail "the release build from the source tarball failed"
  echo "bundle.sh: release build from the tarball: $((SECONDS - started)) s" >&2
  built=$dir/mark-lint-$version/target/release/mark-lint
}

package_binary() {
  local name=mark-lint-$version-$arch-linux
  local stage=$work/bin/$name
  mkdir -p "$stage"
  cp "$built" "$stage/mark-lint"
  cp "$work/src/mark-lint-$version/README.md" "$stage/README.md"
  {
    echo "mark-lint $version, commit $commit"
    echo "built from mark-lint-$version-src.tar.gz with: cargo build --release --offline --locked"
    echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
    echo "rustc -vV:"
    rustc -vV | sed 's/^/  /'
    echo "sha256 of mark-lint: $(sha256sum "$built" | cut -d' ' -f1)"
    # The binary runs where the C library is at least as new as the newest symbol
    # version it links against (the machine that made the bundle sets it).
    if command -v objdump >/dev/null; then
      echo "needs glibc $(objdump -T "$built" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -n1 |
        sed 's/GLIBC_//') or later"
    fi
  } >"$stage/BUILDINFO"
  repro_tar "$work/bin" "$name" "$out/$name.tar.gz"
}

# The commit, its time, the version, OUT and a work folder removed on exit.
setup() {
  out=${1:-$repo/target/bundle}
  mkdir -p "$out"
  out=$(cd "$out" && pwd -P)
  command -v python3 >/dev/null || fail "python3 is needed for the SBOM"
  sm3_ready
  commit=$(git -C "$repo" rev-parse --verify 'HEAD^{commit}') || fail "$repo: not a git work tree"
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct "$commit")
  export SOURCE_DATE_EPOCH
  version=$(git -C "$repo" show "$commit:Cargo.toml" | sed -n 's/^version = "\(.*\)"$/\1/p' | head -n1)
  [ -n "$version" ] || fail "Cargo.toml (at $commit): no package version"
  arch=$(uname -m)
  if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
    echo "bundle.sh: the work tree has uncommitted changes; the bundle holds HEAD ($commit)" >&2
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/mark-lint-bundle.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/cargo-home"
}

cmd_bundle() {
  setup "$@"
  rm -f "$out"/mark-lint-"$version"-* "$out/mark-lint-$version.cdx.json" "$out/SHA256SUMS" "$out/SM3SUMS"
  local started=$SECONDS
  make_source
  echo "bundle.sh: source tarball: $((SECONDS - started)) s" >&2
  MARK_LINT_COMMIT=$commit CARGO_HOME="$work/cargo-home" cmd_sbom "$work/src/mark-lint-$version" \
    >"$out/mark-lint-$version.cdx.json"
  build_binary
  package_binary
  cmd_sums "$out" "mark-lint-$version-src.tar.gz" "mark-lint-$version-$arch-linux.tar.gz" \
    "mark-lint-$version.cdx.json"
  echo "bundle.sh: $out ($((SECONDS - started)) s):" >&2
  (cd "$out" && cat SHA256SUMS) >&2
}

case "${1:-}" in
source)
  [ $# -le 2 ] || fail "usage: bundle.sh source [OUT]"
  shift
  setup "$@"
  make_source
  ;;
sbom)
  [ $# -eq 2 ] || fail "usage: bundle.sh sbom SRC"
  cmd_sbom "$2"
  ;;
sums)
  [ $# -ge 2 ] || fail "usage: bundle.sh sums DIR [FILE...]"
  shift
  cmd_sums "$@"
  ;;
-h | --help)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  ;;
*)
  [ $# -le 1 ] || fail "usage: bundle.sh [OUT] | source [OUT] | sbom SRC | sums DIR [FILE...]"
  cmd_bundle "$@"
  ;;
esac
