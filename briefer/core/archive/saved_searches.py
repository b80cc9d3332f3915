"""Saved searches: a name for a query with its filters, sort and alias setting.

They live in one JSON file in the data folder (`saved-searches.json`), written
whole to a temporary file and renamed over the old one, so a crash never leaves
half a file.  The file is small and read on each use: the CLI and the window
may both change it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefer.core import atomic_write
from briefer.core.archive.catalog import now_iso
from briefer.core.errors import BrieferError
from briefer.core.search.query import SORTS, QueryError, SearchRequest

FORMAT = "briefer.saved-searches"
VERSION = 1


class SavedSearchError(BrieferError, ValueError):
    """No such saved search, a name taken, or a file that cannot be read; the message says which."""


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    aliases: bool = True
    created: str = field(default_factory=now_iso)

    def request(self, *, limit: int = 20, page: int = 1, facets: bool = False) -> SearchRequest:
        return SearchRequest(
            self.query,
            limit=limit,
            page=page,
            sort=self.sort,
            filters=self.filters,
            aliases=self.aliases,
            facets=facets,
        )

    def sharing_note(self) -> str:
        """Who else sees it, for a list: a personal archive's searches are its analyst's alone."""
        return ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "query": self.query,
            "filters": [list(pair) for pair in self.filters],
            "sort": self.sort,
            "aliases": self.aliases,
            "created": self.created,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> SavedSearch:
        try:
            filters = tuple((str(facet), str(value)) for facet, value in record.get("filters", []))
            sort = str(record.get("sort", "relevance"))
            return cls(
                name=str(record["name"]),
                query=str(record["query"]),
                filters=filters,
                sort=sort if sort in SORTS else "relevance",
                aliases=bool(record.get("aliases", True)),
                created=str(record.get("created", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SavedSearchError(f"a saved search cannot be read ({exc})") from exc


class SavedSearches:
    """The saved searches of one archive, in `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> list[SavedSearch]:
        """Every saved search, by name."""
        return sorted(self._read().values(), key=lambda s: s.name.casefold())

    def get(self, name: str) -> SavedSearch:
        found = self._read().get(name.strip())
        if found is None:
            known = ", ".join(s.name for s in self.all()) or "none yet"
            raise SavedSearchError(f"there is no saved search named {name!r} (saved: {known})")
        return found

    def save(self, search: SavedSearch, *, replace: bool = False) -> SavedSearch:
        """Store `search` under its name; a name already used needs `replace`."""
        name = search.name.strip()
        if not name:
            raise SavedSearchError("a saved search needs a name")
        try:  # a search that cannot run should not be saved
            search.request()
        except QueryError as exc:
            raise SavedSearchError(str(exc)) from exc
        searches = self._read()
        if name in searches and not replace:
            raise SavedSearchError(
                f"a search named {name!r} is already saved; replace it or pick another name"
            )
        stored = SavedSearch(name, search.query, search.filters, search.sort, search.aliases, search.created)
        searches[name] = stored
        self._write(searches)
        return stored

    def delete(self, name: str) -> None:
        searches = self._read()
        if searches.pop(name.strip(), None) is None:
            raise SavedSearchError(f"there is no saved search named {name!r}")
        self._write(searches)

    def rename_search(self, old: str, new: str, *, replace: bool = False) -> SavedSearch:
        """Give a saved search another name, in one write (never both names, never neither); a
        name another search uses needs `replace`."""
        searches = self._read()
        found = searches.get(old.strip())
        if found is None:
            raise SavedSearchError(f"there is no saved search named {old!r}")
        name = new.strip()
        if not name:
            raise SavedSearchError("a saved search needs a name")
        if name != found.name and name in searches and not replace:
            raise SavedSearchError(
                f"a search named {name!r} is already saved; replace it or pick another name"
            )
        del searches[found.name]
        searches[name] = renamed = dataclasses.replace(found, name=name)
        self._write(searches)
        return renamed

    def _read(self) -> dict[str, SavedSearch]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SavedSearchError(f"cannot read the saved searches in {self.path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SavedSearchError(f"{self.path} is not a file of saved searches")
        if int(data.get("version", 0)) > VERSION:
            raise SavedSearchError(f"{self.path} was written by a newer Briefer; upgrade to read it")
        searches = (SavedSearch.from_json(r) for r in data.get("searches", []))
        return {s.name: s for s in searches}

    def _write(self, searches: dict[str, SavedSearch]) -> None:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "searches": [s.as_json() for s in sorted(searches.values(), key=lambda s: s.name.casefold())],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        atomic_write.write_text(self.path, text, mode=0o600)  # 0600 as ever: what an analyst looks for


__all__ = ["SavedSearch", "SavedSearchError", "SavedSearches"]
