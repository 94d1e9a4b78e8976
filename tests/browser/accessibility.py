"""Accessibility checks any browser test may call on the page it shows.

``check_page(page, name)``: axe-core (the copy shipped inside the ``axe-playwright-python``
wheel, nothing fetched at run time) on what the page shows now; fails on any serious or
critical violation and returns the count of pages checked so far in this run.

``measure_elder(page, name)``: the MIIT 适老化 figures measured from the rendered page
(call it on a page opened with ``?mode=elder``, at 375 px): text ≥ 18 px, line height
≥ 1.3, every clickable box ≥ 60 × 60 px, text contrast ≥ 4.5:1 (3:1 for large text)
from the computed colours, no horizontal scroll and no clipped text.

Both skip WeChat's own chrome (status bar, capsule menu, the simulator's caption), which
the mini-app does not draw.
"""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

#: what WeChat draws itself, not the mini-app (and the simulator's own caption)
CHROME = ".statusbar, .capsule, .caption, .navbar"
#: axe impacts that fail a page
FAILING = ("serious", "critical")

_axe = Axe()
#: names of the pages checked by axe in this run
CHECKED: list[str] = []


def check_page(page, name: str) -> int:
    """Run axe-core on the page; fail on serious or critical violations. Returns how many
    pages were checked so far in this run."""
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in FAILING]
    detail = "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"{name}: axe found serious/critical violations:\n{detail}"
    CHECKED.append(name)
    return len(CHECKED)


#: the measuring script, run in the page (kept as JavaScript beside this file)
_MEASURE = (Path(__file__).parent / "measure_elder.js").read_text(encoding="utf-8")


def measure_elder(page, name: str, *, min_font: float = 18, min_target: float = 60) -> dict:
    """Measure the rendered page against the elder-mode figures; fail with every finding."""
    found = page.evaluate(_MEASURE, [CHROME, min_font, min_target])
    problems = {k: v for k, v in found.items() if v}
    assert not problems, f"{name}: elder-mode measurements failed: {problems}"
    return found
