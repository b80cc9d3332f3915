"""A query parsed by Whoosh's parser (the same tree the Whoosh engine evaluates), compiled to SQL.

The SQL is a condition on one row `d` of `search_docs`: words and phrases of the title are
`d.title @@ tsquery`, of the body a look-up in `search_parts` (a phrase matches within one part;
parts overlap, see _pg_write.py), outlet, author and address words `d.names @@ tsquery`, labels,
tags and dates plain columns.  A proximity search "a b"~N becomes the alternatives of its words'
arrangements (`<1>`..`<N>`, in both orders, as Whoosh's cluster reads it), refused beyond
`MAX_ARRANGEMENTS`.  Wildcards and fuzzy words are expanded from the engine's term table, with
the Whoosh engine's limits and messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from psycopg import sql
from whoosh import query

from briefer.core.search._pg_write import quote_lexeme
from briefer.core.search.errors import QueryError, QueryTooBroad
from briefer.core.search.index import DayRange, Required
from briefer.core.search.query import MAX_EXPANSION, MAX_FUZZY_DISTANCE, MAX_LOOKUPS, MIN_PREFIX
from briefer.core.search.spelling import edit_distance

TEXT_FIELDS = ("title", "body")
NAME_FIELDS = ("source", "author", "url")
MAX_ARRANGEMENTS = 200  # tsquery alternatives a proximity search may stand for

Terms = set[tuple[str, ...]]
# (field, pattern kind, pattern, lengths or None) -> the terms of the field it stands for, of those
# lengths (looked up in the database)
Expand = Callable[[str, str, str, tuple[int, int] | None], list[str]]


@dataclass
class Compiled:
    """What compiling a query found besides its SQL: the words to highlight, the words to score
    (field, term), and the terms each wildcard or fuzzy word stands for (by node id)."""

    terms: Terms = field(default_factory=set)
    scored: set[tuple[str, str]] = field(default_factory=set)
    expansions: dict[int, list[str]] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)


class Compiler:
    """Compiles one parsed query (see the module docstring); `expand` looks terms up."""

    def __init__(self, expand: Expand) -> None:
        self._expand = expand
        self.found = Compiled()

    # -- the condition -------------------------------------------------------------------
    def matches(self, q: Any) -> Where:
        """The condition on `d` that `q` stands for, in its two forms (see `Where`)."""
        return Where.of(self._condition(q, True))

    def _condition(self, q: Any, positive: bool) -> Condition:
        if isinstance(q, Required):
            return self._condition(q.child, positive)
        if isinstance(q, query.Term):
            return self._term(q, positive)
        if isinstance(q, query.Phrase):
            return self._phrase(q, positive)
        if isinstance(q, query.And):
            return _all([self._condition(c, positive) for c in q.subqueries])
        if isinstance(q, query.Or):  # DisjunctionMax too
            return self._any(q, [self._condition(c, positive) for c in q.subqueries])
        if isinstance(q, query.Not):
            return _not(self._condition(q.query, not positive))
        if isinstance(q, query.AndNot):
            kept = self._condition(q.a, positive)
            return Formed("({} AND {})", (kept, _not(self._condition(q.b, not positive))), "and")
        if isinstance(q, query.AndMaybe):
            required = self._condition(q.a, positive)
            self._condition(q.b, positive)  # scored and highlighted, not required
            return required
        if isinstance(q, query.Require):
            return _all([self._condition(q.a, positive), self._condition(q.b, positive)])
        if isinstance(q, DayRange):
            return sql.SQL("(d.day BETWEEN {} AND {})").format(sql.Literal(q.first), sql.Literal(q.last))
        if isinstance(q, query.Every):
            return sql.SQL("true")
        if isinstance(q, query.MultiTerm):
            return self._multi(q, positive)
        if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
            return sql.SQL("false")
        raise QueryError(f"this part of the query cannot be searched in the team archive: {q}")

    def relaxed(self, q: Any, needed: Callable[[int], int | None]) -> Where | None:
        """The condition of the relaxed tier (see `SearchEngine.search`): most but not all of the
        free words, every other clause as in `q`; None when `q` has no relaxed tier."""
        children = list(q.subqueries) if isinstance(q, query.And) else [q]
        free = [c for c in children if is_free_word(c)]
        least = needed(len(free))
        if least is None:
            return None
        found = [self._condition(c, True) for c in free]
        counted = " + ".join(["coalesce({}, false)::int"] * len(found))
        conditions: list[Condition] = [
            Formed(f"(({counted}) BETWEEN {least} AND {len(free) - 1})", tuple(found))
        ]
        if all(isinstance(c, Atom) for c in found):  # any of the words: what the index finds fast
            conditions.append(Atom.either([c for c in found if isinstance(c, Atom)]))
        conditions += [self._condition(c, True) for c in children if not is_free_word(c)]
        return Where.of(_all(conditions))

    def _any(self, q: Any, parts: list[Condition]) -> Condition:
        if parts and all(isinstance(p, Atom) for p in parts):
            return Atom.either([p for p in parts if isinstance(p, Atom)])
        if not parts:
            return sql.SQL("false")
        return Formed("(" + " OR ".join(["{}"] * len(parts)) + ")", tuple(parts), "or")

    # -- leaves ----------------------------------------------------------------------------
    def _term(self, q: Any, positive: bool) -> Condition:
        fieldname, text = q.fieldname, str(q.text)
        self._look_up([text])
        if fieldname in TEXT_FIELDS:
            if positive:
                self.found.terms.add((text,))
            self.found.scored.add((fieldname, text))
            return Atom.of_field(
                quote_lexeme(text), self.text_match(fieldname, quote_lexeme(text)), fieldname
            )
        if fieldname in NAME_FIELDS:
            return self._names(quote_lexeme(f"{fieldname}:{text}"))
        if fieldname in ("type", "language"):
            return sql.SQL("(d.{} = {})").format(sql.Identifier(fieldname), sql.Literal(text))
        if fieldname == "tag":
            return sql.SQL("(d.tags @> ARRAY[{}]::text[])").format(sql.Literal(text))
        raise QueryError(f"the field '{fieldname}' cannot be searched in the team archive")

    def _phrase(self, q: Any, positive: bool) -> Condition:
        words = [str(w) for w in q.words]
        if not words:
            return sql.SQL("false")
        self._look_up(words)
        fieldname = q.fieldname
        if fieldname in TEXT_FIELDS:
            if positive:
                self.found.terms.update(highlighted(words, q.slop))
            self.found.scored.update((fieldname, w) for w in words)
            lexemes = words
        elif fieldname in NAME_FIELDS:
            lexemes = [f"{fieldname}:{w}" for w in words]
        else:
            raise QueryError(f"the field '{fieldname}' has no word positions: search it for single words")
        tsquery = phrase_tsquery(lexemes, q.slop, shown=_shown_phrase(words, q.slop))
        if fieldname not in TEXT_FIELDS:
            return self._names(tsquery)
        # Every word in the document first (one look-up in its word list), then the phrase in a part.
        having = " & ".join(quote_lexeme(w) for w in words)
        return _all([Atom(having, sql.SQL("true")), self.text_match(fieldname, tsquery)])

    def text_match(self, fieldname: str, tsquery: str) -> sql.Composable:
        if fieldname == "title":
            return sql.SQL("(d.title @@ {}::tsquery)").format(sql.Literal(tsquery))
        # Each document the other conditions (words, dates, filters) left is probed by its key: a
        # plain IN or EXISTS is planned as a hashed list of every part with the words, in any year.
        return sql.SQL(
            "(SELECT bool_or(p.body @@ {}::tsquery) FROM search_parts p WHERE p.doc_id = d.doc_id)"
        ).format(sql.Literal(tsquery))

    def _names(self, tsquery: str) -> sql.Composable:
        return sql.SQL("(d.names @@ {}::tsquery)").format(sql.Literal(tsquery))

    def _multi(self, q: Any, positive: bool) -> Condition:
        if q.fieldname not in TEXT_FIELDS:
            raise QueryError(
                f"'{_pattern(q)}': wildcards and fuzzy words are searched in titles and text only"
            )
        terms = self.expand(q)
        self.found.expansions[id(q)] = terms
        self._look_up(terms)
        if positive:
            self.found.terms.update((t,) for t in terms)
        self.found.scored.update((q.fieldname, t) for t in terms)
        if not terms:
            return sql.SQL("false")
        tsquery = " | ".join(quote_lexeme(t) for t in terms)
        return Atom.of_field(tsquery, self.text_match(q.fieldname, tsquery), q.fieldname)

    def expand(self, q: Any) -> list[str]:
        """The terms a wildcard or fuzzy word stands for, guarded as the Whoosh engine guards them."""
        shown = _pattern(q)
        text = str(q.text)
        if isinstance(q, query.Prefix | query.Wildcard):
            literal = (
                len(text)
                if isinstance(q, query.Prefix)
                else min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=len(text))
            )
            if literal < MIN_PREFIX:
                raise QueryTooBroad(
                    f"'{shown}' is too broad: put at least {MIN_PREFIX} letters before a * or ?", word=shown
                )
            kind = "prefix" if isinstance(q, query.Prefix) else "wildcard"
            found = self._expand(q.fieldname, kind, text, None)
        elif isinstance(q, query.FuzzyTerm):
            if q.maxdist > MAX_FUZZY_DISTANCE:
                raise QueryTooBroad(
                    f"'{shown}' allows {q.maxdist} typing errors; at most {MAX_FUZZY_DISTANCE} are searched",
                    word=shown,
                )
            start = text[: max(1, q.prefixlength)]
            found = [
                t
                for t in self._expand(
                    q.fieldname, "prefix", start, (len(text) - q.maxdist, len(text) + q.maxdist)
                )
                if edit_distance(text, t, q.maxdist) <= q.maxdist
            ]
        else:
            raise QueryError(f"'{shown}': this kind of range cannot be searched in the team archive")
        if len(found) > MAX_EXPANSION:
            examples = ", ".join(found[:4])
            raise QueryTooBroad(
                f"'{shown}' stands for more than {MAX_EXPANSION} different words ({examples}, ...); "
                "type more letters or search for whole words",
                word=shown,
            )
        return found

    def _look_up(self, words: Iterable[str]) -> None:
        seen = self.found.looked_up
        seen.update(words)
        if len(seen) > MAX_LOOKUPS:
            raise QueryTooBroad(
                f"the query stands for more than {MAX_LOOKUPS:,} different words (name variants, "
                "wildcards and fuzzy words included); use fewer words, or more letters before a * or ?"
            )


@dataclass(frozen=True)
class Atom:
    """A condition on the document's words that its word list (`d.words`: the title's and body's
    words, without positions) answers with one index look-up, `tsquery`; `exact` says the same
    from the fields' own columns, for documents with too many different words to list (their
    `d.words` is NULL).  `field` is "" when the word list says exactly what the condition says;
    "title" or "body" (or "mixed") when it only finds the candidates, a word of one field being
    in the list whatever its field, and `check` (the fields' own columns) decides among them."""

    tsquery: str
    exact: sql.Composable
    field: str = ""
    check: sql.Composable | None = None

    @staticmethod
    def of_field(tsquery: str, exact: sql.Composable, fieldname: str) -> Atom:
        """Words of one field: the list finds the candidates, the field's column decides."""
        return Atom(tsquery, exact, fieldname, exact)

    def listed(self) -> sql.Composable:
        """The condition for a document with a word list."""
        found = sql.SQL("d.words @@ {}::tsquery").format(sql.Literal(self.tsquery))
        return found if self.check is None else sql.SQL("({} AND {})").format(found, self.check)

    @staticmethod
    def both(atoms: list[Atom]) -> Atom:
        exact = _all_sql([a.exact for a in atoms])
        checks = [a.check for a in atoms if a.check is not None]
        check = _all_sql(checks) if checks else None
        return Atom(" & ".join(f"({a.tsquery})" for a in atoms), exact, _listed(atoms), check)

    @staticmethod
    def either(atoms: list[Atom]) -> Atom:
        # A word in the title or in the body is a word of the list: exact again.
        fields: dict[str, set[str]] = {}
        for atom in atoms:
            fields.setdefault(atom.tsquery, set()).add(atom.field)
        merged: dict[str, Atom] = {}
        for atom in atoms:
            found = merged.get(atom.tsquery)
            exact = atom.exact if found is None else _any_sql([found.exact, atom.exact])
            whole = {"title", "body"} <= fields[atom.tsquery] or "" in fields[atom.tsquery]
            if whole:
                merged[atom.tsquery] = Atom(atom.tsquery, exact)
            else:  # (a word of one field has a check: only those of "" have none)
                checks = [c for c in (found.check if found else None, atom.check) if c is not None]
                merged[atom.tsquery] = Atom(atom.tsquery, exact, _listed(atoms), _any_sql(checks))
        kept = list(merged.values())
        if len(kept) == 1:
            return kept[0]
        exact = _any_sql([a.exact for a in kept])
        check = _any_sql([a.listed() for a in kept]) if any(a.check is not None for a in kept) else None
        return Atom(" | ".join(f"({a.tsquery})" for a in kept), exact, _listed(kept), check)


@dataclass(frozen=True)
class Formed:
    """A condition made of others, written out once the form is chosen (see `render`):
    `template` has a `{}` for each of `parts`; `joins` says whether every part must hold ("and")
    or one of them ("or"), which tells whether the whole needs a word list (`needs_list`)."""

    template: str
    parts: tuple[Condition, ...]
    joins: str = ""


Condition = sql.Composable | Atom | Formed

# The forms of a condition: for the documents with a word list, for those without.
LISTED, UNLISTED = "listed", "unlisted"


def render(condition: Condition, form: str) -> sql.Composable:
    """`condition` as SQL in one of its forms: LISTED for the documents with a word list, which
    the list's index answers (no column is read again for each match); UNLISTED for those without,
    from the fields' own columns."""
    if isinstance(condition, Formed):
        return sql.SQL(condition.template).format(*(render(p, form) for p in condition.parts))
    if not isinstance(condition, Atom):
        return condition
    return condition.listed() if form == LISTED else condition.exact


def needs_list(condition: Condition) -> bool:
    """Whether `condition` in its LISTED form holds only for documents with a word list."""
    if isinstance(condition, Atom):
        return True
    if isinstance(condition, Formed) and condition.joins == "and":
        return any(needs_list(p) for p in condition.parts)
    if isinstance(condition, Formed) and condition.joins == "or":
        return all(needs_list(p) for p in condition.parts)
    return False


@dataclass(frozen=True)
class Where:
    """A search's condition for the documents with a word list (`listed`: nearly all of them)
    and for those without (`unlisted`).  Asked apart, each is a condition the indexes answer
    alone: in one condition for both (an OR), every match's word list would be read again."""

    listed: sql.Composable
    unlisted: sql.Composable

    @staticmethod
    def of(condition: Condition) -> Where:
        listed = render(condition, LISTED)
        if not needs_list(condition):
            listed = sql.SQL("(d.words IS NOT NULL AND {})").format(listed)
        return Where(listed, sql.SQL("(d.words IS NULL AND {})").format(render(condition, UNLISTED)))

    def narrowed(self, condition: sql.Composable) -> Where:
        """Only the matches that also meet `condition` (of any document)."""
        return Where(*(sql.SQL("({} AND {})").format(w, condition) for w in (self.listed, self.unlisted)))

    def either(self, other: Where) -> Where:
        return Where(*(sql.SQL("({} OR {})").format(a, b) for a, b in zip(self, other, strict=True)))

    def __iter__(self) -> Iterator[sql.Composable]:
        return iter((self.listed, self.unlisted))

    def rows(self, columns: sql.Composable, listed_columns: sql.Composable | None = None) -> sql.Composed:
        """The matches' `columns` (`listed_columns` for those with a word list, when they differ):
        the two kinds of documents read apart (UNION ALL)."""
        return sql.SQL(
            "SELECT {} FROM search_docs d WHERE {} UNION ALL SELECT {} FROM search_docs d WHERE {}"
        ).format(listed_columns or columns, self.listed, columns, self.unlisted)

    def count(self) -> sql.Composed:
        # Apart, a count of the listed ones reads no row whose page is all visible (the index says all).
        return sql.SQL(
            "SELECT (SELECT count(*) FROM search_docs d WHERE {})"
            " + (SELECT count(*) FROM search_docs d WHERE {})"
        ).format(self.listed, self.unlisted)


def _listed(atoms: list[Atom]) -> str:
    """The `field` of a condition made of `atoms`: "" when each is listed exactly."""
    fields = {a.field for a in atoms}
    if fields == {""}:
        return ""
    fields.discard("")
    return fields.pop() if len(fields) == 1 else "mixed"


def _all(parts: Sequence[Condition]) -> Condition:
    """Every one of `parts`: its atoms in one look-up of the word list, the rest beside it."""
    atoms = [p for p in parts if isinstance(p, Atom)]
    others: list[Condition] = [p for p in parts if not isinstance(p, Atom)]
    if atoms and not others:
        return Atom.both(atoms)
    if not parts:
        return sql.SQL("true")
    if atoms:
        others.insert(0, Atom.both(atoms))
    return Formed("(" + " AND ".join(["{}"] * len(others)) + ")", tuple(others), "and")


def _not(condition: Condition) -> Formed:
    # Unknown (NULL: no word list, no date, no type) is read as false, as a match reads it.
    return Formed("NOT coalesce({}, false)", (condition,))


def _all_sql(parts: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("({})").format(sql.SQL(" AND ").join(parts))


def _any_sql(parts: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))


def highlighted(words: list[str], slop: int) -> Terms:
    """What a phrase marks in a text: the whole phrase; a proximity search marks its words (as the
    Whoosh engine does: they may come in any order)."""
    if slop > 1:
        return {(w,) for w in words}
    return {tuple(words)}


def phrase_tsquery(lexemes: list[str], slop: int, *, shown: str = "") -> str:
    """The tsquery of a phrase (slop 1) or of a proximity search: every arrangement of the words
    that Whoosh's cluster accepts (each next word 1..slop words outside the span of those before)."""
    if len(lexemes) == 1:
        return quote_lexeme(lexemes[0])
    if slop <= 1:
        return " <-> ".join(quote_lexeme(w) for w in lexemes)
    forms = sorted({_chain(lexemes, offsets) for offsets in arrangements(len(lexemes), slop, shown)})
    return " | ".join(f"({form})" for form in forms)


def arrangements(count: int, slop: int, shown: str = "") -> list[tuple[int, ...]]:
    """The offsets (from the first word) the words of a proximity search may stand at."""
    found: list[tuple[int, ...]] = [(0,)]
    for _ in range(count - 1):
        grown = []
        for offsets in found:
            low, high = min(offsets), max(offsets)
            for gap in range(1, slop + 1):
                grown += [(*offsets, low - gap), (*offsets, high + gap)]
        found = grown
        if len(found) > MAX_ARRANGEMENTS:
            raise QueryTooBroad(
                f"{shown or 'a proximity search'} stands for more than {MAX_ARRANGEMENTS} arrangements "
                "of its words; use fewer words or a smaller number after the ~",
                word=shown,
            )
    return found


def _chain(lexemes: list[str], offsets: tuple[int, ...]) -> str:
    placed = sorted(zip(offsets, lexemes, strict=True))
    out = quote_lexeme(placed[0][1])
    for (before, _), (at, word) in pairwise(placed):
        out += f" <{at - before}> {quote_lexeme(word)}"
    return out


def _shown_phrase(words: list[str], slop: int) -> str:
    return f'"{" ".join(words)}"~{slop}' if slop > 1 else f'"{" ".join(words)}"'


def required_words(q: Any) -> set[str]:
    """The words every match of `q` has in its title or body, so in its word list: those of the
    words, phrases and AND of its top level (an OR's, when each of its alternatives has them)."""
    if isinstance(q, Required):
        return required_words(q.child)
    if isinstance(q, query.Term | query.Phrase):
        if q.fieldname not in TEXT_FIELDS:
            return set()
        return {str(q.text)} if isinstance(q, query.Term) else {str(w) for w in q.words}
    if isinstance(q, query.And):
        return set().union(*(required_words(c) for c in q.subqueries))
    if isinstance(q, query.Or):
        alternatives = [required_words(c) for c in q.subqueries]
        return set.intersection(*alternatives) if alternatives else set()
    if isinstance(q, query.AndNot | query.AndMaybe):
        return required_words(q.a)
    if isinstance(q, query.Require):
        return required_words(q.a) | required_words(q.b)
    return set()


def is_free_word(q: Any) -> bool:
    """Whether a clause of a query's top level is a free word, which the relaxed tier may leave
    out: a word (or alternatives of words) searched in titles and text, as the parser makes it
    (the Whoosh engine tells them apart in the same way)."""
    return isinstance(q, query.Or) and _text_alternatives(q)


def _text_alternatives(q: Any) -> bool:
    if isinstance(q, query.Or):
        return all(_text_alternatives(sub) for sub in q.subqueries)
    return not isinstance(q, DayRange) and q.is_leaf() and getattr(q, "fieldname", None) in TEXT_FIELDS


def _pattern(q: Any) -> str:
    if isinstance(q, query.FuzzyTerm):
        return f"{q.text}~{q.maxdist}"
    if isinstance(q, query.Prefix):
        return f"{q.text}*"
    return str(getattr(q, "text", q))


def like_pattern(kind: str, text: str) -> str:
    """A LIKE pattern for a prefix or a wildcard (* any letters, ? one)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if kind == "prefix":
        return escaped + "%"
    return escaped.replace("*", "%").replace("?", "_")


__all__ = [
    "MAX_ARRANGEMENTS",
    "Compiled",
    "Compiler",
    "Expand",
    "Where",
    "highlighted",
    "like_pattern",
    "phrase_tsquery",
    "required_words",
]
