"""The subscribe-message templates the fake WeChat server checks messages against, read as
data from the one TOML file the backend also reads (``backend/wechat/subscribe_templates.toml``,
or the file given). The fake server speaks HTTP and imports nothing from the backend: what it
shares with the backend is this file, so the two cannot drift."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

#: the file shipped with the code, beside the backend that fills the templates
DEFAULT_FILE = Path(__file__).resolve().parent.parent / "backend/wechat/subscribe_templates.toml"


@dataclass(frozen=True)
class Keyword:
    key: str
    type: str


@dataclass(frozen=True)
class Template:
    """A template as WeChat holds it: id, title, ``kind`` (``one_time`` or ``long_term``)
    and its typed keywords."""

    name: str
    id: str
    title: str
    kind: str
    keywords: tuple[Keyword, ...]


@dataclass(frozen=True)
class Templates:
    """The mini-app's templates and the pages a message may open."""

    all: tuple[Template, ...]
    pages: frozenset[str]

    def by_id(self, template_id: str) -> Template | None:
        return next((t for t in self.all if t.id == template_id), None)

    def __iter__(self):
        return iter(self.all)


def read_templates(path: str | Path | None = None) -> Templates:
    """The templates of the file at ``path`` (``DEFAULT_FILE`` when empty)."""
    with Path(path or DEFAULT_FILE).open("rb") as f:
        raw = tomllib.load(f)
    found = tuple(
        Template(
            name=name,
            id=str(spec["id"]),
            title=str(spec["title"]),
            kind=str(spec.get("kind", "one_time")),
            keywords=tuple(Keyword(str(k["key"]), str(k["type"])) for k in spec["keywords"]),
        )
        for name, spec in (raw.get("templates") or {}).items()
    )
    return Templates(all=found, pages=frozenset(raw.get("pages") or ()))
