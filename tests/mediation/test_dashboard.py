"""The mediation figures on the supervision dashboard: in the officer's scope only (street
A's officer does not count street B's cases; the bureau its district), per street and per
company party, and every figure a link to the mediation list showing exactly its cases."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.mediation.models import CaseState
from tests.admin.conftest import login
from tests.mediation.helpers import requested_case
from tests.mediation.test_states import case_in

LINK = re.compile(r'<a (?:id="[^"]*" )?href="(/admin/mediation[^"]*)">(\d+)')


def _section(page: str) -> str:
    start = page.index('id="mediation-figures"')
    return page[start : page.index("</section>", start)]


def _cases(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return set(re.findall(r'id="case-(\d+)"', response.get_data(as_text=True)))


def test_the_dashboard_counts_the_scope_and_links_each_figure(client, world):
    confirmed = case_in(world, CaseState.confirmation_applied)
    late = case_in(world, CaseState.accepted)
    late.deadline = utcnow() - timedelta(days=1)
    other = requested_case(world.other_residency.resident, world.other_estate.id)
    commit()
    mine = {str(confirmed.id), str(late.id)}

    login(client, world.officer)
    section = _section(client.get("/admin/supervision").get_data(as_text=True))
    assert f'id="mediation-street-{world.estate.street_id}"' in section
    assert f'id="mediation-street-{world.other_estate.street_id}"' not in section
    assert f'id="mediation-company-{world.estate.company_id}"' in section
    assert f'id="mediation-company-{world.other_estate.company_id}"' not in section
    assert re.search(r'id="mediation-total"[^>]*>2 件', section)
    assert re.search(r'id="mediation-confirmed"[^>]*>1 件', section)
    assert re.search(r'id="mediation-overdue"[^>]*>1 件', section)
    assert "噪音与邻里 2" in section
    links = [(html.unescape(url), int(n)) for url, n in LINK.findall(section)]
    assert len(links) > 10
    for url, n in links:
        shown = _cases(client, url)
        assert len(shown) == n, url  # the list behind a figure holds exactly its cases
        assert shown <= mine, url  # and never street B's
    assert _cases(client, f"/admin/mediation?confirmed=1&street_id={world.estate.street_id}") == {
        str(confirmed.id)
    }
    assert _cases(client, f"/admin/mediation?overdue=1&company_id={world.estate.company_id}") == {
        str(late.id)
    }
    # street B's filter from street A's officer: nothing of B
    assert not _cases(client, f"/admin/mediation?street_id={world.other_estate.street_id}")

    login(client, world.other_officer)
    section = _section(client.get("/admin/supervision").get_data(as_text=True))
    assert re.search(r'id="mediation-total"[^>]*>1 件', section)
    assert f'id="mediation-street-{world.estate.street_id}"' not in section
    assert _cases(client, "/admin/mediation?agreed=1") == set()
    assert _cases(client, "/admin/mediation") == {str(other.id)}


def test_the_company_filter_of_the_dashboard_narrows_the_figures(client, world):
    case_in(world, CaseState.accepted)
    requested_case(world.other_residency.resident, world.other_estate.id)
    commit()
    login(client, world.platform)
    page = client.get(f"/admin/supervision?company_id={world.other_estate.company_id}")
    section = _section(page.get_data(as_text=True))
    assert re.search(r'id="mediation-total"[^>]*>1 件', section)
    assert f'id="mediation-company-{world.estate.company_id}"' not in section
