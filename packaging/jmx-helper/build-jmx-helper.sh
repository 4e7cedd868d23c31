#!/usr/bin/env bash
# Builds drover-jmx-helper.jar (JDK only, no dependencies) into <outdir>.
# Usage: packaging/jmx-helper/build-jmx-helper.sh <outdir>
# Compiled for Java 8 so it runs on the node's own Java whatever it is (Cassandra 3.11 and 4.x run on 8 or
# 11, 5.0 on 11 or 17): `--release 8` checks the API too, not only the bytecode level.
# Idempotent: rebuilds only when the source or this script is newer than the jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:?usage: build-jmx-helper.sh <outdir>}")
source="$here/DroverJmxHelper.java"
jar_path="$out/drover-jmx-helper.jar"

if [ -f "$jar_path" ] && [ "$jar_path" -nt "$source" ] && [ "$jar_path" -nt "$0" ]; then
  echo "$jar_path"
  exit 0
fi

command -v javac >/dev/null || { echo "javac not found: install a JDK (openjdk-17-jdk-headless)" >&2; exit 1; }
command -v jar >/dev/null || { echo "jar not found: install a JDK (openjdk-17-jdk-headless)" >&2; exit 1; }

mkdir -p "$out"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac --release 8 -Xlint:all -Werror -encoding UTF-8 -d "$classes" "$source"
# Build beside the target, then rename: a reader never sees a half-written jar.
# (A per-process name: concurrent builds into one directory do not write the same file.)
tmp="$out/.drover-jmx-helper.$$.jar"
jar --create --file "$tmp" --main-class DroverJmxHelper -C "$classes" .
mv -f "$tmp" "$jar_path"
echo "$jar_path"
