#!/usr/bin/env bash
# Install the Java that the Spark tests (tests/test_spark.py) need: Debian's
# openjdk-17-jre-headless, unless a Java 17 or 21 is on PATH or at $JAVA_HOME.
# A failed install only warns, and the Spark tests then skip with the reason;
# set DEDUP_SPARK_REQUIRED=1 to make it fatal instead.
set -uo pipefail

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
fi

java_version() {
    local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
    "$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

version="$(java_version)"
if [ "$version" = 17 ] || [ "$version" = 21 ]; then
    echo "install-java: Java $version present"
    exit 0
fi
echo "install-java: apt-get install openjdk-17-jre-headless"
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq >/dev/null \
    && $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; then
    echo "install-java: $(java -version 2>&1 | head -1)"
    exit 0
fi
echo "install-java: WARNING: could not install Java 17; the Spark tests will be skipped" >&2
if [ "${DEDUP_SPARK_REQUIRED:-0}" = 1 ]; then
    exit 1
fi
exit 0
