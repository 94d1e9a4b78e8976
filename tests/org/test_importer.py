"""Excel import of buildings, units and owners of record: all or nothing, errors by row."""

from __future__ import annotations

import io
import time
import zipfile
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from backend.audit.models import AuditEntry
from backend.authz.roles import StaffRole
from backend.core.errors import Forbidden, NotFound
from backend.org import importer
from backend.org.importer import COLUMNS, ImportFailed, import_units, template_workbook
from backend.org.models import AreaSource, Building, OwnerRecord, Unit
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OwnerRecordFactory,
    StaffFactory,
    UnitFactory,
)

HEADERS = ["楼栋", "房号", "楼层", "面积", "面积来源", "开发商持有", "业主姓名", "业主手机"]


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    """An in-memory .xlsx whose first sheet has ``headers`` then ``rows``."""
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def counts(db) -> tuple[int, int, int]:
    """(buildings, units, owner records) stored."""
    return tuple(
        db.session.scalar(sa.select(sa.func.count(model.id)))
        for model in (Building, Unit, OwnerRecord)
    )


def unit(db, building: str, number: str) -> Unit:
    return db.session.scalars(
        sa.select(Unit).join(Building).where(Building.name == building, Unit.number == number)
    ).one()


def failure(actor, estate, rows, headers=HEADERS) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        import_units(actor, estate.id, xlsx(rows, headers))
    return info.value


@pytest.fixture
def estate(db):
    return EstateFactory(name="嘉绿景苑")


@pytest.fixture
def admin(estate):
    """A company admin of the estate's company."""
    return StaffFactory(role=StaffRole.company_admin, company=estate.company)


GOOD_ROWS = [
    ["1幢", "101", 1, 89.37, "不动产登记", "否", "张伟、王芳", "13800000001、13800000002"],
    ["1幢", "102", 1, "128.64", "测绘", "", "李娜", 13800000003],
    ["2幢", 1101, 11, 100, "contract", "是", "", ""],
    [
        "2幢",
        "1102",
        None,
        Decimal("58.3"),
        "Registry",
        None,
        "赵磊;陈静",
        "13800000004,13800000005",
    ],
]


# --- a good file -----------------------------------------------------------------------------


def test_good_file_creates_buildings_units_and_owners_with_exact_areas(db, estate, admin):
    report = import_units(admin, estate.id, xlsx(GOOD_ROWS))

    assert (report.rows, report.buildings_created, report.units_created) == (4, 2, 4)
    assert (report.units_updated, report.owners_created) == (0, 5)
    assert counts(db) == (2, 4, 5)
    first = unit(db, "1幢", "101")
    assert first.area == Decimal("89.37")
    assert first.area_source == AreaSource.registry
    assert first.floor == 1
    assert first.developer_held is False
    assert [(o.name, o.phone) for o in first.owners] == [
        ("张伟", "13800000001"),
        ("王芳", "13800000002"),
    ]
    assert unit(db, "1幢", "102").area == Decimal("128.64")
    assert unit(db, "1幢", "102").area_source == AreaSource.survey
    assert [o.phone for o in unit(db, "1幢", "102").owners] == ["13800000003"]
    third = unit(db, "2幢", "1101")
    assert (third.area, third.area_source, third.developer_held) == (
        Decimal("100.00"),
        AreaSource.contract,
        True,
    )
    assert third.owners == []
    fourth = unit(db, "2幢", "1102")
    assert fourth.area == Decimal("58.30")
    assert fourth.floor is None
    assert [o.name for o in fourth.owners] == ["赵磊", "陈静"]
    building = db.session.scalars(sa.select(Building).where(Building.name == "2幢")).one()
    assert building.estate_id == estate.id
    assert building.floors == 11


def test_headers_are_matched_by_name_in_any_order_with_spaces_and_notes(db, estate, admin):
    headers = [" 面积（m²） ", "房号", "备注", "楼栋 ", "面积来源"]
    report = import_units(
        admin, estate.id, xlsx([["95.5", "301", "随便写", "3幢", "测绘"]], headers)
    )

    assert report.units_created == 1
    stored = unit(db, "3幢", "301")
    assert stored.area == Decimal("95.50")
    assert stored.area_source == AreaSource.survey


def test_blank_rows_are_skipped_and_errors_keep_spreadsheet_row_numbers(db, estate, admin):
    rows = [GOOD_ROWS[0], [], [None, None], ["1幢", "103", 1, "abc", "测绘"]]

    error = failure(admin, estate, rows)

    assert error.row_errors == [(5, "面积“abc”不是数字")]


def test_import_does_not_commit_the_callers_transaction(db, estate, admin):
    import_units(admin, estate.id, xlsx(GOOD_ROWS))
    assert counts(db) == (2, 4, 5)

    db.session.rollback()

    assert counts(db) == (0, 0, 0)


# --- errors: all reported by row, nothing written --------------------------------------------


def test_malformed_rows_are_reported_by_row_and_nothing_is_written(db, estate, admin):
    existing = UnitFactory(building=BuildingFactory(estate=estate, name="1幢"), number="101")
    OwnerRecordFactory(unit=existing)
    before = counts(db)
    rows = [
        ["1幢", "101", 1, "90.12", "不动产登记", "否", "新业主", "13900000001"],  # row 2: fine
        ["", "102", 1, "90.00", "测绘"],  # row 3
        ["1幢", "", 1, "90.00", "测绘"],  # row 4
        ["5幢", "501", "五楼", "90.00", "测绘"],  # row 5
        ["5幢", "502", 5, "90.00", "测绘", "也许"],  # row 6
        ["6幢", "601", 6, "90.00", "测绘"],  # row 7: fine, but nothing is written
    ]

    error = failure(admin, estate, rows)

    assert error.row_errors == [
        (3, "缺少楼栋"),
        (4, "缺少房号"),
        (5, "楼层“五楼”应为整数"),
        (6, "开发商持有“也许”应填 是 或 否"),
    ]
    assert error.status == 422
    assert error.message == "导入失败：第 3 行缺少楼栋，共 4 处错误，未写入任何数据"
    assert error.errors["rows"][0] == {"row": 3, "message": "缺少楼栋"}
    assert counts(db) == before
    db.session.expire_all()
    assert unit(db, "1幢", "101").area == Decimal("89.50")


def test_every_error_of_one_row_is_reported(db, estate, admin):
    error = failure(admin, estate, [["1幢", "101", 1, "-3", "估算", "否", "张伟", "12345"]])

    assert [row for row, _ in error.row_errors] == [2, 2, 2]
    messages = [message for _, message in error.row_errors]
    assert "面积必须大于 0" in messages
    assert "面积来源“估算”无法识别，应为 不动产登记、测绘 或 合同" in messages
    assert "业主手机“12345”格式不正确，应为 11 位大陆手机号" in messages


def test_duplicate_unit_numbers_in_the_file_are_refused(db, estate, admin):
    rows = [
        ["1幢", "101", 1, "89.37", "测绘"],
        ["1幢", "102", 1, "89.37", "测绘"],
        ["1幢", 101, 1, "90.00", "测绘"],  # the number typed as a number is the same unit
        ["2幢", "101", 1, "89.37", "测绘"],  # another building: not a duplicate
    ]

    error = failure(admin, estate, rows)

    assert error.row_errors == [(4, "房屋 1幢 101 与第 2 行重复")]
    assert counts(db) == (0, 0, 0)


def test_a_duplicate_of_a_faulty_row_is_still_reported(db, estate, admin):
    rows = [["9幢", "101", 1, "abc", "测绘"], ["9幢", "101", 1, "90", "测绘"]]

    error = failure(admin, estate, rows)

    assert error.row_errors == [(2, "面积“abc”不是数字"), (3, "房屋 9幢 101 与第 2 行重复")]


@pytest.mark.parametrize(
    ("area", "message"),
    [
        (-12.5, "面积必须大于 0"),
        (0, "面积必须大于 0"),
        ("0.00", "面积必须大于 0"),
        (0.5, "面积 0.50 平方米不合理（应在 1.00–5000.00 之间）"),
        (5000.01, "面积 5000.01 平方米不合理（应在 1.00–5000.00 之间）"),
        (899999, "面积 899999.00 平方米不合理（应在 1.00–5000.00 之间）"),
        (89.375, "面积 89.375 超过两位小数"),
        (58.3749, "面积 58.3749 超过两位小数"),
        (1.005, "面积 1.005 超过两位小数"),
        ("89.371", "面积 89.371 超过两位小数"),
        ("八十九", "面积“八十九”不是数字"),
        ("NaN", "面积“NaN”不是数字"),
        (True, "面积不是数字"),
        (None, "缺少面积"),
    ],
)
def test_absurd_or_inexact_areas_are_refused(db, estate, admin, area, message):
    error = failure(admin, estate, [["1幢", "101", 1, area, "测绘"]])

    assert error.row_errors == [(2, message)]
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    ("area", "stored"),
    [
        ("89.500", Decimal("89.50")),
        ("  120.5㎡ ", Decimal("120.50")),
        (1, Decimal("1.00")),
        (5000, Decimal("5000.00")),
        (143.92, Decimal("143.92")),
    ],
)
def test_areas_at_the_bounds_and_with_units_are_exact(db, estate, admin, area, stored):
    import_units(admin, estate.id, xlsx([["1幢", "101", 1, area, "测绘"]]))

    assert unit(db, "1幢", "101").area == stored


def test_unknown_area_source_is_refused(db, estate, admin):
    error = failure(admin, estate, [["1幢", "101", 1, "89.37", "估算"], ["1幢", "102", 1, "89.37"]])

    assert error.row_errors == [
        (2, "面积来源“估算”无法识别，应为 不动产登记、测绘 或 合同"),
        (3, "缺少面积来源"),
    ]


@pytest.mark.parametrize(
    ("names", "phones", "message"),
    [
        ("张伟", "1380000000", "业主手机“1380000000”格式不正确，应为 11 位大陆手机号"),
        ("张伟", "23800000001", "业主手机“23800000001”格式不正确，应为 11 位大陆手机号"),
        ("张伟", "0571-8823156", "业主手机“05718823156”格式不正确，应为 11 位大陆手机号"),
        ("张伟、王芳", "13800000001", "业主姓名 2 个、业主手机 1 个，数量不一致"),
        ("", "13800000001", "业主姓名 0 个、业主手机 1 个，数量不一致"),
        ("张伟、张伟", "13800000001、13800000001", "同一业主（姓名和手机相同）填写了两次"),
    ],
)
def test_bad_owner_phones_and_counts_are_refused(db, estate, admin, names, phones, message):
    error = failure(admin, estate, [["1幢", "101", 1, "89.37", "测绘", "否", names, phones]])

    assert error.row_errors == [(2, message)]
    assert counts(db) == (0, 0, 0)


def test_phones_with_country_code_and_spaces_are_accepted(db, estate, admin):
    rows = [
        ["1幢", "101", 1, "89.37", "测绘", "否", "张伟，王芳", "+86 138 0000 0001；138-0000-0002"]
    ]

    import_units(admin, estate.id, xlsx(rows))

    assert [o.phone for o in unit(db, "1幢", "101").owners] == ["13800000001", "13800000002"]


@pytest.mark.parametrize(
    "content",
    [b"", b"not a spreadsheet", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, b"PK\x03\x04xx"],
    ids=["empty", "text", "old-xls", "broken-zip"],
)
def test_a_file_that_is_not_xlsx_is_refused(db, estate, admin, content):
    with pytest.raises(ImportFailed) as info:
        import_units(admin, estate.id, io.BytesIO(content))

    assert info.value.row_errors == [(0, "文件不是有效的 Excel（.xlsx）文件")]
    assert (
        info.value.message
        == "导入失败：文件不是有效的 Excel（.xlsx）文件，共 1 处错误，未写入任何数据"
    )


def test_a_zip_that_is_not_a_workbook_is_refused(db, estate, admin):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "你好")
    buffer.seek(0)

    with pytest.raises(ImportFailed) as info:
        import_units(admin, estate.id, buffer)

    assert info.value.row_errors == [(0, "文件不是有效的 Excel（.xlsx）文件")]


def test_missing_required_headers_are_reported_on_row_1(db, estate, admin):
    error = failure(admin, estate, [["1幢", "101"]], headers=["楼栋", "房号", "业主姓名"])

    assert error.row_errors == [
        (1, "缺少必需的列：面积、面积来源"),
        (1, "“业主姓名”和“业主手机”两列须同时提供"),
    ]


def test_an_empty_sheet_and_a_sheet_without_data_rows_are_refused(db, estate, admin):
    empty = failure(admin, estate, [], headers=None)
    header_only = failure(admin, estate, [[None, None]])

    assert empty.row_errors[0][0] == 1
    assert empty.row_errors[0][1].startswith("表格为空")
    assert header_only.row_errors == [(2, "表格中没有数据行")]


def test_too_many_rows_are_refused(app, db, estate, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = [["1幢", str(100 + n), 1, "89.37", "测绘"] for n in range(4)]

    error = failure(admin, estate, rows)

    assert error.row_errors == [(5, "数据超过 3 行的上限，请拆分文件后分批导入")]
    assert counts(db) == (0, 0, 0)
    assert import_units(admin, estate.id, xlsx(rows[:3])).units_created == 3


def test_a_database_refusal_leaves_nothing_written(db, estate, admin, monkeypatch):
    """The savepoint: if the database refuses a row after the checks passed (here the area
    CHECK constraint, with the importer's own bound loosened), the buildings and units
    written before it are undone too."""
    monkeypatch.setattr(importer, "MIN_UNIT_AREA", Decimal("0.01"))
    rows = [
        ["1幢", "101", 1, "89.37", "测绘", "否", "张伟", "13800000001"],
        ["2幢", "201", 2, "0.5", "测绘"],
    ]

    error = failure(admin, estate, rows)

    assert error.row_errors[0][0] == 0
    assert "数据库拒绝写入" in error.row_errors[0][1]
    db.session.commit()  # even if the caller commits afterwards
    assert counts(db) == (0, 0, 0)
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


# --- re-import -------------------------------------------------------------------------------


def test_reimport_updates_units_and_replaces_owners_instead_of_duplicating(db, estate, admin):
    import_units(admin, estate.id, xlsx(GOOD_ROWS))
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][3] = "89.40"  # area corrected
    rows[1][6:8] = ["李娜、周杰", "13800000003、13800000009"]  # a co-owner added
    rows[3][6:8] = ["赵磊", "13800000004"]  # 陈静 sold her share
    rows.append(["3幢", "301", 3, "77.77", "测绘", "否", "", ""])

    report = import_units(admin, estate.id, xlsx(rows))

    assert (report.buildings_created, report.units_created, report.units_updated) == (1, 1, 4)
    assert report.units_changed == 3
    assert (report.owners_created, report.owners_removed) == (1, 1)
    assert counts(db) == (3, 5, 5)
    db.session.expire_all()
    assert unit(db, "1幢", "101").area == Decimal("89.40")
    assert [o.name for o in unit(db, "1幢", "102").owners] == ["李娜", "周杰"]
    assert [o.name for o in unit(db, "2幢", "1102").owners] == ["赵磊"]


def test_reimport_of_the_same_file_changes_nothing(db, estate, admin):
    import_units(admin, estate.id, xlsx(GOOD_ROWS))
    owner_ids = set(db.session.scalars(sa.select(OwnerRecord.id)))

    report = import_units(admin, estate.id, xlsx(GOOD_ROWS))

    assert (report.units_created, report.units_updated, report.units_changed) == (0, 4, 0)
    assert counts(db) == (2, 4, 5)
    assert set(db.session.scalars(sa.select(OwnerRecord.id))) == owner_ids


def test_without_owner_columns_the_owners_are_kept(db, estate, admin):
    import_units(admin, estate.id, xlsx(GOOD_ROWS))
    headers = ["楼栋", "房号", "面积", "面积来源"]

    report = import_units(admin, estate.id, xlsx([["1幢", "101", "90.00", "测绘"]], headers))

    assert (report.units_updated, report.owners_removed) == (1, 0)
    db.session.expire_all()
    first = unit(db, "1幢", "101")
    assert first.area == Decimal("90.00")
    assert first.developer_held is False
    assert len(first.owners) == 2


def test_units_of_other_estates_are_not_touched(db, estate, admin):
    other = EstateFactory(company=estate.company)
    theirs = UnitFactory(building=BuildingFactory(estate=other, name="1幢"), number="101")

    report = import_units(admin, estate.id, xlsx([["1幢", "101", 1, "60.00", "测绘"]]))

    assert (report.buildings_created, report.units_created) == (1, 1)
    db.session.expire_all()
    assert db.session.get(Unit, theirs.id).area == Decimal("89.50")


# --- permission, scope, audit ----------------------------------------------------------------


def test_staff_of_another_company_cannot_import_into_the_estate(db, estate):
    outsider = StaffFactory(role=StaffRole.company_admin, company=EstateFactory().company)

    with pytest.raises(NotFound):
        import_units(outsider, estate.id, xlsx(GOOD_ROWS))

    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize("role", [StaffRole.technician, StaffRole.service_desk])
def test_company_staff_without_the_permission_cannot_import(db, estate, role):
    staff = StaffFactory(role=role, company=estate.company)

    with pytest.raises(Forbidden):
        import_units(staff, estate.id, xlsx(GOOD_ROWS))

    assert counts(db) == (0, 0, 0)


def test_platform_admin_can_import_into_any_estate(db, estate):
    report = import_units(StaffFactory(role=StaffRole.platform_admin), estate.id, xlsx(GOOD_ROWS))

    assert report.units_created == 4


def test_an_import_is_written_to_the_audit_log(db, estate, admin):
    stream = xlsx(GOOD_ROWS)
    stream.filename = "嘉绿景苑房屋.xlsx"

    import_units(admin, estate.id, stream)

    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "org.import",
        "estate",
        str(estate.id),
    )
    assert (entry.staff_id, entry.company_id, entry.estate_id) == (
        admin.id,
        estate.company_id,
        estate.id,
    )
    assert entry.after["units_created"] == 4
    assert entry.after["owners_created"] == 5
    assert entry.after["filename"] == "嘉绿景苑房屋.xlsx"


def test_a_reimport_records_each_changed_unit_before_and_after(db, estate, admin):
    import_units(admin, estate.id, xlsx(GOOD_ROWS))
    changed = [["1幢", "101", 1, "90.01", "不动产登记", "否", "张伟", "13800000001"]]

    import_units(admin, estate.id, xlsx(changed))

    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before["1幢 101"]["area"] == "89.37"
    assert entry.before["1幢 101"]["owners"] == ["张伟 13800000001", "王芳 13800000002"]
    assert entry.after["units"]["1幢 101"]["area"] == "90.01"
    assert entry.after["units"]["1幢 101"]["owners"] == ["张伟 13800000001"]
    assert entry.after["owners_removed"] == 1


# --- template --------------------------------------------------------------------------------


def test_template_has_the_headers_and_an_explained_example_that_imports(db, estate, admin):
    workbook = load_workbook(io.BytesIO(template_workbook()))

    assert workbook.sheetnames == ["房屋", "说明"]
    assert [c.value for c in workbook["房屋"][1]] == list(COLUMNS.values())
    assert workbook["房屋"].max_row == 1
    notes = list(workbook["说明"].iter_rows(values_only=True))
    assert [row[0] for row in notes[1:9]] == list(COLUMNS.values())
    example = next(
        notes[i + 1] for i, row in enumerate(notes) if list(row[:8]) == list(COLUMNS.values())
    )
    workbook["房屋"].append(list(example[:8]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    report = import_units(admin, estate.id, buffer)

    assert (report.units_created, report.owners_created) == (1, 2)
    assert unit(db, "1幢", "1101").area == Decimal("89.37")


# --- command line ----------------------------------------------------------------------------


def _write(tmp_path, rows, name="units.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows).getvalue())
    return str(path)


def test_cli_imports_a_file_as_the_first_platform_admin(app, db, estate, tmp_path):
    admin = StaffFactory(role=StaffRole.platform_admin)

    result = app.test_cli_runner().invoke(
        args=["import-units", str(estate.id), _write(tmp_path, GOOD_ROWS)]
    )

    assert result.exit_code == 0, result.output
    assert "新建房屋 4 户" in result.output
    db.session.rollback()  # what the command committed stays
    assert counts(db) == (2, 4, 5)
    assert db.session.scalars(sa.select(AuditEntry)).one().staff_id == admin.id


def test_cli_acts_as_the_given_staff_within_their_scope(app, db, estate, tmp_path):
    StaffFactory(role=StaffRole.platform_admin)
    StaffFactory(
        username="other.admin", role=StaffRole.company_admin, company=EstateFactory().company
    )

    result = app.test_cli_runner().invoke(
        args=["import-units", str(estate.id), _write(tmp_path, GOOD_ROWS), "--as", "other.admin"]
    )

    assert result.exit_code == 1
    assert "未找到该记录" in result.output
    assert counts(db) == (0, 0, 0)


def test_cli_prints_every_row_error_exits_1_and_writes_nothing(app, db, estate, tmp_path):
    StaffFactory(role=StaffRole.platform_admin)
    rows = [*GOOD_ROWS, ["3幢", "301", 3, "-1", "测绘"], ["3幢", "302", 3, "80", "估算"]]

    result = app.test_cli_runner().invoke(
        args=["import-units", str(estate.id), _write(tmp_path, rows)]
    )

    assert result.exit_code == 1
    assert "共 2 处错误，未写入任何数据" in result.output
    assert "第 6 行：面积必须大于 0" in result.output
    assert "第 7 行：面积来源“估算”无法识别" in result.output
    db.session.rollback()
    assert counts(db) == (0, 0, 0)


def test_cli_refuses_a_file_that_is_not_xlsx(app, db, estate, tmp_path):
    StaffFactory(role=StaffRole.platform_admin)
    path = tmp_path / "units.csv"
    path.write_text("楼栋,房号\n1幢,101\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["import-units", str(estate.id), str(path)])

    assert result.exit_code == 1
    assert "文件：文件不是有效的 Excel（.xlsx）文件" in result.output


def test_cli_without_a_platform_admin_explains_what_to_do(app, db, estate, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["import-units", str(estate.id), _write(tmp_path, GOOD_ROWS)]
    )

    assert result.exit_code == 1
    assert "还没有平台管理员账号" in result.output
    assert counts(db) == (0, 0, 0)


def _with_sheet_xml(sheet_xml: str) -> io.BytesIO:
    """A real workbook whose first sheet's XML is replaced by ``sheet_xml``."""
    source = zipfile.ZipFile(xlsx([["1幢", "101", 1, "89.37", "测绘"]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            target.writestr(info, data)
    buffer.seek(0)
    return buffer


SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def test_a_far_away_row_number_is_refused_quickly(app, db, estate, admin):
    """A 5 KB file whose only row is numbered 20,000,000: refused by the row number,
    without openpyxl filling in twenty million empty rows."""
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADERS)
    sheet = (
        SHEET_HEAD + f'<sheetData><row r="1">{header}</row><row r="20000000">'
        '<c r="A20000000" t="inlineStr"><is><t>1幢</t></is></c></row></sheetData></worksheet>'
    )
    data = _with_sheet_xml(sheet)
    assert len(data.getvalue()) < 10_000

    started = time.monotonic()
    with pytest.raises(ImportFailed) as info:
        import_units(admin, estate.id, data)

    assert time.monotonic() - started < 5
    limit = app.config["IMPORT_MAX_ROWS"]
    assert info.value.row_errors == [
        (limit + 2, f"数据超过 {limit} 行的上限，请拆分文件后分批导入")
    ]


def test_blank_rows_count_toward_the_row_limit(app, db, estate, admin, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = [["1幢", "101", 1, "89.37", "测绘"], [], [], [], ["1幢", "102", 1, "89.37", "测绘"]]

    error = failure(admin, estate, rows)

    assert error.row_errors == [(5, "数据超过 3 行的上限，请拆分文件后分批导入")]


@pytest.mark.parametrize(
    "sheet",
    [
        SHEET_HEAD + "<sheetData><row r='1'><c t='inlineStr'><is><t>&nope;</t></is></c>"
        "</row></sheetData></worksheet>",
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData><row r='1'><c t='inlineStr'><is><t>&h;</t></is></c></row></sheetData>"
        "</worksheet>",
        SHEET_HEAD + "<sheetData><row r='1'><c",
    ],
    ids=["undefined-entity", "entity-expansion", "truncated"],
)
def test_sheet_xml_that_does_not_parse_is_a_clear_error(db, estate, admin, sheet):
    with pytest.raises(ImportFailed) as info:
        import_units(admin, estate.id, _with_sheet_xml(sheet))

    assert info.value.row_errors in ([(0, importer.UNREADABLE)], [(0, importer.NOT_XLSX)])
    assert counts(db) == (0, 0, 0)


def test_unstorable_text_in_cells_is_reported_by_row(db, estate, admin):
    error = failure(admin, estate, [["1幢", "10\u202e1", 1, "89.37", "测绘"]])

    assert error.row_errors == [(2, "房号不能包含文字方向控制符")]
