"""The `Archive` facade opened on a team archive: `open_team_archive(location, data_dir)`.

The facade is the same object the personal archive uses, so every front end (CLI, window) reads
documents, text versions, tags, clusters, the import report and statistics, and verifies quotes,
exactly as it does at home.  What differs is made here, once:
- its catalog is the team's tables (`TeamCatalog`);
- its search engine is the server's (`PostgresIndex`, in the same database): what is pushed or
  imported is indexed there by whoever sends it (`index_waiting`);
- saved searches are the team's `saved_searches`: your own, and those others shared;
- the data folder keeps only local state for this team archive (`team-cache/<digest>`: the import
  lock and status of imports made on this machine, and their parse cache).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from psycopg.types.json import Jsonb

from briefer.core.archive import (
    Archive,
    Copies,
    FileOutcome,
    ImportLimits,
    ImportSummary,
    SavedSearch,
    SavedSearchError,
    SavedSearches,
)
from briefer.core.archive.catalog import Catalog
from briefer.core.progress import Progress, no_progress, raise_if_cancelled
from briefer.core.search import IndexBusy, QueryError
from briefer.core.team.catalog import Connection, TeamCatalog, this_machine
from briefer.core.team.connection import PasswordSource, TeamLocation
from briefer.core.team.errors import TeamError
from briefer.core.team.roles import require_role
from briefer.core.team.schema import require_current
from briefer.core.team.session import TeamSession
from briefer.core.team.transfer import PushSummary, push, record_import

if TYPE_CHECKING:
    from briefer.core.archive.clusters import ClusterStats
    from briefer.core.archive.removal import RemovalPlan
    from briefer.core.search.postgres import PostgresBatch

log = logging.getLogger(__name__)

LOCAL_STATE = "team-cache"  # the data folder's sub-folder of local state, one per team archive
_REINDEX_BATCH = 500  # documents read and sent together by `reindex`


def local_folder(data_dir: Path, location: TeamLocation) -> Path:
    """This machine's folder for a team archive's local state (and its import cache)."""
    digest = hashlib.sha256(location.display.encode()).hexdigest()[:16]
    return data_dir / LOCAL_STATE / digest


def open_team_archive(
    location: TeamLocation | str, data_dir: Path, *, password: PasswordSource | None = None
) -> Archive:
    """The archive facade on a team archive: what the window and the CLI open when a team
    archive is named.  `data_dir` is the analyst's data folder (local state only); `password`
    reads the keychain.  Raises TeamUnreachable, TeamNotInitialised or TeamSchemaTooNew."""
    where = location if isinstance(location, TeamLocation) else TeamLocation.parse(location)
    session = TeamSession(where, password=password)
    try:
        session.run(require_current)
        return TeamArchive(where, local_folder(data_dir, where), TeamCatalog(session), password=password)
    except BaseException:
        session.close()
        raise


class TeamArchive(Archive):
    """`Archive` over a team archive's tables; see the module docstring."""

    def __init__(
        self,
        location: TeamLocation,
        state_dir: Path,
        catalog: TeamCatalog,
        *,
        password: PasswordSource | None = None,
    ) -> None:
        from briefer.core.search import PostgresIndex  # loaded with the team archive only

        self.data_dir = state_dir  # made when an import from this machine first needs it
        self.location = location
        self.team_catalog = catalog
        # It implements the catalog methods the facade's reading, tagging and report paths use.
        self.catalog = cast(Catalog, catalog)
        self.index = PostgresIndex(location.conninfo, password=password, texts=self._texts)
        self._start()

    def index_waiting(
        self, *, progress: Progress = no_progress, cancel: threading.Event | None = None
    ) -> int:
        """Index the documents the server's search does not hold yet (pushed or imported since);
        returns how many.  Raises IndexBusy while another analyst's import indexes."""
        ids = self.catalog.unindexed_ids()
        if ids:  # not `new`: another analyst's push may index the same ones first, while this waits
            self._index_new(ids, new=False, progress=progress, cancel=cancel)
        return len(ids)

    def _index_lost(self) -> bool:
        """The server's search is no cache to rebuild here: what it lacks is indexed by the next
        push or import (`index_waiting`), and searches say how many wait meanwhile."""
        return False

    def reindex(self, *, progress: Progress = no_progress, cancel: threading.Event | None = None) -> int:
        """Rebuild the team's search tables (documents, parts, document frequencies, vocabulary)
        from the stored text versions, e.g. after an analyzer change; returns how many documents.

        One transaction: analysts keep searching the old rows until it commits, and a cancelled
        or killed rebuild leaves them as they were.  Imports wait for it (the writer lock), and
        documents sent while it ran are indexed before it commits.  Editors only: it rewrites what
        every analyst searches (TeamPermissionDenied for others, before anything is written)."""
        self._require("editor", "rebuilding the search index")
        done: set[str] = set()
        with self.index.batch(bulk=True) as batch:
            cast("PostgresBatch", batch).clear()
            while waiting := [i for i in self.catalog.all_ids() if i not in done]:
                total = len(done) + len(waiting)
                for start in range(0, len(waiting), _REINDEX_BATCH):
                    raise_if_cancelled(cancel)
                    chunk = waiting[start : start + _REINDEX_BATCH]
                    for doc in self.catalog.documents(chunk):
                        batch.put(doc, new=True)
                    done.update(chunk)
                    progress(len(done), total)
        return len(done)

    def copies_of(self, doc_ids: Sequence[str]) -> dict[str, Copies]:
        """As `Archive.copies_of`, an alias (a personal id the team knows under another) answered
        for the team's document: its own outlet is not one of the others."""
        team_ids = self.team_catalog.resolve(list(doc_ids))
        found = super().copies_of([team_ids.get(i, i) for i in doc_ids])
        return {i: found[team_ids.get(i, i)] for i in doc_ids}

    # -- importing: through this machine's cache --------------------------------------------
    def import_paths(
        self,
        sources: Sequence[Path],
        *,
        prune: bool = False,
        keep: frozenset[str] = frozenset(),
        exclude: frozenset[str] = frozenset(),
        progress: Progress = no_progress,
        cancel: threading.Event | None = None,
        on_outcome: Callable[[FileOutcome], None] | None = None,
        limits: ImportLimits | None = None,
        time_limit: float | None = None,
        max_size: int | None = None,
        workers: int | None = None,
    ) -> ImportSummary:
        """Import files and folders into the team archive (what the window, `feeds fetch` and
        `index --sample` do): parsed on this machine exactly as into a personal archive, into its
        cache (`data_dir`, never the personal archive), then sent (`send_imported`) and indexed for
        the team's search.  A cancelled import sends nothing; the next one sends what the cache got.
        Removing documents (`prune`) is an editor's command: `briefer --team URL index --prune`."""
        if prune:
            raise TeamError("removing documents from a team archive: briefer --team URL index --prune")
        self._require("analyst", "importing")  # a reader is refused before anything is parsed
        with Archive(self.data_dir) as cache:
            self.follow_settings(cache)
            summary = cache.import_paths(
                sources,
                exclude=exclude,
                progress=progress,
                cancel=cancel,
                on_outcome=on_outcome,
                limits=limits,
                time_limit=time_limit,
                max_size=max_size,
                workers=workers,
            )
            self.send_imported(cache, sources)
        try:
            summary.indexed = self.index_waiting(progress=progress, cancel=cancel)
        except IndexBusy:
            log.info("another analyst's import is indexing; it indexes these documents too")
        return summary

    def follow_settings(self, cache: Archive) -> None:
        """The cache clusters what it parses as the team archive does: at the threshold an editor
        set (`cluster --threshold`), or the default."""
        from briefer.core.archive.clusters import THRESHOLD_SETTING

        team_threshold = self.team_catalog.setting(THRESHOLD_SETTING)
        if team_threshold is not None and cache.catalog.setting(THRESHOLD_SETTING) != team_threshold:
            cache.catalog.set_setting(THRESHOLD_SETTING, team_threshold)

    def send_imported(self, cache: Archive, sources: Sequence[Path]) -> PushSummary:
        """Send this machine's cache of the team archive to it (new documents, with their text
        versions, files, tags and clusters: one document per file content, whoever sends it), and
        the import report of the files under `sources` (every file with its status and reason)."""
        roots = [str(Path(s).resolve()) for s in sources]
        statuses = [s for s in cache.file_statuses() if _under(s.path, roots)]
        sent = SentLedger(self.data_dir)
        # What this import met, and what an earlier one parsed but could not send (cancelled, the
        # server gone): never the whole cache again, whose size grows with every import here.
        locations = cache.catalog.locations().values()
        met = {loc.doc_id for loc in locations if loc.doc_id and _under(loc.path, roots)}
        waiting = met | (set(cache.catalog.all_ids()) - sent.ids())
        pushed = self.team_catalog.run(lambda connection: push(connection, cache, only=waiting))
        sent.add(waiting)
        # The import's own summary line, as `briefer stats` shows a personal archive's last import.
        line = cache.stats().last_import_summary
        report: dict[str, object] = {"files": len(statuses), "sent": pushed.copied, "line": line}
        self.team_catalog.run(lambda connection: record_import(connection, this_machine(), statuses, report))
        return pushed

    def prune_plan(self, sources: Sequence[Path], *, quoted_by: Iterable[Path] = ()) -> RemovalPlan:
        """The documents whose files on this machine, under `sources`, are gone, and that no other
        file (here or on another analyst's machine) holds; which of them the briefing files
        `quoted_by` quote (by their ids, or by aliases of them)."""
        from briefer.core.archive.removal import RemovalPlan, quoted_in_files

        machine, roots = this_machine(), [str(Path(s).resolve()) for s in sources]
        here = self.team_catalog.files_on(machine)
        gone = {(machine, p) for p, _ in here if any(_inside(p, r) for r in roots) and not Path(p).exists()}
        candidates = sorted({doc for path, doc in here if (machine, path) in gone})
        doomed = [d for d, held in self.team_catalog.holders(candidates).items() if held <= gone]
        if not doomed:
            return RemovalPlan.of(())
        quoted, unreadable = quoted_in_files(quoted_by)
        quoted_here = self.team_catalog.resolve(sorted(quoted)).values()
        return RemovalPlan.of(doomed, recent=quoted_here, unreadable=unreadable)

    def remove_documents(self, doc_ids: Collection[str]) -> int:
        """Remove documents from the team archive and its search (editors only: the database
        decides); their text versions stay, so quotes of them still verify.  Returns how many."""
        ids = sorted(set(doc_ids))
        if ids:
            self.team_catalog.delete_documents(ids)
            with self.index.batch() as batch:
                for doc_id in ids:
                    batch.delete(doc_id)
        return len(ids)

    def remove_sample(self, *args: Any, **kwargs: Any) -> Any:
        raise TeamError("the sample archive is not part of a team archive")

    def recluster(
        self, threshold: float, *, progress: Progress = no_progress, cancel: threading.Event | None = None
    ) -> ClusterStats:
        """Cluster every document of the team archive again at `threshold` (0.5 to 1; 0: no
        clusters), as a personal archive's `recluster` does, and replace the team's clusters with
        the result in one transaction (copies sent from different machines find each other here).
        The team archive keeps no settings yet: later imports cluster as each machine's cache does.
        Editors only: it rewrites every analyst's clusters."""
        from briefer.core.team.clustering import recluster

        self._require("editor", "clustering the archive again")
        return recluster(self.team_catalog, threshold, progress=progress, cancel=cancel)

    def _require(self, needed: str, what: str) -> None:
        """TeamPermissionDenied, before anything is done, when the analyst's role is below `needed`."""
        self.team_catalog.run(lambda connection: require_role(connection, needed, what))

    @property
    def where(self) -> str:
        return self.location.display

    def _catalog_bytes(self) -> int:
        return self.team_catalog.size_bytes()

    @property
    def saved_searches(self) -> SavedSearches:
        return cast(SavedSearches, TeamSavedSearches(self.team_catalog))


# -- saved searches ---------------------------------------------------------------------
@dataclass(frozen=True)
class TeamSavedSearch(SavedSearch):
    """A saved search in the team archive: whose it is, and whether the other analysts see it."""

    owner: str = ""
    shared: bool = False
    mine: bool = True

    def as_json(self) -> dict[str, Any]:
        return super().as_json()  # the personal archive's format: scripts read both alike

    def sharing_note(self) -> str:
        """ " (shared)", " (shared by bob)", or "" for a search only its owner sees."""
        if not self.shared:
            return ""
        return " (shared)" if self.mine else f" (shared by {self.owner})"


class TeamSavedSearches:
    """The team's `saved_searches`: your own, and those other analysts shared (the database's
    row-level security decides which rows each analyst sees and may change)."""

    def __init__(self, catalog: TeamCatalog) -> None:
        self._catalog = catalog

    def all(self) -> list[TeamSavedSearch]:
        """Yours, then those others shared, each by name."""
        rows = self._catalog.run(
            lambda c: c.execute(
                "SELECT owner, name, request, shared, owner = current_user FROM saved_searches"
            ).fetchall()
        )
        found = [_from_row(*row) for row in rows]
        return sorted(found, key=lambda s: (not s.mine, s.name.casefold(), s.owner))

    def get(self, name: str) -> TeamSavedSearch:
        """Your search of that name, else the one another analyst shared under it."""
        name = name.strip()
        named = [s for s in self.all() if s.name == name]
        mine = [s for s in named if s.mine]
        if mine or len(named) == 1:
            return (mine or named)[0]
        if named:
            owners = ", ".join(s.owner for s in named)
            raise SavedSearchError(f"{len(named)} analysts shared a search named {name!r} ({owners})")
        known = ", ".join(dict.fromkeys(s.name for s in self.all())) or "none yet"
        raise SavedSearchError(f"there is no saved search named {name!r} (saved: {known})")

    def save(self, search: SavedSearch, *, replace: bool = False, shared: bool = False) -> TeamSavedSearch:
        """Store `search` under its name, shared with the other analysts when `shared`."""
        name = search.name.strip()
        if not name:
            raise SavedSearchError("a saved search needs a name")
        try:  # a search that cannot run should not be saved
            search.request()
        except QueryError as exc:
            raise SavedSearchError(str(exc)) from exc
        stored = SavedSearch(name, search.query, search.filters, search.sort, search.aliases, search.created)
        record = Jsonb(stored.as_json())
        on_conflict = (
            "ON CONFLICT (owner, name) DO UPDATE SET request = excluded.request, shared = excluded.shared"
            if replace
            else "ON CONFLICT DO NOTHING"
        )

        def insert(connection: Connection) -> bool:
            insert = "INSERT INTO saved_searches (name, request, shared) VALUES (%s, %s, %s)"
            return connection.execute(f"{insert} {on_conflict}", (name, record, shared)).rowcount > 0

        if not self._catalog.run(insert):
            raise SavedSearchError(
                f"a search named {name!r} is already saved; replace it or pick another name"
            )
        return TeamSavedSearch(**dataclasses.asdict(stored), shared=shared)

    def delete(self, name: str) -> None:
        """Forget your own saved search (another analyst's shared one is theirs to delete)."""
        deleted = self._catalog.run(
            lambda c: (
                c.execute(
                    "DELETE FROM saved_searches WHERE owner = current_user AND name = %s", (name.strip(),)
                ).rowcount
            )
        )
        if not deleted:
            raise SavedSearchError(f"you have no saved search named {name!r}")

    def rename_search(self, old: str, new: str, *, replace: bool = False) -> TeamSavedSearch:
        found = self.get(old)
        if not found.mine:
            raise SavedSearchError(f"{old!r} is {found.owner}'s search: only they can rename it")
        renamed = dataclasses.replace(found, name=new.strip())
        saved = self.save(renamed, replace=replace, shared=found.shared)
        if saved.name != found.name:
            self.delete(found.name)
        return saved


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(_inside(path, root) for root in roots)


class SentLedger:
    """The ids of this machine's cached documents the team archive has received: one per line in
    the team archive's local folder, appended after each send that the server committed."""

    FILE = "sent-documents.txt"

    def __init__(self, folder: Path) -> None:
        self._path = folder / self.FILE

    def ids(self) -> set[str]:
        try:
            return set(self._path.read_text(encoding="utf-8").split())
        except FileNotFoundError:
            return set()

    def add(self, ids: Collection[str]) -> None:
        if ids:
            with self._path.open("a", encoding="utf-8") as ledger:
                ledger.write("".join(f"{doc_id}\n" for doc_id in sorted(ids)))


def _from_row(owner: str, name: str, request: dict[str, Any], shared: bool, mine: bool) -> TeamSavedSearch:
    search = SavedSearch.from_json({**request, "name": name})
    return TeamSavedSearch(**dataclasses.asdict(search), owner=owner, shared=shared, mine=mine)
