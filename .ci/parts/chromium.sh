# Debian's headless Chromium for the HTML report's tests (tests/integration/test_report_chromium.py,
# driven by playwright from the test extras over the DevTools protocol; no browser download).
# Sourced by .ci/run with $VENV and CI in scope. Install: about 1-2 minutes (apt, ~100 MB).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo ".ci/parts/chromium.sh: installing chromium with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo ".ci/parts/chromium.sh: no apt-get; the chromium tests will fail in CI" >&2
  fi
fi
export TANDEM_CHROMIUM=/usr/bin/chromium
