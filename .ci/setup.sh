#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: Python venv and packages, the pinned Node tools
# (Agents Playground, app-manifest schema), and for tests PostgreSQL from Debian's
# packages when it is missing. Usage: .ci/setup.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$python_bin" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
# Every package at the exact version in constraints.txt (`make lock` refreshes it); a changed
# pyproject.toml or constraints.txt changes the stamp, and so installs again.
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  rm -f .venv/.installed-*
  .venv/bin/python -m pip install -q -c constraints.txt --upgrade pip setuptools wheel >/dev/null
  .venv/bin/python -m pip install -q -c constraints.txt --build-constraint constraints.txt -e ".[dev]"
  # Exactly the lock: a package the lock lacks (a dependency added without `make lock`) or at
  # another version would make this machine differ from the others.
  # Names compared as pip does (case, and "-", "_" and "." alike).
  normal() { sed -E ':a; s/^([^=]*)[_.]/\1-/; ta; s/^([^=]+)/\L\1/' | sort; }
  if ! diff <(.venv/bin/python -m pip freeze --all --exclude-editable | normal) \
            <(grep -v '^#' constraints.txt | normal) >&2; then
    echo "The venv differs from constraints.txt (< venv, > lock). After changing pyproject.toml run" \
         "'make lock'; for a package installed by hand, remove .venv and run this again." >&2
    exit 1
  fi
  touch "$stamp"
fi

if command -v npm >/dev/null 2>&1; then
  if [ ! -x node_modules/.bin/agentsplayground ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
elif [ "$purpose" = test ] && [ "${CI:-}" = true ]; then
  echo "Node.js/npm is needed for the Agents Playground tests." >&2
  exit 1
else
  echo "Node.js not found: the Agents Playground will not be started." >&2
fi

if [ "$purpose" = test ]; then
  need=()
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql)
  fi
  if ! command -v callgrind_control >/dev/null 2>&1; then
    need+=(valgrind)  # bench.instructions counts instructions per turn under callgrind
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    need+=(chromium)  # the overview's browser tests (playwright-core drives it headless)
  fi
  if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing from Debian's packages: ${need[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
      echo "Missing ${need[*]}: install them (Debian: apt-get install ${need[*]})." >&2
      [ "${CI:-}" = true ] && exit 1
    fi
  fi
fi
