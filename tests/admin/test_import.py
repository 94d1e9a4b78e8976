"""The Excel import page: upload, report, per-row errors, template download."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from backend.audit.models import AuditEntry
from backend.org.models import Building, OwnerRecord, Unit

HEADER = ["楼栋", "房号", "楼层", "面积", "面积来源", "业主姓名", "业主手机"]


def xlsx(*rows) -> io.BytesIO:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def upload(client, estate_id: int, stream, filename: str = "房屋.xlsx"):
    return client.post(
        f"/admin/estates/{estate_id}/import",
        data={"file": (stream, filename)},
        content_type="multipart/form-data",
    )


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_import_creates_units_and_shows_the_report(world, as_staff, db):
    client = as_staff(world.admin_a)
    units_before = count(db, Unit)

    response = upload(
        client,
        world.estate_a.id,
        xlsx(
            ["5幢", "501", 5, 88.5, "不动产登记", "张伟", "13800000001"],
            ["5幢", "502", 5, 92, "测绘", "", ""],
            ["1幢", "1-101", 1, 90.25, "合同", "王芳", "13800000002"],
        ),
    )

    assert response.status_code == 302
    assert response.location == f"/admin/estates/{world.estate_a.id}/import"
    assert count(db, Unit) == units_before + 2
    assert db.session.scalars(sa.select(Building).where(Building.name == "5幢")).one()
    assert count(db, OwnerRecord) == 2
    assert db.session.scalars(sa.select(AuditEntry.action)).one() == "org.import"

    page = client.get(response.location).data.decode()
    assert 'id="import-report"' in page
    assert 'id="report-buildings-created">1<' in page
    assert 'id="report-units-created">2<' in page
    assert 'id="report-units-updated">1<' in page
    assert 'id="report-owners-created">2<' in page
    # the report is shown once
    assert 'id="import-report"' not in client.get(response.location).data.decode()


def test_bad_rows_are_listed_and_nothing_is_written(world, as_staff, db):
    client = as_staff(world.admin_a)
    units_before, buildings_before = count(db, Unit), count(db, Building)

    response = upload(
        client,
        world.estate_a.id,
        xlsx(
            ["5幢", "501", 5, 88.5, "不动产登记", "", ""],
            ["5幢", "502", 5, "很大", "测绘", "", ""],
            ["5幢", "503", 5, 70, "估计", "", ""],
        ),
    )

    assert response.status_code == 422
    page = response.data.decode()
    assert 'id="import-errors-table"' in page
    assert '<td class="num">3</td>' in page and "不是数字" in page
    assert '<td class="num">4</td>' in page and "无法识别" in page
    assert count(db, Unit) == units_before
    assert count(db, Building) == buildings_before
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_a_file_that_is_not_excel_is_refused(world, as_staff, db):
    client = as_staff(world.admin_a)

    no_file = client.post(f"/admin/estates/{world.estate_a.id}/import", data={})
    not_xlsx = upload(client, world.estate_a.id, io.BytesIO(b"a,b,c\n"), "units.csv")
    fake_xlsx = upload(client, world.estate_a.id, io.BytesIO(b"not a zip"), "units.xlsx")

    assert no_file.status_code == 422 and "请选择要上传的 Excel 文件" in no_file.data.decode()
    assert not_xlsx.status_code == 422 and "仅支持 .xlsx" in not_xlsx.data.decode()
    assert fake_xlsx.status_code == 422 and "整个文件" in fake_xlsx.data.decode()


def test_company_a_cannot_import_into_company_b_estate(world, as_staff, db):
    units_before = count(db, Unit)

    response = upload(
        as_staff(world.admin_a),
        world.estate_b.id,
        xlsx(["9幢", "901", 9, 88.5, "不动产登记", "", ""]),
    )

    assert response.status_code == 404
    assert count(db, Unit) == units_before


def test_roles_without_import_permission_are_refused(world, as_staff, db):
    client = as_staff(world.desk_a)

    assert client.get(f"/admin/estates/{world.estate_a.id}/import").status_code == 403
    response = upload(client, world.estate_a.id, xlsx(["9幢", "901", 9, 88.5, "测绘", "", ""]))
    assert response.status_code == 403
    estate_page = client.get(f"/admin/estates/{world.estate_a.id}").data.decode()
    assert 'id="import-link"' not in estate_page


def test_template_download_is_an_xlsx_with_the_headers(world, as_staff):
    client = as_staff(world.admin_a)

    page = client.get(f"/admin/estates/{world.estate_a.id}/import").data.decode()
    response = client.get("/admin/import/template.xlsx")

    assert 'href="/admin/import/template.xlsx"' in page
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    header = next(
        load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True)
    )
    assert {"楼栋", "房号", "面积", "面积来源"} <= set(header)
