#!/usr/bin/env bash
#
# test/deps.sh — installs what building, testing and the demo need.
#
# Debian packages are installed only when missing (apt-get needs root), and
# the test endpoint's npm packages only when its node_modules is absent, so
# a second run costs a few dpkg queries.  "bench" adds what the benchmarks
# compare against.
#
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	make gcc postgresql-15 postgresql-server-dev-15
	libcurl4-openssl-dev libssl-dev libjson-c-dev
	libmariadb-dev mariadb-server mariadb-client python3
	libmicrohttpd-dev curl
	clang libclang-rt-14-dev
	zlib1g-dev libzstd-dev libxml2-dev zstd awscli
)
# Node.js may come from elsewhere than Debian (with its own npm): take the
# packages only when the commands are missing
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
# the demo's picture: any gnuplot will do
command -v gnuplot >/dev/null || packages+=(gnuplot-nox)
if [ "${1:-}" = bench ]; then
	packages+=(python3-sklearn python3-numpy valgrind postgresql-15-mysql-fdw)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the test endpoint's packages, and s3rver (test/s3/)
for dir in test/endpoint test/s3; do
	if [ -f $dir/package-lock.json ] && [ ! -d $dir/node_modules ]; then
		echo "deps: installing the npm packages of $dir"
		(cd $dir && npm ci --no-audit --no-fund --loglevel=error)
	fi
done
