"""Briefing templates: JSON files that give a new briefing its sections and defaults.

Built-in templates live in `resources/templates/*.json`; a user adds or
overrides one by dropping a file with the same shape into the data directory's
`templates/` folder (its "id" decides which built-in it replaces).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from briefer.core import paths
from briefer.core.briefing.markings import PROFILES
from briefer.core.briefing.model import (
    Briefing,
    BriefingError,
    Domain,
    Metadata,
    Section,
    slug,
    walk_sections,
)

TEMPLATE_FORMAT = "briefer.template"
TEMPLATE_VERSION = 1
SECTION_KINDS = ("text", "key_judgments", "source_summary", "implications", "actor", "sources")


class TemplateError(BriefingError):
    """A template that does not exist or cannot be read."""


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    path: Path
    data: dict[str, Any]  # the parsed, checked file

    @property
    def builtin(self) -> bool:
        return self.path.parent == builtin_dir()


def builtin_dir() -> Path:
    return paths.RESOURCES / "templates"


def user_dir(data_dir: Path | None) -> Path | None:
    return data_dir / "templates" if data_dir is not None else None


def available(data_dir: Path | None = None) -> dict[str, Template]:
    """Every usable template by id; the user's override built-ins.  Broken user files are skipped."""
    found: dict[str, Template] = {}
    folders = [builtin_dir(), user_dir(data_dir)]
    for folder in folders:
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                template = read_template(path)
            except TemplateError:
                if folder == builtin_dir():
                    raise
                continue  # a user's broken template must not stop Briefer; `load` names the error
            found[template.id] = template
    return found


def load(name: str, data_dir: Path | None = None) -> Template:
    """A template by id or name (case-insensitive), or a path to a template file."""
    if name.endswith(".json") and Path(name).is_file():
        return read_template(Path(name))
    templates = available(data_dir)
    wanted = name.strip().casefold()
    for template in templates.values():
        if wanted in (template.id.casefold(), template.name.casefold()):
            return template
    user = user_dir(data_dir)
    broken = user / f"{name}.json" if user is not None else None
    if broken is not None and broken.is_file():
        read_template(broken)  # raises with the reason the file was skipped
    choices = ", ".join(sorted(templates)) or "none"
    raise TemplateError(f"no template {name!r}; available: {choices}")


def read_template(path: Path) -> Template:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"template {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != TEMPLATE_FORMAT:
        raise TemplateError(f'{path} is not a Briefer template (no "format": "{TEMPLATE_FORMAT}")')
    if data.get("version") != TEMPLATE_VERSION:
        raise TemplateError(f"template {path} has version {data.get('version')!r}; this Briefer reads 1")
    for key in ("id", "name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TemplateError(f"template {path} needs a non-empty {key!r}")
    if data.get("marking_profile", "nara") not in PROFILES:
        raise TemplateError(f"template {path}: unknown marking profile {data['marking_profile']!r}")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise TemplateError(f"template {path} has no sections")
    _check_sections(path, sections, "sections")
    template = Template(data["id"], data["name"], str(data.get("description", "")), path, data)
    ids = [s.id for _, s in walk_sections(new_briefing(template))]
    if len(ids) != len(set(ids)):
        raise TemplateError(f'template {path}: two sections share an id; give them distinct "id"s')
    return template


def _check_sections(path: Path, sections: list[Any], where: str) -> None:
    for i, item in enumerate(sections):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise TemplateError(f"template {path}: {here} needs a title")
        if item.get("kind", "text") not in SECTION_KINDS:
            raise TemplateError(f"template {path}: {here}: unknown kind {item['kind']!r}")
        for domain in item.get("domains", []):
            if not isinstance(domain, dict) or not {"id", "title"} <= domain.keys():
                raise TemplateError(f"template {path}: {here}: each domain needs an id and a title")
        _check_sections(path, item.get("sections", []), f"{here}.sections")


def new_briefing(template: Template, *, title: str = "", now: datetime | None = None) -> Briefing:
    """A fresh briefing laid out by the template."""
    data = template.data
    now = now or datetime.now(UTC).replace(second=0, microsecond=0)
    metadata = Metadata(
        title=title or str(data.get("default_title", "Untitled briefing")),
        product_line=str(data.get("product_line", template.name)),
        product_number=f"BRF-{now:%Y}-0001",
        date=now,
        info_cutoff=now,
        marking_profile=str(data.get("marking_profile", "nara")),
    )
    return Briefing(
        metadata=metadata,
        sections=[_section(item, "") for item in data["sections"]],
        template=template.id,
        estimative_key=bool(data.get("estimative_key", False)),
        created_at=now,
    )


def _section(item: dict[str, Any], prefix: str) -> Section:
    section_id = str(item.get("id") or prefix + slug(item["title"]))
    return Section(
        title=item["title"],
        kind=str(item.get("kind", "text")),
        actor=str(item.get("actor", "")),
        guidance=str(item.get("guidance", "")),
        domains=[Domain(str(d["id"]), str(d["title"])) for d in item.get("domains", [])],
        sections=[_section(child, section_id + "-") for child in item.get("sections", [])],
        id=section_id,
    )
