# Synapse for the Matrix tests (tests/support/synapse.py): matrix-synapse from PyPI in a
# venv of its own, so its dependencies cannot move our pins. About 2.5 minutes on a busy
# 2-core machine; kept between runs in .ci-parts/synapse (gitignored) when it imports.
# Sourced by .ci/run with $VENV and CI in scope.
SYNAPSE_VENV="${TANDEM_SYNAPSE_VENV:-.ci-parts/synapse}"
if ! "$SYNAPSE_VENV/bin/python" -c "import synapse.app.homeserver" 2>/dev/null; then
  rm -rf "$SYNAPSE_VENV"
  "${PYTHON:-python3.11}" -m venv "$SYNAPSE_VENV"
  "$SYNAPSE_VENV/bin/python" -m pip install --quiet 'matrix-synapse>=1.100,<2'
fi
export TANDEM_SYNAPSE_VENV="$PWD/$SYNAPSE_VENV"
