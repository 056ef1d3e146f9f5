#!/usr/bin/env bash
# Install eventhub into .venv, build the SQLite database with the demo data and start the
# development server on http://127.0.0.1:5000.
#
#   ./run.sh          install, migrate, load the demo, serve
#   ./run.sh test     install with the test tools and run the test suite
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi

if [ "${1:-}" = "test" ]; then
    shift
    echo "==> installing eventhub with its test tools"
    .venv/bin/pip install --quiet -e '.[test]'
    exec .venv/bin/pytest "$@"
fi

echo "==> installing eventhub"
.venv/bin/pip install --quiet -e .

if [ -f package.json ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "==> installing the browser libraries (npm ci)"
        npm ci --no-audit --no-fund --loglevel=error
    else
        echo "!!  npm is not installed: the camera QR decoder of the scanner page is unavailable"
        echo "    (hardware scanners and typing the ticket code still work)."
    fi
fi

echo "==> migrating the database"
.venv/bin/flask --app wsgi db upgrade
echo "==> loading the demo data"
.venv/bin/flask --app wsgi eventhub demo

cat <<EOF

eventhub is starting at  http://$HOST:$PORT
Every demo account above uses the password shown beside it. Stop with Ctrl+C.

EOF
exec .venv/bin/flask --app wsgi run --host "$HOST" --port "$PORT"
