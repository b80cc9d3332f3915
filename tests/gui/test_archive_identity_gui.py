"""Archive identity in the window: excerpts added here record the open archive, and the Export and
Send dialogs refuse a briefing built on another archive, naming both in the window's own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack

from briefer.core.archive import Archive
from briefer.core.briefing import edits, storage, templates
from briefer.core.briefing.excerpts import excerpt_from_quote
from briefer.core.briefing.model import Briefing
from briefer.core.briefing.verify import ArchiveLookups
from briefer.core.credentials import CredentialStore
from briefer.core.distribution.accounts import AccountBook
from briefer.core.distribution.ledger import Ledger
from briefer.core.export.manifest import manifest_path
from briefer.gui.briefing.model import BriefingModel
from briefer.gui.distribution import export_dialog, send_dialog
from briefer.gui.distribution.keychain import Keychain
from tests.conftest import ArchiveTemplate
from tests.core.smtp_server import MemoryKeyring
from tests.gui.conftest import write_articles
from tests.gui.test_briefing_window import (  # noqa: F401 (no_dialogs: a fixture, used by name)
    blocks,
    no_dialogs,
    open_window,
    read_first_hit,
    select_in_reader,
    simulate_drop,
)


@pytest.fixture(scope="session")
def elsewhere_template(tmp_path_factory: pytest.TempPathFactory) -> ArchiveTemplate:
    """The same three articles, imported on their own: another archive id, other document ids."""
    folder = tmp_path_factory.mktemp("elsewhere")
    return ArchiveTemplate.imported(folder, [write_articles(folder / "articles")])


@pytest.fixture
def elsewhere(tmp_path: Path, elsewhere_template: ArchiveTemplate) -> Iterator[Archive]:
    """Another archive than `filled_archive`'s, with the same three articles."""
    with Archive(elsewhere_template.copy_to(tmp_path / "elsewhere")) as opened:
        yield opened


def briefing_of(archive: Archive) -> Briefing:
    """A spot brief quoting one document of `archive`."""
    [document] = [d for d in archive.catalog.documents(archive.catalog.all_ids()) if "Vostochny" in d.title]
    briefing = templates.new_briefing(templates.load("spot"), title="Summit")
    edits.add_block(briefing, briefing.sections[0].id, excerpt_from_quote(document, "artillery shells"))
    return briefing


def window_words(text: str) -> None:
    """The window speaks of archives and of starting Briefer, never of command-line options."""
    assert "--" not in text and "`" not in text and "data-dir" not in text


@pytest.mark.usefixtures("no_dialogs")
def test_excerpts_added_in_the_window_record_the_open_archive(make_window, filled_archive, qtbot) -> None:
    window = open_window(make_window, qtbot)
    read_first_hit(window, qtbot, "artillery")
    select_in_reader(window, "The leaders discussed artillery shells")
    outline = window.briefing.outline
    target = outline.visualRect(window.session.model.index_of("background")).center()
    assert simulate_drop(outline.viewport(), target, window.reader.createMimeDataFromSelection())
    results = window.search.model
    model = window.session.model
    data = results.mimeData([results.index(0)])
    assert model.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, model.index_of("analysis"))
    quoted = blocks(window, "background") + blocks(window, "analysis")
    assert len(quoted) == 2
    assert [e.citation.archive for e in quoted] == [filled_archive.identity] * 2


@pytest.mark.usefixtures("no_dialogs")
def test_the_export_dialog_refuses_a_briefing_built_on_another_archive(
    make_window, filled_archive, elsewhere, qtbot, tmp_path
) -> None:
    path = tmp_path / "summit.briefing"
    storage.save(briefing_of(elsewhere), path)
    window = open_window(make_window, qtbot)
    assert window.open_path(path)
    dialog = export_dialog.ExportDialog(
        window.session.model,
        settings=window._settings,
        lookups=ArchiveLookups.of(filled_archive),
        parent=window,
    )
    out = tmp_path / "summit.docx"
    dialog.output.setText(str(out))
    with qtbot.waitSignal(dialog.export_failed, timeout=30000) as failed:
        dialog.export_button.click()
    message = failed.args[0]
    assert message.startswith("The one document this briefing quotes is not in the archive at ")
    assert f"{filled_archive.data_dir} (id {filled_archive.identity.short_id}), the archive open" in message
    assert f"built on the archive at {elsewhere.data_dir} (id {elsewhere.identity.short_id})" in message
    assert "Start Briefer on that archive to export it." in message
    window_words(message)
    assert "Not exported" in dialog.outcome.text()
    assert not out.exists() and not manifest_path(out).exists()
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.done(0)


def test_the_send_dialog_refuses_a_briefing_built_on_another_archive(
    filled_archive, elsewhere, qtbot, settings: QSettings, data_dir: Path, tmp_path, monkeypatch
) -> None:
    model = BriefingModel(briefing_of(elsewhere), QUndoStack())
    keychain = Keychain(data_dir, settings, system=CredentialStore.for_data_dir(data_dir, MemoryKeyring()))
    dialog = send_dialog.SendDialog(
        model,
        keychain=keychain,
        book=AccountBook.for_data_dir(data_dir),
        ledger=Ledger.for_data_dir(data_dir),
        settings=settings,
        lookups=ArchiveLookups.of(filled_archive),
    )
    qtbot.addWidget(dialog)
    dialog.new_recipient.setText("desk@agency.example")
    dialog.add_recipient_button.click()
    eml = tmp_path / "draft.eml"
    monkeypatch.setattr(send_dialog.DraftFile, "ask", lambda parent, path: eml)
    dialog.draft_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.outcome.text().startswith("The draft was not saved"))
    text = dialog.outcome.text()
    assert str(filled_archive.data_dir) in text and str(elsewhere.data_dir) in text
    assert "Start Briefer on that archive to send it." in text
    window_words(text)
    assert not eml.exists()
