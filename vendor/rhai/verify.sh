#!/usr/bin/env bash
# Checks that vendor/rhai is rhai 1.27.0 from crates.io plus patches/*.patch, and nothing else.
#
#   vendor/rhai/verify.sh [rhai-1.27.0.crate | unpacked-crate-dir]
#
# Without an argument the crate is downloaded from static.crates.io with curl. A .crate file
# (given or downloaded) must have crates.io's SHA-256 for rhai 1.27.0. The pristine tree is
# unpacked into a temporary directory; the files the vendored copy leaves out are removed
# (src/bin/, and cargo's packaging by-products .cargo_vcs_info.json, Cargo.lock and
# Cargo.toml.orig); the patches are applied in order with `patch -p1`; and the result is
# compared with `diff -r` against vendor/rhai without our own files (PATCHES.md, patches/,
# verify.sh, .gitattributes). Line endings count: most upstream files are CRLF.
#
# Exit status: 0 identical, 1 different (the diff is printed), 2 could not check.
set -euo pipefail

VERSION=1.27.0
SHA256=c3925b784c0bee6542637e425ed7511a63257bf11b7ecf51ffd845e2d24d9163
URL="https://static.crates.io/crates/rhai/rhai-$VERSION.crate"
OMITTED=(src/bin .cargo_vcs_info.json Cargo.lock Cargo.toml.orig)
OURS=(PATCHES.md patches verify.sh .gitattributes)

here=$(cd "$(dirname "$0")" && pwd)
die() {
    echo "verify.sh: $*" >&2
    exit 2
}

sha256() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rhai-verify.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

src=${1:-}
if [ -z "$src" ]; then
    command -v curl >/dev/null || die "no crate given and curl not found"
    echo "downloading $URL" >&2
    curl -fsSL -o "$tmp/rhai.crate" "$URL" || die "download failed: $URL"
    src=$tmp/rhai.crate
    label=$URL
fi
label=${label:-$src}

if [ -f "$src" ]; then
    sum=$(sha256 "$src")
    [ "$sum" = "$SHA256" ] || die "$src: SHA-256 $sum, expected $SHA256 (crates.io, rhai $VERSION)"
    mkdir "$tmp/unpacked"
    tar -xzf "$src" -C "$tmp/unpacked" || die "$src: not a .crate (.tar.gz) file"
    pristine=$tmp/unpacked/rhai-$VERSION
    origin="$label (sha256 $SHA256)"
elif [ -d "$src" ]; then
    if [ -f "$src/Cargo.toml" ]; then
        pristine=$src
    else
        pristine=$src/rhai-$VERSION
    fi
    origin="$src (a directory: checksum not checked)"
else
    die "$src: no such file or directory"
fi
[ -f "$pristine/Cargo.toml" ] || die "$pristine: no Cargo.toml, not an unpacked crate"
grep -q "^version = \"$VERSION\"" "$pristine/Cargo.toml" || die "$pristine: not rhai $VERSION"

expected=$tmp/rhai-$VERSION+patches
cp -R "$pristine" "$expected"
for f in "${OMITTED[@]}"; do rm -rf "${expected:?}/$f"; done

count=0
for p in "$here"/patches/*.patch; do
    [ -e "$p" ] || die "no patches in $here/patches"
    (cd "$expected" && patch -p1 -F0 --quiet <"$p" >"$tmp/patch.log" 2>&1) || {
        cat "$tmp/patch.log" >&2
        die "$(basename "$p") does not apply to rhai $VERSION"
    }
    count=$((count + 1))
done

vendored=$tmp/vendor-rhai
cp -R "$here" "$vendored"
for f in "${OURS[@]}"; do rm -rf "${vendored:?}/$f"; done

cd "$tmp"
if diff -r "$(basename "$expected")" "$(basename "$vendored")"; then
    echo "vendor/rhai = rhai $VERSION + $count patches: identical"
    echo "  pristine: $origin"
    exit 0
else
    echo "vendor/rhai differs from rhai $VERSION + $count patches (diff above)" >&2
    if diff -rq --strip-trailing-cr "$(basename "$expected")" "$(basename "$vendored")" >/dev/null; then
        echo "(only line endings differ: keep upstream's, most of its files are CRLF)" >&2
    fi
    exit 1
fi
