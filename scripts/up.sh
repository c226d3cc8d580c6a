#!/usr/bin/env bash
# One command: set up and run the whole system on the embedded default (Tansu + SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/slrt up "$@"
