#!/usr/bin/env bash
# Builds every distribution artifact of rhrel into TARGET_DIR/dist/ (or $RHREL_DIST_DIR), where
# TARGET_DIR is cargo's (`target/`, or $CARGO_TARGET_DIR, or build.target-dir):
#   rhrel-VERSION-x86_64-unknown-linux-gnu.tar.gz   the binary, LICENSE and a README
#   rhrel-VERSION-py3-none-manylinux_…_x86_64.whl    the PyPI wheel (maturin, bindings = "bin")
#   rhrel-VERSION.tgz, rhrel-linux-x64-gnu-VERSION.tgz   the npm launcher and platform package
#   SHA256SUMS                                       of all of the above
# One `cargo build --release` makes the binary; maturin's own cargo call then finds it up to
# date. Offline apart from the package registries (cargo's, and only if the crates are not
# cached). A tool that is missing (maturin, npm) skips its artifact loudly, or fails the build
# when RHREL_E2E=required.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Where cargo puts its builds, as cargo itself says (CARGO_TARGET_DIR, config, or target/).
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-$root/target}
dist=${RHREL_DIST_DIR:-$target_dir/dist}
target=x86_64-unknown-linux-gnu
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)

say() { echo "build.sh: $*"; }
missing() {
    if [ "${RHREL_E2E:-}" = required ]; then
        echo "build.sh: $1 is missing and RHREL_E2E=required" >&2
        exit 1
    fi
    echo "build.sh: SKIPPED $2: $1 is missing (set RHREL_E2E=required to fail instead)" >&2
}

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    echo "build.sh: builds the $target artifacts and must run on Linux x86-64" >&2
    exit 1
fi

cd "$root"
say "cargo build --release (rhrel $version)"
cargo build --release --locked --bin rhrel
binary=$target_dir/release/rhrel
if readelf -l "$binary" | grep -q 'Requesting program interpreter'; then
    # The wheel's tag and the npm package's promise ("any Linux x86-64") hold only for a
    # static binary; see build.rs for when it is linked dynamically.
    echo "build.sh: $binary is dynamically linked; the artifacts need the static build (unset RHREL_DYNAMIC, install libc6-dev)" >&2
    exit 1
fi

# Reproducible archives: every timestamp is the last commit's (or 0 outside a checkout). Set
# after cargo ran, so that the release build's fingerprint does not change with it.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}
rm -rf "$dist"
mkdir -p "$dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# 1. The release tarball.
name=rhrel-$version-$target
mkdir "$stage/$name"
install -m 755 "$binary" "$stage/$name/rhrel"
install -m 644 "$root/LICENSE" "$stage/$name/LICENSE"
sed "s/@VERSION@/$version/g" "$root/packaging/tarball/README" >"$stage/$name/README"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
say "built $name.tar.gz"

# 2. The PyPI wheel. maturin compiles through cargo, which finds the release build current.
if command -v maturin >/dev/null 2>&1; then
    # The static binary needs no particular glibc: manylinux2014 (glibc 2.17, kernel 3.10) is
    # the oldest tag pip on every supported Python accepts, and is checked by maturin's
    # auditwheel against the binary.
    (cd "$root/packaging/pypi" && maturin build --release --locked --strip \
        --compatibility manylinux2014 --out "$dist" --quiet)
    say "built $(cd "$dist" && ls ./*.whl | sed 's|^\./||')"
else
    missing maturin "the wheel (python3 -m pip install maturin)"
fi

# 3. The npm packages: the launcher `rhrel` and the platform package holding the binary.
if command -v npm >/dev/null 2>&1; then
    for pkg in rhrel linux-x64-gnu; do
        cp -R "$root/packaging/npm/$pkg" "$stage/npm-$pkg"
        (cd "$stage/npm-$pkg" && npm pkg set version="$version" >/dev/null)
    done
    (cd "$stage/npm-rhrel" && npm pkg set "optionalDependencies.@rhrel/linux-x64-gnu=$version" >/dev/null)
    install -D -m 755 "$binary" "$stage/npm-linux-x64-gnu/bin/rhrel"
    cp "$root/LICENSE" "$stage/npm-rhrel/LICENSE"
    cp "$root/LICENSE" "$stage/npm-linux-x64-gnu/LICENSE"
    for pkg in rhrel linux-x64-gnu; do
        (cd "$stage/npm-$pkg" && npm pack --silent --pack-destination "$dist" >/dev/null)
    done
    say "built rhrel-$version.tgz and rhrel-linux-x64-gnu-$version.tgz"
else
    missing npm "the npm packages"
fi

(cd "$dist" && sha256sum -- *.tar.gz *.whl *.tgz 2>/dev/null >SHA256SUMS || true)
say "wrote $dist/SHA256SUMS:"
sed 's/^/  /' "$dist/SHA256SUMS"
