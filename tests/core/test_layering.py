"""The architecture as a test: the core and the CLI run where Qt cannot even be imported."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BLOCK_QT = """
import sys
class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError("Qt is not allowed here")
sys.meta_path.insert(0, NoQt())
"""


def run_without_qt(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_QT + code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_core_and_cli_work_with_qt_unimportable(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Title: Arms deal\n\nShells went north by rail.\n", encoding="utf-8")
    code = f"""
import pkgutil, importlib, briefer.core, briefer.cli
for module in pkgutil.walk_packages(briefer.core.__path__, "briefer.core."):
    importlib.import_module(module.name)
from briefer.cli import main
assert main(["--data-dir", {str(tmp_path / "data")!r}, "index", {str(folder)!r}]) == 0
assert main(["--data-dir", {str(tmp_path / "data")!r}, "search", "shells"]) == 0
assert not [m for m in sys.modules if m.startswith("PySide6")]
"""
    result = run_without_qt(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Arms deal" in result.stdout


def test_only_the_index_module_imports_whoosh() -> None:
    # The search package owns the engine: nothing outside briefer/core/search/ sees Whoosh.
    importers = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "briefer").rglob("*.py")
        if any(
            line.startswith(("from whoosh", "import whoosh"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    assert "briefer/core/search/index.py" in importers
    assert all(p.startswith("briefer/core/search/") for p in importers), importers


def test_only_the_gui_package_imports_qt() -> None:
    """The core, the CLI and the package's top level run without Qt; windows live in briefer/gui."""
    importers = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "briefer").rglob("*.py")
        if any(
            line.strip().startswith(("from PySide6", "import PySide6"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    assert importers and all(p.startswith("briefer/gui/") for p in importers), importers


def test_the_private_whoosh_modules_are_used_by_the_index_module_alone() -> None:
    inside = {"briefer/core/search/index.py", "briefer/core/search/__init__.py"}  # the package exports errors
    users = sorted(
        str(path.relative_to(REPO))
        for path in (REPO / "briefer").rglob("*.py")
        if any(
            name in path.read_text(encoding="utf-8")
            for name in ("_whoosh_open", "_whoosh_eval", "_whoosh_read", "_whoosh_write")
        )
    )
    assert all(p in inside or p.startswith("briefer/core/search/_whoosh") for p in users), users


def test_every_module_of_the_package_imports_first_and_alone() -> None:
    """No import cycle hides behind one entry order (a worker or a test may import any module first)."""
    code = """
import importlib, pkgutil, sys, briefer
names = [m.name for m in pkgutil.walk_packages(briefer.__path__, "briefer.")]
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "briefer" or m.startswith("briefer.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", result.stdout


# -- the front ends reach the archive and the search engine through their package roots ------------
FRONT_ENDS = ("briefer/gui", "briefer/cli")
# What the window and the command line may import: these packages' roots, never a module inside them.
FACADE_PACKAGES = ("briefer.core.archive", "briefer.core.search", "briefer.core.team")
# The facade's internals: a front end asks `Archive` for what it needs instead of reaching for these.
ARCHIVE_INTERNALS = frozenset({"catalog", "importer", "clusters", "index"})


def _front_end_modules() -> list[Path]:
    return sorted(path for top in FRONT_ENDS for path in (REPO / top).rglob("*.py"))


def _imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement brings in: modules, and module.name for `from` imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    module = node.module or ""
    if node.level:  # relative: resolve against the module's own package
        package = path.relative_to(REPO).with_suffix("").parts[: -node.level]
        module = ".".join([*package, module] if module else package)
    return [f"{module}.{alias.name}" for alias in node.names]


def _is_module(dotted: str) -> bool:
    where = REPO.joinpath(*dotted.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _reaches_inside(dotted: str) -> bool:
    """`dotted` is (or names something in) a module inside one of the facade packages."""
    for package in FACADE_PACKAGES:
        if dotted.startswith(package + "."):
            inner = dotted[len(package) + 1 :].split(".")
            return len(inner) > 1 or _is_module(dotted)  # package.name: fine unless name is a module
    return False


def test_the_front_ends_import_the_archive_and_search_packages_only_from_their_roots() -> None:
    """The GUI and the CLI see the archive through `briefer.core.archive` (the facade `Archive` and
    the value types and errors it re-exports) and the engine through `briefer.core.search`."""
    offending = []
    for path in _front_end_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            is_import = isinstance(node, (ast.Import, ast.ImportFrom))
            if is_import and any(_reaches_inside(dotted) for dotted in _imported(path, node)):
                offending.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not offending, "import from the package root instead:\n" + "\n".join(offending)


def test_the_front_ends_never_reach_past_the_archive_facade() -> None:
    """`archive.catalog`, `archive.importer`, `archive.clusters`, `archive.index` are the facade's
    internals: the window and the command line ask the `Archive` itself."""
    offending = []
    for path in _front_end_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ARCHIVE_INTERNALS:
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if "archive" in name.lower():
                    offending.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not offending, "ask the Archive instead:\n" + "\n".join(offending)
