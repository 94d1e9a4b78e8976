"""Flask CLI commands: ``flask --app backend <command>``."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from backend.outbox.cli import outbox_cli

    app.cli.add_command(outbox_cli)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def serve_command(host: str, port: int):
        """Serve the app for the demo (``make run``): Werkzeug's server, whose own errors
        (a request line over 64 KB) answer in the JSON error format like the app's."""
        from werkzeug.serving import run_simple

        from backend.serving import RequestHandler

        run_simple(host, port, app, threaded=True, request_handler=RequestHandler)

    @app.cli.command("end-tenancies")
    def end_tenancies_command():
        """End the tenancies whose end date has come (the worker's cron runs this daily)."""
        from backend.accounts.jobs import end_expired_tenancies_job

        count = end_expired_tenancies_job()
        click.echo(f"已结束 {count} 个到期租户身份")

    @app.cli.command("import-units")
    @click.argument("estate_id", type=int)
    @click.argument("path", metavar="FILE.xlsx", type=click.Path(exists=True, dir_okay=False))
    @click.option("--as", "username", help="以该员工账号的身份导入（默认：第一个平台管理员）")
    def import_units_command(estate_id: int, path: str, username: str | None):
        """Import buildings, units and owners of record of an estate from an .xlsx file.

        Any error in the file is listed by row and nothing is written (exit status 1).
        """
        import os

        from backend.core.db import commit, rollback
        from backend.core.errors import DomainError
        from backend.org.importer import ImportFailed, import_units

        actor = _acting_staff(username)
        try:
            with open(path, "rb") as stream:
                report = import_units(actor, estate_id, stream, filename=os.path.basename(path))
        except ImportFailed as exc:
            rollback()
            click.echo(f"导入失败，共 {len(exc.row_errors)} 处错误，未写入任何数据：", err=True)
            for row, message in exc.row_errors:
                click.echo(f"  第 {row} 行：{message}" if row else f"  文件：{message}", err=True)
            raise SystemExit(1) from exc
        except DomainError as exc:
            rollback()
            raise click.ClickException(exc.message) from exc
        commit()
        click.echo(f"导入完成。{report.summary()}")

    @app.cli.command("generate-bills")
    @click.argument("estate_id", type=int)
    @click.argument("period", metavar="YYYY-MM")
    def generate_bills_command(estate_id: int, period: str):
        """Generate the bills of an estate for a month (a second run creates nothing)."""
        from backend.core.db import commit, rollback
        from backend.core.errors import DomainError
        from backend.fees.services import generate_bills, parse_period

        try:
            report = generate_bills(estate_id, parse_period(period))
        except DomainError as exc:
            rollback()
            raise click.ClickException(exc.message) from exc
        commit()
        click.echo(report.summary())
        for unit_id, label in report.unbilled_units:
            click.echo(f"  未出账：{label}（房屋 {unit_id}）")

    @app.cli.command("rebuild-rollups")
    def rebuild_rollups_command():
        """Recompute the supervision rollups from the raw ticket events (one transaction):
        after upgrading to them, restoring a backup or changing how figures are counted."""
        from backend.core.db import commit
        from backend.supervision.rollups import rebuild

        rows = rebuild()
        commit()
        click.echo(f"已重建统计汇总：{rows} 行")

    @app.cli.command("evaluate-month")
    @click.argument("month", metavar="YYYY-MM")
    def evaluate_month_command(month: str):
        """(Re)compute every company's evaluation for a month (the clock does last month)."""
        from backend.core.db import commit
        from backend.core.errors import DomainError
        from backend.fees.services import parse_period
        from backend.supervision.evaluation import evaluate_month

        try:
            count = evaluate_month(parse_period(month))
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        commit()
        click.echo(f"已评价 {count} 家物业企业")

    @app.cli.command("compile-lists")
    @click.argument("year", type=int)
    @click.option("--as", "username", help="以该员工账号的身份评定（默认：第一个平台管理员）")
    def compile_lists_command(year: int, username: str | None):
        """Draw up a year's red/black list by the rules in force and publish it."""
        from backend.core.db import commit
        from backend.supervision.evaluation import compile_lists

        entries = compile_lists(_acting_staff(username), year)
        commit()
        for entry in entries:
            click.echo(f"{entry.kind.label}：{entry.company.name}（{entry.reason}）")
        click.echo(f"共 {len(entries)} 家")

    @app.cli.command("open311-key")
    @click.argument("name")
    @click.option(
        "--street", "street_id", type=int, required=True, help="jurisdiction_id：街道编号"
    )
    @click.option(
        "--channel",
        type=click.Choice(["hotline", "grid", "open311"]),
        default="open311",
        help="渠道：hotline=12345 热线，grid=网格，open311=其他",
    )
    @click.option("--callback", default="", help="状态变化推送地址（可选）")
    def open311_key_command(name: str, street_id: int, channel: str, callback: str):
        """Issue an Open311 api_key to a partner; the key is printed once, stored hashed."""
        from backend.core.db import commit
        from backend.core.errors import DomainError
        from backend.open311.services import create_partner

        try:
            partner, key = create_partner(None, name, street_id, channel, callback)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        commit()
        click.echo(f"接入方 {partner.name}（编号 {partner.id}，街道 {street_id}）的 api_key：")
        click.echo(key)
        click.echo("该密钥只显示这一次，请妥善保存。")

    @app.cli.command("seed-demo")
    @click.option("--reset", is_flag=True, help="先清空数据库中的全部数据再创建（仅限演示/开发库）")
    @click.option("--yes", is_flag=True, help="与 --reset 同用时不再确认")
    def seed_demo_command(reset: bool, yes: bool):
        """Create the demo street, estates, units, owners, staff and invites (idempotent)."""
        from backend.core.db import commit
        from backend.demo import format_summary, seed_demo

        if reset and not yes:
            click.confirm("将清空数据库中的全部数据后重新创建演示数据，确定继续吗？", abort=True)
        summary = seed_demo(reset=reset)
        commit()
        click.echo(format_summary(summary))


def _acting_staff(username: str | None):
    """The staff account a CLI command acts as: ``username``, else the first platform admin."""
    import sqlalchemy as sa

    from backend.accounts.models import Staff
    from backend.authz import scope
    from backend.extensions import db

    stmt = sa.select(Staff).where(Staff.active.is_(True))
    if username:
        staff = db.session.scalars(stmt.where(Staff.username == username)).first()
        if staff is None:
            raise click.ClickException(f"没有名为 {username} 的有效员工账号")
        return staff
    staff = db.session.scalars(stmt.where(scope.platform_admins()).order_by(Staff.id)).first()
    if staff is None:
        raise click.ClickException("还没有平台管理员账号：请先创建，或用 --as 指定员工账号")
    return staff
