#!/usr/bin/env bash
# Builds the real services the tests and the local stack run, from the Go module proxy, pinned,
# into .cache/bin (ignored by git). A second run finds the stamp and does nothing.
#
#   nsq v1.3.0: nsqd, nsqlookupd, nsqadmin, nsq_to_http, to_nsq.
#     Its go.mod has a replace directive, so `go install ...@v1.3.0` is refused; we download the
#     module and build it as the main module, where the replace is honoured.
#   MinIO (S3-compatible server) at a pinned pseudo-version: MinIO tags releases as RELEASE.*,
#     which are not semver, so the proxy serves commits as pseudo-versions.
#   AWS Lambda Runtime Interface Emulator (aws-lambda-rie) at a pinned pseudo-version: the real runtime API
#     the RIE parity suite (test/parity) runs function bundles under, with the Node client from
#     dev/build-ric.sh.
set -euo pipefail

NSQ_VERSION="v1.3.0"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/bin"
work="$root/.cache/build"
mkdir -p "$bin" "$work"
# Two runs at once (two test runs on a fresh machine) would build in, and delete, the same directories:
# the second waits for the first, then finds its stamps.
exec 8>"$bin/.build.lock"
flock 8

if ! command -v go >/dev/null 2>&1; then
  echo "build-binaries: the Go toolchain is required (go not found on PATH)" >&2
  exit 1
fi
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0

# build_module <name> <module> <version> <stamp> <package>...
build_module() {
  local name="$1" module="$2" version="$3" stamp="$4"
  shift 4
  if [[ -f "$bin/.$stamp" ]]; then
    return 0
  fi
  echo "build-binaries: building $name $version" >&2
  local dir
  dir="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    echo "build-binaries: could not download $module@$version" >&2
    exit 1
  fi
  local src="$work/$name-$version"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  local start=$SECONDS
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$bin/" "$@")
  rm -rf "$src"
  touch "$bin/.$stamp"
  echo "build-binaries: $name built in $((SECONDS - start))s" >&2
}

# The stamp names the apps: a cache built before nsqadmin was added (stamp nsq-v1.3.0) builds again.
build_module nsq github.com/nsqio/nsq "$NSQ_VERSION" "nsq-$NSQ_VERSION-with-nsqadmin" \
  ./apps/nsqd ./apps/nsqlookupd ./apps/nsqadmin ./apps/nsq_to_http ./apps/to_nsq

if [[ "${SKIP_MINIO:-}" != "1" ]]; then
  build_module minio github.com/minio/minio "$MINIO_VERSION" "minio-$MINIO_VERSION" .
fi

# install_module <name> <package> <version> <stamp>: `go install` (the module has no replace directive).
install_module() {
  local name="$1" package="$2" version="$3" stamp="$4"
  if [[ -f "$bin/.$stamp" ]]; then
    return 0
  fi
  echo "build-binaries: building $name $version" >&2
  local start=$SECONDS
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "$package@$version"
  touch "$bin/.$stamp"
  echo "build-binaries: $name built in $((SECONDS - start))s" >&2
}

install_module aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie \
  "$RIE_VERSION" "rie-$RIE_VERSION"

# The runtime client is for the parity suite and `cli invoke --runtime rie`; `npm start` and `npm run bench`
# need neither it nor its native build tools, so they pass SKIP_RIC=1.
if [[ "${SKIP_RIC:-}" != "1" ]]; then
  bash "$root/dev/build-ric.sh"
fi

ls "$bin" >&2
