#!/usr/bin/env bash
# `make lock`: refresh constraints.txt, the exact version of every Python package the project
# installs (direct and transitive, dev included, and pip, setuptools and wheel themselves).
# Builds a throwaway venv, installs the project as pyproject.toml declares it (its direct
# dependencies are pinned there; the transitive ones take the newest their ranges allow) and
# freezes it. .ci/setup.sh installs from the file, so every machine gets the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python_bin" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip setuptools wheel
"$work/venv/bin/python" -m pip install -q ".[dev]"

{
  echo "# The exact version of every Python package Sparringbot installs (.ci/setup.sh: pip install -c)."
  echo "# Made by \`make lock\` (.ci/lock.sh) with Python $("$work/venv/bin/python" -c 'import platform; print(platform.python_version())') from pyproject.toml; do not edit by hand."
  "$work/venv/bin/python" -m pip freeze --all --exclude sparringbot | LC_ALL=C sort -f -t= -k1,1
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "constraints.txt: $(grep -c '==' constraints.txt) packages pinned"
