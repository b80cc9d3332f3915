"""Source types (government, state media, wire service, think tank, news, other).

They come from an editable table, `resources/source_types.tsv`: one rule per
line, `match<TAB>type`, where match is a web domain (it then also covers its
subdomains, and a leading dot covers a whole suffix such as `.gov`) or an
outlet's name as documents give it (compared without case or punctuation).
A document's URL decides first, then its outlet; unknown sources stay "" (the
type is not recorded) rather than guessed.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefer.core import paths

log = logging.getLogger(__name__)

TYPES = ("government", "state media", "wire service", "think tank", "news", "other")
TABLE = paths.RESOURCES / "source_types.tsv"
_ALIASES = {"think tank/research": "think tank", "research": "think tank", "wire": "wire service"}
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class SourceTable:
    domains: dict[str, str]  # "state.gov" -> "government"; ".gov" -> "government"
    names: dict[str, str]  # "reuters" -> "wire service"

    def classify(self, url: str, source: str) -> str:
        host = _host(url)
        while host:
            found = self.domains.get(host) or self.domains.get("." + host)
            if found:
                return found
            host = host.partition(".")[2]
        return self.names.get(_name_key(source), "") if source else ""


def _host(url: str) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _name_key(name: str) -> str:
    return _NOT_WORD.sub(" ", name.casefold()).strip()


def parse_table(text: str, origin: str = "source types") -> SourceTable:
    domains: dict[str, str] = {}
    names: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        match, sep, kind = line.rpartition("\t")
        kind = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
        if not sep or not match.strip() or kind not in TYPES:
            log.warning("%s line %d ignored: expected 'domain or name<TAB>one of %s'", origin, number, TYPES)
            continue
        match = match.strip()
        if "." in match and " " not in match:
            domains[match.lower().removeprefix("www.")] = kind
        else:
            names[_name_key(match)] = kind
    return SourceTable(domains, names)


@functools.lru_cache(maxsize=4)
def load_table(path: Path = TABLE) -> SourceTable:
    try:
        return parse_table(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        log.warning("no source-type table: %s", exc)
        return SourceTable({}, {})


def classify(url: str, source: str) -> str:
    """The source type of a document from `url` and outlet name `source`; "" when unknown."""
    return load_table().classify(url, source)
