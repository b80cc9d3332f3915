# Shortcuts; the README's two commands are scripts/run and scripts/test.
.PHONY: run test lint format bench screenshots reference-docx

run:
	bash scripts/run

test:
	bash scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:
	.venv/bin/python benchmarks/run_all.py

screenshots:
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py

reference-docx:
	.venv/bin/python scripts/build_reference_docx.py
