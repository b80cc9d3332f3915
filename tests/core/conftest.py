from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from briefer.core.archive import Archive
from tests.conftest import ArchiveTemplate, corpus_path, write_article


@pytest.fixture(scope="session")
def state_dept_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The 1,337 State Department releases (corpus state-dept/html), imported once a session (about
    20 s); each module that searches them opens its own copy."""
    html = corpus_path("state-dept", "html")
    return ArchiveTemplate.imported(tmp_path_factory.mktemp("state-dept"), [html])


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def short_index_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that finds the index busy gives up after 0.3 s instead of 5 s.  Whoosh's own class:
    every writer of ours is one (FileIndex.writer, patched before, is no longer called: the tests
    then waited the whole 5 s)."""
    from whoosh.writing import SegmentWriter

    real_init = SegmentWriter.__init__

    def hasty(self: SegmentWriter, ix: object, **options: object) -> None:
        real_init(self, ix, **{**options, "timeout": 0.3})

    monkeypatch.setattr(SegmentWriter, "__init__", hasty)


@pytest.fixture
def briefing_archive(tmp_path: Path, briefing_articles: ArchiveTemplate) -> Iterator[Archive]:
    """An archive in tmp_path/data holding the three ARTICLES the briefing tests quote (a copy of
    `briefing_articles`; their files are in `article_files`)."""
    with Archive(briefing_articles.copy_to(tmp_path / "data")) as opened:
        yield opened


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    """A small folder of articles about the 2023 summit, in three formats."""
    folder = tmp_path / "articles"
    write_article(
        folder,
        "summit",
        "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome.\n\n"
        "The leaders discussed artillery shells and satellite technology.",
        title="Putin and Kim meet at Vostochny",
        source="Northern Wire",
        published="2023-09-13T08:00:00+00:00",
    )
    write_article(
        folder,
        "sanctions",
        "Washington announced new sanctions on arms brokers.\n\nOfficials cited shipments by rail.",
        title="New sanctions on arms brokers",
        source="Capital Desk",
        published="2023-10-13T15:00:00+00:00",
    )
    (folder / "notes.md").write_text(
        "---\ntitle: Analyst notes on Japan\nsource: Tokyo Review\npublished: 2023-11-21\n---\n\n"
        "# Japan watches the launch\n\nTokyo protested the reconnaissance satellite launch.\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        "<html lang='en'><head><meta charset='utf-8'><title>Seoul reacts | Harbour Times</title>"
        "<meta name='author' content='Min Park'><meta property='og:site_name' content='Harbour Times'>"
        "<meta property='article:published_time' content='2023-09-14T06:00:00+09:00'>"
        "<link rel='canonical' href='https://harbour.example/seoul-reacts'></head><body>"
        "<nav>Home | World</nav><article><h1>Seoul reacts to the summit</h1>"
        "<p>South Korea warned that any arms transfer would violate Security Council resolutions.</p>"
        "<p>Officials in Seoul said they were watching the cosmodrome meeting closely and would "
        "coordinate with Washington and Tokyo on a response.</p></article></body></html>",
        encoding="utf-8",
    )
    return folder
