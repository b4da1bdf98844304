# The two commands of the README. Each does its own set-up on a fresh machine.
.PHONY: run test bench lock
run:
	bash .ci/setup.sh run
	# The Agents Playground serves attachments from its own loopback server: allowed here only.
	LANGUAGE=$${LANGUAGE:-nl} FILE_HOSTS=$${FILE_HOSTS:-*.sharepoint.com,127.0.0.1,localhost} .venv/bin/sparringbot serve --load-sample --playground

test:
	bash .ci/setup.sh test
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -p no:cacheprovider

bench:
	bash .ci/setup.sh test
	.venv/bin/python -m bench

# Refresh constraints.txt (every Python package's exact version) from pyproject.toml.
lock:
	bash .ci/lock.sh
