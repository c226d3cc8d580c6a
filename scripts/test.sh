#!/usr/bin/env bash
# One command: set up and run every test (lint, unit, contract, integration on a real Tansu,
# SQLite and PostgreSQL at 127.0.0.1:5432, the end-to-end test of `slrt up`, and the console in
# headless Chromium, which it installs from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/browser-deps.sh
.venv/bin/ruff check .
exec .venv/bin/pytest -p no:cacheprovider "$@"
