"""Messages open what they are about (issue 19): the page every subscribe message names is a
page the mini-app (here: the H5 simulator) knows, and a message about one bill receipt,
ticket, motion or post opens that one, not a list or the home page."""

from __future__ import annotations

import pathlib
import re

from backend.notify import messages

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / "miniapp_mock" / "simulator"


def _simulator_pages() -> dict[str, str]:
    """Mini-app page → simulator route, as the simulator's scripts declare them."""
    pages = {}
    for script in SIMULATOR.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        pages.update(re.findall(r'kit\.PAGES\["([a-z/]+)"\] = "([^"]+)"', text))
        block = re.search(r"const PAGES = \{(.*?)\};", text, re.S)
        if block:
            pages.update(re.findall(r'"([a-z/]+)": "([^"]+)"', block[1]))
    return pages


def _message_pages() -> list[str]:
    """Every page a message builder returns (with ``{…}`` for its object's id); a builder
    choosing between two pages (``("pages/a" if x else "pages/b")``) names both."""
    source = pathlib.Path(messages.__file__).read_text(encoding="utf-8")
    return [
        page
        for first, second in re.findall(
            r'\}, \(?f?"(pages/[^"]+)"(?: if [^"]+ else f?"(pages/[^"]+)"\))?', source
        )
        for page in (first, second)
        if page
    ]


def test_every_message_page_opens_a_simulator_route_and_the_object_it_is_about():
    pages = _simulator_pages()
    named = _message_pages()
    assert len(named) >= len(messages.EVENTS), "a page for every message builder"
    for page in named:
        path, _, query = page.partition("?")
        assert path in pages, f"{page}: the simulator has no route for {path}"
        if "id=" in query:
            assert "{id}" in pages[path], f"{page} names its object but opens {pages[path]}"


def test_the_simulator_opens_the_route_with_the_id_of_the_message():
    script = (SIMULATOR / "app.js").read_text(encoding="utf-8")
    assert "const target = pageTarget(message.page);" in script
    assert 'route.replace("{id}", id)' in script
