# Ralph, the LRS the xAPI tests run against (tests/e2e/test_xapi_ralph.py): in a venv of
# its own (.ci-parts/ralph, gitignored), so that its pins never meet ours. Sourced by
# .ci/run with $VENV and CI in scope. The tests start Ralph themselves (its own ASGI app
# on the fs backend, a free port, a temporary directory; tests/support/ralph/launch.py)
# and make its credentials with `ralph auth`. About 30 s with pip's cache warm on the shared 2-core machine (2 December 2026).
RALPH_VENV="${TANDEM_RALPH_VENV:-.ci-parts/ralph}"
if [ ! -x "$RALPH_VENV/bin/ralph" ]; then
  "${PYTHON:-python3.11}" -m venv "$RALPH_VENV"
  "$RALPH_VENV/bin/python" -m pip install --quiet --upgrade pip
  "$RALPH_VENV/bin/python" -m pip install --quiet 'ralph-malph[cli,backend-fs,lrs]>=5.1,<5.2' 'requests>=2.31,<3'
fi
"$RALPH_VENV/bin/python" -c "import ralph.backends.lrs.fs, ralph.models.xapi, uvicorn" \
  || { echo ".ci/parts/ralph.sh: Ralph does not import in $RALPH_VENV" >&2; return 1; }
TANDEM_RALPH_VENV="$(cd "$RALPH_VENV" && pwd)"
export TANDEM_RALPH_VENV
