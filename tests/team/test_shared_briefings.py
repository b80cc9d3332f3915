"""Shared briefings on a real PostgreSQL server: versions, history, conditional saves merged block
by block, conflicts reported, review states, and who may do what."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import psycopg
import pytest

from briefer.core import team
from briefer.core.briefing import edits, templates
from briefer.core.briefing.codec import to_dict
from briefer.core.briefing.excerpts import excerpt_from_span
from briefer.core.briefing.model import Briefing, KeyJudgment, Paragraph, get_block
from briefer.core.documents import Document
from briefer.core.team import briefings as shared
from tests.team.conftest import as_user, unique

TEXT = "Ports on the Black Sea shipped more grain."
SHA = hashlib.sha256(TEXT.encode()).hexdigest()


def connect(url: str, user: str | None = None) -> psycopg.Connection[Any]:
    return team.connect(team.TeamLocation.parse(as_user(url, user) if user else url), autocommit=True)


@pytest.fixture
def people(team_url: str) -> dict[str, str]:
    names = {"reader": unique("reader"), "analyst": unique("analyst"), "other": unique("other")}
    names["editor"] = unique("editor")
    with connect(team_url) as admin:
        team.migrate(admin)
        for key, name in names.items():
            team.add_analyst(admin, name, "analyst" if key == "other" else key)
    return names


def briefing() -> Briefing:
    b = templates.new_briefing(templates.load("assessment"))
    b.metadata.title = "Grain exports"
    edits.add_block(b, "key-judgments", KeyJudgment("We assess exports will grow.", id="kj"))
    edits.add_block(b, "analysis", Paragraph("Exports rose.", id="para"))
    doc = Document(id="doc1", title="Grain", text=TEXT, text_hash=SHA, source="Harbor Wire")
    edits.add_block(b, "background", excerpt_from_span(doc, 0, 5))
    return b


def text_of(b: Briefing, block_id: str) -> str:
    return get_block(b, block_id).text  # type: ignore[union-attr]


def test_publish_fetch_and_history(team_url: str, people: dict[str, str]) -> None:
    mine = briefing()
    with connect(team_url, people["analyst"]) as analyst:
        first = shared.publish(analyst, mine)
        assert (first.version, first.state, first.owner) == (1, "draft", people["analyst"])
        again, version = shared.fetch(analyst, mine.id)
        assert version == 1 and to_dict(again) == to_dict(mine)
        with pytest.raises(team.TeamError, match="already holds"):
            shared.publish(analyst, mine)
    with connect(team_url, people["reader"]) as reader:
        assert [b.title for b in shared.list_shared(reader)] == ["Grain exports"]  # readers read
        with pytest.raises(team.TeamPermissionDenied):
            shared.publish(reader, briefing())
        assert [v for v, _, _ in shared.history(reader, mine.id)] == [1]


def test_saves_from_an_old_version_merge_block_by_block(team_url: str, people: dict[str, str]) -> None:
    mine = briefing()
    with connect(team_url, people["analyst"]) as analyst:
        shared.publish(analyst, mine)
    with connect(team_url, people["editor"]) as editor:
        theirs, base = shared.fetch(editor, mine.id)
        edits.edit_text(theirs, "kj", "We assess exports will grow sharply.")
        assert shared.save(editor, theirs, base).shared.version == 2
    with connect(team_url, people["analyst"]) as analyst:
        ours, _ = shared.fetch(analyst, mine.id, 1)
        edits.edit_text(ours, "para", "Exports rose by a third.")
        saved = shared.save(analyst, ours, 1)
        assert (saved.shared.version, saved.merged_from) == (3, 2)
        latest, version = shared.fetch(analyst, mine.id)
        assert version == 3
        assert text_of(latest, "kj") == "We assess exports will grow sharply."  # the editor's change kept
        assert text_of(latest, "para") == "Exports rose by a third."
        assert [v for v, _, _ in shared.history(analyst, mine.id)] == [1, 2, 3]


def test_the_same_block_changed_on_both_sides_is_reported_then_settled(
    team_url: str, people: dict[str, str]
) -> None:
    mine = briefing()
    with connect(team_url, people["analyst"]) as analyst:
        shared.publish(analyst, mine)
        first, _ = shared.fetch(analyst, mine.id)
        edits.edit_text(first, "kj", "Exports will surely grow.")
        shared.save(analyst, first, 1)
        second, _ = shared.fetch(analyst, mine.id, 1)
        edits.edit_text(second, "kj", "Exports may fall.")
        with pytest.raises(shared.SaveConflict) as conflict:
            shared.save(analyst, second, 1)
        assert [c.key for c in conflict.value.conflicts] == ["block:kj"]
        assert shared.shared(analyst, mine.id).version == 2  # nothing saved
        saved = shared.save(analyst, second, 1, choices={"block:kj": "ours"})
        assert text_of(saved.briefing, "kj") == "Exports may fall."
        assert saved.shared.version == 3


def test_two_saves_from_the_same_version_at_once_lose_no_edit(team_url: str, people: dict[str, str]) -> None:
    mine = briefing()
    with connect(team_url, people["analyst"]) as analyst:
        shared.publish(analyst, mine)
    errors: list[BaseException] = []

    def save(block_id: str, text: str, user: str) -> None:
        try:
            with connect(team_url, user) as connection:
                edited, base = shared.fetch(connection, mine.id, 1)
                edits.edit_text(edited, block_id, text)
                shared.save(connection, edited, base)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=save, args=("kj", "Judgment edited.", people["analyst"])),
        threading.Thread(target=save, args=("para", "Paragraph edited.", people["editor"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connect(team_url) as admin:
        latest, version = shared.fetch(admin, mine.id)
    assert version == 3
    assert (text_of(latest, "kj"), text_of(latest, "para")) == ("Judgment edited.", "Paragraph edited.")


def test_only_owners_and_editors_save_and_only_editors_release(team_url: str, people: dict[str, str]) -> None:
    mine = briefing()
    with connect(team_url, people["analyst"]) as analyst:
        shared.publish(analyst, mine)
        assert shared.set_state(analyst, mine.id, "in_review").state == "in_review"
        with pytest.raises(team.TeamPermissionDenied, match="only an editor may release"):
            shared.set_state(analyst, mine.id, "released")
    with connect(team_url, people["other"]) as other:
        theirs, base = shared.fetch(other, mine.id)
        edits.edit_text(theirs, "kj", "Taken over.")
        with pytest.raises(team.TeamPermissionDenied, match="only its owner or an editor"):
            shared.save(other, theirs, base)
    with connect(team_url, people["editor"]) as editor:
        assert shared.set_state(editor, mine.id, "released").state == "released"
        assert text_of(shared.fetch(editor, mine.id)[0], "kj") == "We assess exports will grow."
        with pytest.raises(shared.BriefingNotShared):
            shared.set_state(editor, "nope", "draft")


def test_a_text_version_a_shared_briefing_quotes_cannot_be_deleted(
    team_url: str, people: dict[str, str]
) -> None:
    with connect(team_url, people["analyst"]) as analyst:
        analyst.execute("INSERT INTO texts (sha256, body) VALUES (%s, %s)", (SHA, TEXT))
        shared.publish(analyst, briefing())
    with connect(team_url) as admin:
        assert admin.execute("SELECT text_sha256 FROM cited_texts").fetchall() == [(SHA,)]
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            admin.execute("DELETE FROM texts WHERE sha256 = %s", (SHA,))
