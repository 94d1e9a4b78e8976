"""``flask --app backend outbox status|drain``: the operators' view of the outbox."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="发件箱（后台任务）：查看状态，故障后立即执行积压任务。")


@outbox_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")
def status_command(as_json: bool):
    """Commands by state (pending, running, done, failed), how many are due, and how
    long the oldest pending one has waited. Exits 0."""
    from backend.core.outbox import counts

    found = counts()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, sort_keys=True))
        return
    click.echo(
        f"待执行 {found['pending']}（已到期 {found['due']}，"
        f"最久等待 {found['oldest_pending_s']} 秒）"
        f"  执行中 {found['running']}  已完成 {found['done']}  失败 {found['failed']}"
    )


@outbox_cli.command("drain")
def drain_command():
    """Run every due command now, in this process (after an outage): the same work the
    worker does. Exits 0 when nothing is left pending, 1 otherwise."""
    from backend.core.outbox import counts, drain

    ran = drain()
    left = counts()
    click.echo(f"已执行 {ran} 个任务；剩余待执行 {left['pending']}，失败 {left['failed']}")
    if left["pending"]:
        raise SystemExit(1)
