"""Every menu path and every `briefer` command that a message names exists where it is named.

The texts are read from the source (string literals and f-strings, docstrings
left out) and from the window's help pages, so a message added later is checked
too: a "Menu \u2192 Item" path must be an item of that menu in the window's menu bar,
and `briefer COMMAND [SUBCOMMAND] [--option]` must parse with the real command line.
The core's messages reach both front ends, so they name neither a menu of the
window nor a command (each front end adds its own advice: tests/core/test_typed_errors.py).
"""

from __future__ import annotations

import argparse
import ast
import functools
import html
import re
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import QMenu

from briefer.cli import build_parser
from briefer.core import paths

PACKAGE = Path(__file__).resolve().parents[2] / "briefer"
MENU_PATH = re.compile(r"(\w+) \u2192 ([^.;,)\n<]+)")
# `briefer` then a command or an option, then its words: "SCHEMA briefer TO briefer_reader" (SQL) is none.
COMMAND = re.compile(
    r"\bbriefer((?: (?:[a-z][a-z-]*|--[a-z][a-z-]*))(?: (?:[a-z][a-z-]*|--[a-z][a-z-]*|[A-Z][A-Z_]*|\{\}))*)"
)


def literal_texts(path: Path) -> Iterator[str]:
    """The string literals of a module (an f-string with `{}` for each value), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skipped.add(id(first.value))  # a docstring: for developers
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                skipped.add(id(value))
                parts.append(str(value.value) if isinstance(value, ast.Constant) else "{}")
            yield "".join(parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            yield node.value


@functools.cache
def texts_of(folder: Path) -> list[tuple[str, str]]:
    return [
        (str(p.relative_to(PACKAGE.parent)), t)
        for p in sorted(folder.rglob("*.py"))
        for t in literal_texts(p)
    ]


def window_texts() -> list[tuple[str, str]]:
    """What the window can show: the GUI's literals and its help pages (as plain text)."""
    pages = [
        (page.name, html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))))
        for page in sorted((paths.RESOURCES / "help").glob("*.html"))
    ]
    return texts_of(PACKAGE / "gui") + pages


def _label(text: str) -> str:
    return text.split("\t")[0].replace("&", "").removesuffix("\u2026").removesuffix("...").strip()


def menu_items(window) -> dict[str, set[str]]:
    """Menu title -> the labels of its items (submenus included), as a person reads them."""
    items: dict[str, set[str]] = {}

    def labels(menu: QMenu) -> Iterator[str]:
        for action in menu.actions():
            if action.text():
                yield _label(action.text())
            if action.menu() is not None:
                yield from labels(action.menu())

    for action in window.menuBar().actions():
        if action.menu() is not None:
            items[_label(action.text())] = set(labels(action.menu()))
    return items


def test_every_menu_path_in_the_window_names_an_existing_menu_item(make_window) -> None:
    menus = menu_items(make_window())
    named = [
        (where, m.group(1), m.group(2).strip()) for where, t in window_texts() for m in MENU_PATH.finditer(t)
    ]
    assert named, "the search for menu paths found none: has the arrow changed?"
    for where, menu, rest in named:
        assert menu in menus, (
            f"{where}: {menu} \u2192 {rest}: the window has no {menu} menu ({sorted(menus)})"
        )
        assert any(rest.startswith(item) for item in menus[menu] if item), (
            f"{where}: {menu} \u2192 {rest}: no such item in {menu} ({sorted(menus[menu])})"
        )


def test_the_core_names_no_menu_of_the_window() -> None:
    for where, text in texts_of(PACKAGE / "core"):
        assert not MENU_PATH.search(text), f"{where}: {text!r} words a message for the window"


@functools.cache
def _command_line() -> argparse.ArgumentParser:
    return build_parser()


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return None


def command_problem(words: list[str]) -> str:
    """Why `briefer WORDS...` would not parse as a command and its options ("" when it would)."""
    parser = _command_line()
    for word in words:
        commands = _subcommands(parser)
        if word.startswith("--"):
            if word not in parser._option_string_actions:
                return f"{word} is not an option of `{parser.prog}`"
        elif word.isupper() or word == "{}":
            continue  # a placeholder: DOC, ACCOUNT, a value
        elif commands is not None:
            if word not in commands:
                return f"`{parser.prog}` has no command {word!r}"
            parser = commands[word]
    return ""


def test_every_briefer_command_a_message_names_exists() -> None:
    named = [
        (where, m.group(1).split())
        for where, text in window_texts() + texts_of(PACKAGE / "core")
        for m in COMMAND.finditer(text)
    ]
    # The query help once sent the window's user to `briefer tag`; it names Document \u2192 Tag\u2026
    # now, which the menu-path test checks.  Commands named by the window are checked all the same.
    assert not any(words[0] == "tag" for where, words in named if where == "query-syntax.html")
    for where, words in named:
        problem = command_problem(words)
        assert not problem, f"{where}: `briefer {' '.join(words)}`: {problem}"


# The window's texts that may name a command, and why.  None does today: the About box names the
# version, the folders and the licences, not the command line.
COMMANDS_THE_WINDOW_MAY_NAME: dict[str, str] = {}


def test_the_window_sends_its_user_to_its_own_controls_not_to_briefer_commands() -> None:
    """A window user is told where in the window to go ("Archive \u2192 Import Report"), never to
    type `briefer verify` in a terminal: each text of the window that names a command is listed."""
    named = [
        (where, text)
        for where, text in window_texts()
        if COMMAND.search(text) and COMMANDS_THE_WINDOW_MAY_NAME.get(where) != text
    ]
    assert named == []


def test_the_scan_for_commands_sees_what_the_export_dialog_once_said() -> None:
    assert COMMAND.search("Manifest: {} (for <i>briefer verify</i>).")
    assert COMMAND.search("run `briefer reindex`") and not COMMAND.search("Briefer keeps it in memory")
    assert not COMMAND.search("GRANT USAGE ON SCHEMA briefer TO briefer_reader")  # SQL, not a command


def test_the_check_catches_what_does_not_exist(make_window) -> None:
    assert command_problem(["credentials", "backend", "use"]) == ""
    assert "no command 'unlock'" in command_problem(["credentials", "unlock"])
    assert "--aliases-off is not an option" in command_problem(["search", "--aliases-off"])
    menus = menu_items(make_window())
    assert "Accounts" in menus["Settings"] and "Export to Word" in menus["File"]
    assert "Aliases" not in {item for items in menus.values() for item in items}
