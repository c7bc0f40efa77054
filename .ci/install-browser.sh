#!/usr/bin/env bash
# Install what the browser tests of the HTML report (tests/test_report_html.py) need:
#   * Debian's chromium + chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)
#   * Playwright for Python, which drives that system Chromium. We never run
#     `playwright install`: it downloads a browser build of its own.
# Idempotent (does nothing when all is there) and quiet-ish. Installs into
# whatever `python3` is first on PATH (the CI venv when it is active), or $PYTHON.
# A failed install only warns, and the browser tests then skip with the reason;
# set DEDUP_BROWSER_REQUIRED=1 to make it fatal instead.
set -uo pipefail

PYTHON="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
fi

failed=0
fail() {
    echo "install-browser: WARNING: $*; the browser tests will be skipped" >&2
    failed=1
}

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "install-browser: chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
else
    echo "install-browser: apt-get install chromium chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    if $SUDO apt-get update -qq >/dev/null \
        && $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; then
        echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"
    else
        fail "could not install chromium with apt-get"
    fi
fi

if "$PYTHON" -c "import playwright.sync_api" >/dev/null 2>&1; then
    echo "install-browser: playwright present"
else
    echo "install-browser: pip install playwright"
    "$PYTHON" -m pip install -q --disable-pip-version-check playwright 2>&1 \
        | grep -v -e "is ignored: it is neither a file nor a directory" -e "Running pip as the 'root' user" || true
    "$PYTHON" -c "import playwright.sync_api" >/dev/null 2>&1 || fail "could not pip install playwright"
fi

if [ "$failed" = 1 ] && [ "${DEDUP_BROWSER_REQUIRED:-0}" = 1 ]; then
    exit 1
fi
exit 0
