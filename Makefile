# Shortcuts; the README's two commands are scripts/run and scripts/test.
.PHONY: run test quick lint format bench screenshots reference-docx icons dist check-dist check-wheel stress

run:
	bash scripts/run

test:
	bash scripts/test

quick:  # the suite without the tests marked slow, on two processes (README: Development)
	bash scripts/test -m "not slow" -n 2

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:  # BENCH_ARGS, e.g. "--size 100000 scale": the scale benchmark alone (run_all.py --help)
	.venv/bin/python benchmarks/run_all.py $(BENCH_ARGS)

screenshots:
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --size 1680x1050
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/team_screenshots.py --if-server-installed
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/team_screenshots.py --if-server-installed --size 1680x1050

reference-docx:
	.venv/bin/python scripts/build_reference_docx.py

icons:
	.venv/bin/python scripts/build_icons.py

# The desktop app: dist/Briefer/ and dist/Briefer-VERSION-linux-ARCH.tar.gz (packaging/README.md).
dist:
	bash packaging/build-linux.sh

check-dist:
	bash packaging/check-linux.sh

check-wheel:
	bash packaging/check-wheel.sh

stress:  # the long fault tests (kills, fuzzing), about 15 minutes; prints the counts it ran
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.stress.run $(STRESS_ARGS)
