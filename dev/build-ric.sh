#!/usr/bin/env bash
# Installs AWS's Node.js runtime interface client (npm `aws-lambda-ric`), the version the deployed Lambda
# runtime carries (shared/functions/runtime-client.ts), into .cache/ric/<version> for the RIE parity suite
# (test/parity) and `cli invoke --runtime rie`. Called by dev/build-binaries.sh; a second run finds the stamp
# and does nothing.
#
# The client is a native addon: its install script builds curl and aws-lambda-cpp from source, which needs
# cmake, autoconf, automake and libtool (plus make, g++, python3 for node-gyp). When they are missing and
# apt-get is available as root they are installed; otherwise the script names them and stops.
# Build time on 2 shared cores: about 2 minutes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node_bin="$(node dev/node.mjs)"
export PATH="$(dirname "$node_bin"):$PATH"

version="$(node --import tsx dev/rie/ric-version.ts)"
dir="$root/.cache/ric/$version"
stamp="$root/.cache/ric/.ric-$version"
if [[ -f "$stamp" ]]; then
  exit 0
fi
# Two builds at once (two test runs on a fresh machine) would share apt's lock and delete each other's
# directory: the second waits for the first, then finds its stamp.
mkdir -p "$root/.cache/ric"
exec 9>"$root/.cache/ric/.build.lock"
flock 9
if [[ -f "$stamp" ]]; then
  exit 0
fi

needed=(cmake autoconf automake libtool make g++ python3)
commands=(cmake autoconf automake libtoolize make g++ python3)
missing=()
for i in "${!commands[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${needed[$i]}")
done
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "build-ric: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "build-ric: aws-lambda-ric@$version needs ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

echo "build-ric: building aws-lambda-ric $version" >&2
start=$SECONDS
rm -rf "$dir"
mkdir -p "$dir"
printf '{ "private": true, "allowScripts": { "aws-lambda-ric": true } }\n' >"$dir/package.json"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "aws-lambda-ric@$version" >&2)
if ! find "$dir/node_modules/aws-lambda-ric" -name rapid-client.node | grep -q .; then
  echo "build-ric: aws-lambda-ric@$version installed without its native addon (rapid-client.node)" >&2
  exit 1
fi
touch "$stamp"
echo "build-ric: aws-lambda-ric $version built in $((SECONDS - start))s" >&2
