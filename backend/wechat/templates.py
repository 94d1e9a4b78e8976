"""The mini-app's subscribe-message templates, read from one TOML file.

The same file configures the backend (``WECHAT_TEMPLATES_FILE``) and the fake WeChat server
(``miniapp_mock``), so the templates the backend fills and the ones the fake server checks
cannot drift. See the file itself for its format.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from pathlib import Path

#: the file shipped with the code (demo ids, the fake server's templates)
DEFAULT_FILE = Path(__file__).with_name("subscribe_templates.toml")

#: WeChat's keyword types (订阅消息参数类型)
KEYWORD_TYPES = frozenset(
    {
        "thing",
        "phrase",
        "character_string",
        "number",
        "letter",
        "symbol",
        "amount",
        "date",
        "time",
        "phone_number",
        "car_number",
        "name",
    }
)


class TemplateKind(enum.StrEnum):
    """One-time (each 允许 allows one message) or long-term (allowed until revoked)."""

    one_time = "one_time"
    long_term = "long_term"


@dataclass(frozen=True)
class Keyword:
    key: str
    type: str
    label: str


@dataclass(frozen=True)
class Template:
    """A subscribe-message template: WeChat's id, its title and its typed keywords."""

    name: str
    id: str
    title: str
    kind: TemplateKind
    keywords: tuple[Keyword, ...]

    def label(self, key: str) -> str:
        """The Chinese label of keyword ``key`` (the key itself if unknown)."""
        return next((k.label for k in self.keywords if k.key == key), key)


@dataclass(frozen=True)
class TemplateSet:
    """All templates of the mini-app, by name and by WeChat id, and its page paths."""

    by_name: dict[str, Template]
    pages: frozenset[str]

    def by_id(self, template_id: str) -> Template | None:
        return next((t for t in self.by_name.values() if t.id == template_id), None)

    def __getitem__(self, name: str) -> Template:
        return self.by_name[name]

    def __iter__(self):
        return iter(self.by_name.values())


class TemplateFileError(ValueError):
    """The templates file is malformed."""


def load_templates(path: str | Path | None = None) -> TemplateSet:
    """Read and check the templates file (``DEFAULT_FILE`` when ``path`` is empty)."""
    path = Path(path or DEFAULT_FILE)
    with path.open("rb") as f:
        raw = tomllib.load(f)
    templates = {}
    for name, spec in (raw.get("templates") or {}).items():
        try:
            keywords = tuple(
                Keyword(str(k["key"]), str(k["type"]), str(k.get("label") or k["key"]))
                for k in spec["keywords"]
            )
            template = Template(
                name=name,
                id=str(spec["id"]),
                title=str(spec["title"]),
                kind=TemplateKind(spec.get("kind", "one_time")),
                keywords=keywords,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateFileError(f"{path}: template {name!r} is malformed: {exc}") from exc
        unknown = {k.type for k in keywords} - KEYWORD_TYPES
        if unknown:
            raise TemplateFileError(f"{path}: template {name!r} has unknown types {unknown}")
        templates[name] = template
    ids = [t.id for t in templates.values()]
    if len(set(ids)) != len(ids):
        raise TemplateFileError(f"{path}: two templates share one id")
    return TemplateSet(by_name=templates, pages=frozenset(raw.get("pages") or ()))
