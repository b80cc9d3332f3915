"""The query language's plain-Python half: requests, aliases, dates, and the limits that keep queries fast.

`prepare()` turns what the user typed into the text the index parses:

- every `published:` clause, whatever its form (`2023-09`, `[2023-09-01 to
  2023-09-30]`, `>2023`, `"last 30 days"`, `"since 1 March 2024"`), becomes one
  day-range token, `published:D<first>_<last>` in proleptic ordinals, so that
  one function reads every date form and the index never guesses;
- `type:`, `tag:` and `lang:` values are written the way they are indexed;
- a word or phrase that names an alias (resources/aliases.tsv) becomes a group
  of all its variants, and the expansion is reported;
- `-word` (or `-"phrase"`, `-field:value`, `-(group)`) becomes `NOT word`, and
  `+word` is left for the index's parser, which marks the clause as required; a
  hyphen inside a word (kim-putin, al-Qaeda, 2023-09-13) is no sign;
- a phrase typed in quotes and a field clause get a `+` too: only free words are
  relaxed when few documents have them all (`most_words_needed`).

Nothing here imports Whoosh: `briefer.core.search.index` owns the engine.
"""

from __future__ import annotations

import calendar
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from briefer.core import paths
from briefer.core.scripts import extra_pairs
from briefer.core.search.errors import QueryError, QueryLimit, QueryTooBroad, QueryTooLong

log = logging.getLogger(__name__)

ALIASES_FILE = "aliases.tsv"
ALIASES = paths.RESOURCES / ALIASES_FILE

SORTS = ("relevance", "newest", "oldest")
FACETS = ("source", "type", "year", "month", "language", "tag")
FACET_VALUES = 60  # values of each facet a search returns by default (the window's filter lists)
# The fields a user may name, in the order the help lists them; `lang` is `language`.
USER_FIELDS = ("title", "body", "author", "source", "type", "lang", "url", "tag", "published")
_FIELD_NAMES = {*USER_FIELDS, "language"}
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})

# Guards: without them a wildcard or fuzzy word can keep Whoosh busy for seconds.
MIN_PREFIX = 2  # letters before the first * or ?
MAX_EXPANSION = 200  # different words a wildcard, fuzzy word or term range may stand for
MAX_FUZZY_DISTANCE = 2
# Guards on a query's size: a longer one is refused with its size (QueryTooLong), never cut short.
MAX_CHARS = 20_000
MAX_WORDS = 200  # words typed, phrases' words included (and pairs of Chinese, Japanese... letters)
MAX_PARTS = 600  # words, operators, fields, signs and parentheses
MAX_DEPTH = 10  # parentheses inside each other
MAX_LOOKUPS = 1000  # different words looked up in the index: variants, wildcards and fuzzy words included

DATE_HELP = (
    "write e.g. published:2023, published:2023-09, published:[2023-09-01 to 2023-09-30], "
    'published:>2023-09-01 or published:"last 30 days"'
)


# -- requests ----------------------------------------------------------------------
@dataclass(frozen=True)
class SearchRequest:
    """One search: the query and how to present its results.

    `filters` narrow the results to facet values, e.g. `(("source", "Reuters"),
    ("year", "1987"))`: values of one facet are alternatives, different facets
    must all hold.  `now` fixes "today" for relative dates (tests).
    """

    query: str
    limit: int = 20
    page: int = 1
    sort: str = "relevance"
    filters: tuple[tuple[str, str], ...] = ()
    aliases: bool = True
    facets: bool = False
    relax: bool = True  # fewer than a page with all the words: add those with most of them (a lower tier)
    now: datetime | None = None
    collapse: bool = True  # one hit per cluster of near-duplicate copies (see clusters.py)
    facet_values: int | None = FACET_VALUES  # per facet, the first ones; None: all (see FacetCounts)
    explain: bool = False  # each hit's score broken into its factors (ranking.py)

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError(f"cannot sort by '{self.sort}'; choose {', '.join(SORTS)}")
        if self.limit < 1 or self.page < 1:
            raise QueryError("the page number and the page size start at 1")
        if self.facet_values is not None and self.facet_values < 1:
            raise QueryError("a facet shows at least 1 value")
        for facet, _value in self.filters:
            if facet not in FACETS:
                raise QueryError(f"there is no facet '{facet}'; facets are {', '.join(FACETS)}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def filtered(self, facet: str, value: str) -> SearchRequest:
        """This request narrowed to one more facet value (back to page 1)."""
        return replace(self, filters=(*self.filters, (facet, value)), page=1)

    def today(self) -> date:
        return (self.now or datetime.now(UTC)).date()


class FacetCounts(dict[str, int]):
    """How many results have each value of one facet, the most frequent first (dates newest
    first), and how many more values the results have that were left out."""

    left_out: int = 0

    @classmethod
    def first(cls, counts: dict[str, int], wanted: int | None) -> FacetCounts:
        """The first `wanted` values of `counts` (all of them for None), the others counted."""
        items = list(counts.items())
        kept = cls(items if wanted is None else items[:wanted])
        kept.left_out = len(items) - len(kept)
        return kept


def most_words_needed(free_words: int) -> int | None:
    """How many of a query's `free_words` a document needs to be in the relaxed tier ("match most
    of your words"); None when there is no relaxed tier (a single word).  All but one up to four
    words (one of two, two of three, three of four), then at least two thirds (4 of 5, 4 of 6,
    5 of 7, 6 of 9)."""
    if free_words < 2:
        return None
    if free_words <= 4:
        return free_words - 1
    return -(-2 * free_words // 3)


def label_key(value: str) -> str:
    """How source types and tags are indexed and compared: lower case, words joined by '-'."""
    return "-".join(re.findall(r"[^\W_]+", value.lower()))


def language_key(value: str) -> str:
    """The primary language subtag, lower case: 'en-US' -> 'en'."""
    return label_key(value).partition("-")[0]


# -- dates -----------------------------------------------------------------------
_ISO = re.compile(
    r"(\d{4})(?:[-/.]?(\d{2})(?:[-/.]?(\d{2}))?)?"
    r"(?:[t ]\d{1,2}(?::?\d{2}){0,2}(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
_UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month"}
_UNITS |= {"months": "month", "year": "year", "years": "year"}
_UNIT = r"(days?|weeks?|months?|years?)"
_ROLLING = re.compile(rf"(?:last|past)\s+(\d+\s+)?{_UNIT}")
_AGO = re.compile(rf"(\d+)\s+{_UNIT}\s+ago")
_CALENDAR = re.compile(r"(this|previous|prior)\s+(week|month|year)")
_OPEN_WORDS = (
    ("since ", ">="),
    ("from ", ">="),
    ("after ", ">"),
    ("before ", "<"),
    ("until ", "<="),
    ("till ", "<="),
    ("through ", "<="),
    ("up to ", "<="),
)
_TO = re.compile(r"(?:^|\s)to(?:\s|$)")

Span = tuple[date | None, date | None]


def date_span(expression: str, today: date) -> Span:
    """The first and last day (inclusive) that a date expression covers; None for an open end.

    Reads ISO dates at any precision (2023, 2023-09, 2023-09-13, 20230913),
    ranges ([a to b], {a to b} without the ends, "between a and b", "a to b"),
    comparisons (>a, >=a, <a, <=a, "since a", "after a", "before a", "until a"),
    rolling periods ("last 30 days", "past 2 weeks", "last year"), calendar
    periods ("this month", "previous year"), "today", "yesterday", "3 weeks ago",
    and written dates ("13 September 2023", "sept 2023") through dateparser.
    A date before year 1 or after 9999 ("last 99999999999 years", ">9999-12-31")
    is a QueryError like any date that cannot be read.
    """
    try:
        return _date_span(expression, today)
    except QueryError:
        raise
    except (OverflowError, ValueError):  # from date arithmetic, int() or dateparser: past the calendar
        raise QueryError(
            f"the date '{expression.strip()}' is outside the calendar (years 1 to 9999); {DATE_HELP}"
        ) from None


def _date_span(expression: str, today: date) -> Span:
    text = " ".join(expression.strip().strip('"').split()).lower()
    if not text:
        raise QueryError(f"the date is empty; {DATE_HELP}")
    first: date | None
    last: date | None
    if bracket := re.fullmatch(r"([\[{])(.*)([\]}])", text):
        parts = _TO.split(bracket.group(2).strip(), maxsplit=1)
        if len(parts) != 2:
            raise QueryError("a date range needs 'to' between its ends, e.g. [2023-09-01 to 2023-09-30]")
        low, high = (p.strip() for p in parts)
        if not low and not high:
            raise QueryError(f"the date range [{bracket.group(2)}] has no ends; {DATE_HELP}")
        first = _edge(low, today, exclusive=bracket.group(1) == "{", lower=True)
        last = _edge(high, today, exclusive=bracket.group(3) == "}", lower=False)
    elif comparison := re.fullmatch(r"([<>]=?)\s*(.+)", text):
        first, last = _compare(comparison.group(1), comparison.group(2), today)
    elif between := re.fullmatch(r"between\s+(.+?)\s+and\s+(.+)", text):
        first = _point(between.group(1), today)[0]
        last = _point(between.group(2), today)[1]
    elif opener := next((op for word, op in _OPEN_WORDS if text.startswith(word)), None):
        rest = text.split(" ", 2)[2] if text.startswith("up to ") else text.split(" ", 1)[1]
        parts = _TO.split(rest, maxsplit=1) if opener == ">=" else [rest]
        if len(parts) == 2:  # "from a to b"
            first, last = _point(parts[0], today)[0], _point(parts[1], today)[1]
        else:
            first, last = _compare(opener, rest, today)
    elif len(parts := _TO.split(text, maxsplit=1)) == 2 and all(p.strip() for p in parts):
        first, last = _point(parts[0], today)[0], _point(parts[1], today)[1]
    else:
        first, last = _point(text, today)
    if first is not None and last is not None and first > last:
        raise QueryError(f"the date range '{expression.strip()}' ends before it starts")
    return first, last


def _edge(text: str, today: date, *, exclusive: bool, lower: bool) -> date | None:
    if not text:
        return None
    first, last = _point(text, today)
    if lower:
        return (last + timedelta(days=1)) if exclusive and last else first
    return (first - timedelta(days=1)) if exclusive and first else last


def _compare(operator: str, text: str, today: date) -> Span:
    first, last = _point(text, today)
    if operator == ">=":
        return first, None
    if operator == ">":
        return (last + timedelta(days=1)) if last else None, None
    if operator == "<=":
        return None, last
    return None, (first - timedelta(days=1)) if first else None


def _point(text: str, today: date) -> tuple[date, date]:
    """The days one date expression covers: a day, a month, a year, or a period up to today."""
    text = text.strip()
    if iso := _ISO.fullmatch(text):
        return _iso_span(text, iso)
    if text == "today":
        return today, today
    if text == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if rolling := _ROLLING.fullmatch(text):
        count = int(rolling.group(1) or 1)
        return _shift(today, _UNITS[rolling.group(2)], -count), today
    if ago := _AGO.fullmatch(text):
        day = _shift(today, _UNITS[ago.group(2)], -int(ago.group(1)))
        return day, day
    if period := _CALENDAR.fullmatch(text):
        return _calendar(period.group(1), period.group(2), today)
    if text.isdigit() or not re.search(r"[a-z]", text):
        raise QueryError(f"cannot read the date '{text}'; {DATE_HELP}")
    return _written_date(text, today)


def _iso_span(text: str, match: re.Match[str]) -> tuple[date, date]:
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day is not None:
            value = date(year, int(month or 1), int(day))
            return value, value
        if month is not None:
            days = calendar.monthrange(year, int(month))[1]
            return date(year, int(month), 1), date(year, int(month), days)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise QueryError(f"'{text}' is not a real date; {DATE_HELP}") from None


def _shift(day: date, unit: str, count: int) -> date:
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    months = day.year * 12 + day.month - 1 + count * (12 if unit == "year" else 1)
    year, month = divmod(months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _calendar(which: str, unit: str, today: date) -> tuple[date, date]:
    if unit == "week":
        start = today - timedelta(days=today.weekday())
    elif unit == "month":
        start = today.replace(day=1)
    else:
        start = today.replace(month=1, day=1)
    if which == "this":
        return start, today
    previous = _shift(start, unit, -1)
    return previous, start - timedelta(days=1)


def _written_date(text: str, today: date) -> tuple[date, date]:
    data = _date_parser().get_date_data(text)
    found = data["date_obj"] if data else None
    if found is None:
        raise QueryError(f"cannot read the date '{text}'; {DATE_HELP}")
    day = found.date()
    period = data["period"]
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day, day


@functools.lru_cache(maxsize=1)
def _date_parser() -> Any:
    """dateparser, loaded on first use: English only, which also keeps its start-up short."""
    import dateparser  # type: ignore[import-untyped]

    return dateparser.DateDataParser(
        languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False},
    )


def date_token(first: date | None, last: date | None) -> str:
    """The token `prepare` writes for a day range, read back by `read_date_token`."""
    low = first.toordinal() if first else 1
    high = last.toordinal() if last else date.max.toordinal()
    return f"D{low}_{high}"


_DATE_TOKEN = re.compile(r"d(\d+)_(\d+)", re.IGNORECASE)


def read_date_token(token: str) -> tuple[int, int] | None:
    """(first, last) proleptic ordinals from a `date_token`, or None when `token` is not one."""
    match = _DATE_TOKEN.fullmatch(token)
    return (int(match.group(1)), int(match.group(2))) if match else None


# -- aliases -----------------------------------------------------------------------
def alias_words(text: str) -> tuple[str, ...]:
    """The words an alias is matched on: lower case, punctuation between them ignored."""
    return tuple(re.findall(r"[^\W_]+", text.lower()))


@dataclass(frozen=True)
class AliasExpansion:
    """A word or phrase of the query that was searched together with its variants."""

    written: str
    variants: tuple[str, ...]  # the others that were searched for too

    def describe(self) -> str:
        return f"{self.written} = {' | '.join(self.variants)}"


@dataclass(frozen=True)
class AliasTable:
    """Groups of names for the same thing; see resources/aliases.tsv."""

    groups: tuple[tuple[str, ...], ...] = ()
    _index: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str, origin: str = "aliases") -> AliasTable:
        groups: list[tuple[str, ...]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            variants: list[str] = []
            seen: set[tuple[str, ...]] = set()
            for variant in (v.strip() for v in line.split("\t")):
                key = alias_words(variant)
                if key and key not in seen and '"' not in variant:
                    seen.add(key)
                    variants.append(variant)
            if len(variants) < 2:
                log.warning(
                    "%s line %d ignored: expected two or more names separated by tabs", origin, number
                )
                continue
            groups.append(tuple(variants))
        return cls.of(groups)

    @classmethod
    def of(cls, groups: Iterable[Sequence[str]]) -> AliasTable:
        merged: list[list[str]] = []
        index: dict[tuple[str, ...], int] = {}
        for group in groups:
            keys = [alias_words(v) for v in group]
            target = next((index[k] for k in keys if k in index), None)
            if target is None:
                target = len(merged)
                merged.append([])
            for variant, key in zip(group, keys, strict=True):
                if key and key not in index:
                    index[key] = target
                    merged[target].append(variant)
        return cls(tuple(tuple(g) for g in merged), index)

    @classmethod
    def load(cls, *files: Path) -> AliasTable:
        """The groups of every file that exists, merged (a later file adds variants to a group)."""
        groups: list[tuple[str, ...]] = []
        for path in files:
            try:
                groups += cls.parse(path.read_text(encoding="utf-8"), str(path)).groups
            except FileNotFoundError:
                continue
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("cannot read the aliases in %s: %s", path, exc)
        return cls.of(groups)

    @functools.cached_property
    def longest(self) -> int:
        return max((len(k) for k in self._index), default=0)

    def variants(self, words: tuple[str, ...]) -> tuple[str, ...] | None:
        found = self._index.get(words)
        return self.groups[found] if found is not None else None


# -- preparing a query ----------------------------------------------------------------
@dataclass(frozen=True)
class PreparedQuery:
    """What the index parses, and what the user should be told about it."""

    text: str
    expansions: tuple[AliasExpansion, ...] = ()
    # Plain words as typed, with their span in the original query: spelling suggestions replace them.
    words: tuple[tuple[int, int, str], ...] = ()


_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<field>(?<![\w.:/])[A-Za-z_]\w*:(?!//))
    |(?P<phrase>"[^"]*"(?P<suffix>(?:~\d+)?(?:\^\d+(?:\.\d+)?)?))
    |(?P<range>[\[{][^\]}]*[\]}])
    |(?P<cmp>[<>]=?)
    |(?P<open>\()
    |(?P<close>\))
    |(?P<sign>(?<![^\s(])[+-](?=[^\s+\-)]))  # -word, +word: at a word's start only (kim-putin is one word)
    |(?P<word>[^\s()"\w]+(?=[A-Za-z_]\w*:)|[^\s()"]+)""",  # "@title:" is "@" then a field
    re.VERBOSE,
)
_SIGNABLE = frozenset({"word", "phrase", "phrase~", "field", "open"})
_PLAIN_WORD = re.compile("[^\\W_][\\w'\u2019.-]*")
_GLUED_DATE_FIELD = re.compile(r"published:", re.IGNORECASE)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    plain: bool = False  # a word that can be part of an alias or a spelling suggestion


def _tokens(text: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group()
        if kind == "phrase" and match.group("suffix"):
            kind = "phrase~"  # with a slop or a boost: never expanded
        plain = kind == "word" and value not in OPERATORS and bool(_PLAIN_WORD.fullmatch(value))
        out.append(_Token(kind, value, match.start(), plain))
    return out


def prepare(text: str, *, aliases: AliasTable | None, today: date) -> PreparedQuery:
    """Rewrite `text` for the index's parser (see the module docstring); raises QueryError
    (QueryTooLong for a query beyond MAX_CHARS, MAX_WORDS, MAX_PARTS or MAX_DEPTH)."""
    if len(text) > MAX_CHARS:  # before anything reads it whole
        raise QueryTooLong(
            f"the query has {len(text):,} characters; a query may have at most {MAX_CHARS:,}",
            limit=QueryLimit.CHARACTERS,
            size=len(text),
            allowed=MAX_CHARS,
        )
    problem = syntax_problem(text)
    if problem:
        raise QueryError(problem)
    # A lone surrogate (pasted from a broken source) has no UTF-8 form, which index terms need.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    tokens = _tokens(text)
    _check_size(tokens)
    return _Preparer(tokens, aliases or AliasTable(), today).run()


def _check_size(tokens: list[_Token]) -> None:
    """Refuse a query too long or too deeply nested to answer quickly (each step after this one
    takes time in proportion to the query's size, Whoosh's parser recursion to its depth)."""
    words = parts = depth = deepest = 0
    for token in tokens:
        if token.kind == "ws":
            continue
        parts += 1
        if token.kind in ("word", "phrase", "phrase~") and token.text not in OPERATORS:
            text = _SUFFIX.sub("", token.text)
            words += len(alias_words(text)) + extra_pairs(text)  # kim-jong-un: 3, 中华人民: 3, as searched
        depth += {"open": 1, "close": -1}.get(token.kind, 0)
        deepest = max(deepest, depth)
    if words > MAX_WORDS:
        raise QueryTooLong(
            f"the query has {words:,} words; a query may have at most {MAX_WORDS:,}",
            limit=QueryLimit.WORDS,
            size=words,
            allowed=MAX_WORDS,
        )
    if deepest > MAX_DEPTH:
        raise QueryTooLong(
            f"the query nests parentheses {deepest:,} deep; a query may nest them at most {MAX_DEPTH} deep",
            limit=QueryLimit.DEPTH,
            size=deepest,
            allowed=MAX_DEPTH,
        )
    if parts > MAX_PARTS:
        raise QueryTooLong(
            f"the query has {parts:,} words, operators and brackets; a query may have at most {MAX_PARTS:,}",
            limit=QueryLimit.PARTS,
            size=parts,
            allowed=MAX_PARTS,
        )


_SUFFIX = re.compile(r"(?:~\d*|\^[\d.]*)+$")  # a fuzzy word's or a boost's numbers are no words


class _Preparer:
    def __init__(self, tokens: list[_Token], aliases: AliasTable, today: date) -> None:
        self.tokens = tokens
        self.aliases = aliases
        self.today = today
        self.out: list[str] = []
        self.expansions: list[AliasExpansion] = []
        self.words: list[tuple[int, int, str]] = []

    def run(self) -> PreparedQuery:
        i = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            if token.kind == "field":
                self._mark_required()
                i = self._field(i)
            elif token.kind == "sign":
                i = self._signed(i)
            elif token.plain:
                i = self._words(i)
            elif token.kind == "phrase":
                self._mark_required()
                self.out.append(self._expanded_phrase(token))
                i += 1
            else:
                if token.kind == "word" and _GLUED_DATE_FIELD.search(token.text):
                    # The index's parser would read a date field here that was never checked.
                    raise QueryError(f"put a space before published: ({token.text}); {DATE_HELP}")
                if token.kind == "phrase~":
                    self._mark_required()
                self.out.append(token.text)
                i += 1
        return PreparedQuery("".join(self.out), tuple(self.expansions), tuple(self.words))

    def _mark_required(self) -> None:
        """`+` before a phrase or a field clause: they always match, even in the relaxed tier that
        asks for most of the free words only (the `+` changes nothing where every clause is
        required).  Only where the parser reads `+` as a sign: at the start, after a space or `(`."""
        last = next((piece[-1] for piece in reversed(self.out) if piece), "")
        if last in ("", "(") or last.isspace():
            self.out.append("+")

    # -word and +word ------------------------------------------------------------------
    def _signed(self, i: int) -> int:
        """`-` (exclude) or `+` (require) and the word, phrase, field or group it marks.

        `-` becomes NOT; `+` stays for the index's parser, which marks the clause as
        required (every word is required anyway; the relaxed tier keeps a + clause).
        A word after a sign stands alone: `-north korea` excludes "north" only.
        """
        sign, marked = self.tokens[i], self.tokens[i + 1] if i + 1 < len(self.tokens) else None
        if marked is None or marked.kind not in _SIGNABLE or marked.text in OPERATORS:
            self.out.append(sign.text)  # "- 5", "-)": not a sign, read as before
            return i + 1
        self.out.append("NOT " if sign.text == "-" else "+")
        if marked.kind == "field":
            return self._field(i + 1)
        if marked.plain:
            return self._words(i + 1, limit=i + 2)
        if marked.kind == "phrase":
            self.out.append(self._expanded_phrase(marked))
            return i + 2
        return i + 1  # a group, a proximity phrase or another word: read as usual

    # A field and its value ----------------------------------------------------------
    def _field(self, i: int) -> int:
        name = self.tokens[i].text[:-1]
        lower = "language" if name.lower() == "lang" else name.lower()
        if lower not in _FIELD_NAMES:
            self.out.append(self.tokens[i].text)  # the index explains unknown fields
            return i + 1
        value_end = self._value_end(i + 1)
        value = self.tokens[i + 1 : value_end]
        raw = "".join(t.text for t in value)
        if lower == "published":
            if not value or value[0].kind == "open":
                raise QueryError(f"published: takes one date or range; {DATE_HELP}")
            first, last = date_span(raw, self.today)
            self.out.append(f"published:{date_token(first, last)}")
        elif lower in ("type", "tag", "language") and value and value[0].kind != "open":
            key = language_key if lower == "language" else label_key
            self.out.append(f"{lower}:{key(raw.strip(chr(34))) or raw}")
        elif lower in ("type", "tag", "language"):  # a group: normalize each word in it
            self.out.append(f"{lower}:")
            key = language_key if lower == "language" else label_key
            for t in value:
                if t.plain or (t.kind == "phrase" and key(t.text)):
                    self.out.append(key(t.text))
                else:
                    self.out.append(t.text)
        elif lower in ("title", "body") and len(value) == 1 and value[0].plain:
            self.out.append(f"{lower}:")
            self._words(i + 1, limit=value_end)
        elif lower in ("title", "body") and value and value[0].kind == "open":
            self.out.append(f"{lower}:")
            return i + 1  # the group's words are read as usual
        else:
            self.out.append(f"{lower}:" + raw)
        return value_end

    def _value_end(self, i: int) -> int:
        """Where the value that starts at token `i` ends (a word, phrase, range, comparison or group)."""
        if i >= len(self.tokens) or self.tokens[i].kind in ("ws", "close"):
            return i
        kind = self.tokens[i].kind
        if kind == "cmp":
            return min(i + 2, len(self.tokens)) if i + 1 < len(self.tokens) else i + 1
        if kind == "open":
            depth = 0
            for j in range(i, len(self.tokens)):
                depth += {"open": 1, "close": -1}.get(self.tokens[j].kind, 0)
                if depth == 0:
                    return j + 1
            return len(self.tokens)
        return i + 1

    # Words and aliases ---------------------------------------------------------------
    def _words(self, i: int, limit: int | None = None) -> int:
        """Copy a run of plain words starting at token `i`, expanding aliases; returns the next token."""
        end = len(self.tokens) if limit is None else limit
        run = [self.tokens[i]]
        j = i + 1
        while j + 1 < end and self.tokens[j].kind == "ws" and self.tokens[j + 1].plain:
            run.append(self.tokens[j + 1])
            j += 2
        self.words += [(t.start, t.start + len(t.text), t.text) for t in run]
        self.out.append(self._expanded_run(run))
        return j

    def _expanded_run(self, run: list[_Token]) -> str:
        pieces: list[str] = []
        k = 0
        while k < len(run):
            # Each token holds at least one alias word: a run longer than the longest alias cannot
            # be one, so only that many tokens are tried at each start (else a query's cost grows
            # with the cube of its length).
            for length in range(min(len(run) - k, self.aliases.longest), 0, -1):
                written = " ".join(t.text for t in run[k : k + length])
                words = alias_words(written)
                if len(words) > self.aliases.longest:
                    continue
                group = self.aliases.variants(words) if words else None
                if group:
                    pieces.append(self._group(written, words, group, phrase=length > 1 or len(words) > 1))
                    k += length
                    break
            else:
                pieces.append(run[k].text)
                k += 1
        return " ".join(pieces)

    def _expanded_phrase(self, token: _Token) -> str:
        inner = token.text[1:-1]
        words = alias_words(inner)
        group = self.aliases.variants(words) if words and len(words) <= self.aliases.longest else None
        return self._group(inner, words, group, phrase=True) if group else token.text

    def _group(self, written: str, words: tuple[str, ...], group: tuple[str, ...], *, phrase: bool) -> str:
        others = tuple(v for v in group if alias_words(v) != words)
        self.expansions.append(AliasExpansion(written, others))
        first = f'"{written}"' if phrase else written
        return "(" + " OR ".join([first, *(_quoted(v) for v in others)]) + ")"


def _quoted(variant: str) -> str:
    if re.fullmatch(r"[^\W_]+", variant) and variant not in OPERATORS:
        return variant
    return f'"{variant}"'


def syntax_problem(text: str) -> str:
    """What is wrong with the query's quotes, brackets and fields, in words; '' when nothing."""
    if not text.strip():
        return "the query is empty"
    if text.count('"') % 2:
        return 'a quotation mark is not closed: add the missing " to end the phrase'
    unquoted = re.sub(r'"[^"]*"', '""', text)
    depth = 0
    for char in unquoted:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "a closing parenthesis ')' has no opening '('"
    if depth:
        return "a parenthesis '(' is not closed"
    if unquoted.count("[") + unquoted.count("{") != unquoted.count("]") + unquoted.count("}"):
        return "a date range needs both brackets, e.g. published:[2023-09-01 to 2023-09-30]"
    for match in _FIELD_USE.finditer(unquoted):
        problem = field_problem(match.group(1))
        if problem:
            return problem
    return ""


_FIELD_USE = re.compile(r"(?<![\w/.:])([A-Za-z_]\w*):(?!//)")


def field_problem(name: str) -> str:
    """The explanation for a field the query language does not have ('' when it has it)."""
    if name in _FIELD_NAMES or name.lower() in _FIELD_NAMES:
        return ""
    return f"there is no field '{name}'; fields are {', '.join(USER_FIELDS)}"


def calendar_span(value: str) -> tuple[int, int]:
    """The days of a year ('1987') or month ('1987-03') facet value."""
    try:
        if len(value) == 4:
            year = int(value)
            return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        year, month = int(value[:4]), int(value[5:7])
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        return start.toordinal(), end.toordinal() - 1
    except ValueError:
        raise QueryError(f"'{value}' is not a year (1987) or a month (1987-03)") from None


__all__ = [
    "FACETS",
    "SORTS",
    "AliasExpansion",
    "AliasTable",
    "FacetCounts",
    "PreparedQuery",
    "QueryError",
    "QueryTooBroad",
    "QueryTooLong",
    "SearchRequest",
    "calendar_span",
    "date_span",
    "label_key",
    "language_key",
    "most_words_needed",
    "prepare",
    "syntax_problem",
]
