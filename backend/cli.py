"""Flask CLI commands: ``flask --app backend <command>``."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("end-tenancies")
    def end_tenancies_command():
        """End the tenancies whose end date has come (the worker's cron runs this daily)."""
        from backend.accounts.jobs import end_expired_tenancies_job

        count = end_expired_tenancies_job()
        click.echo(f"已结束 {count} 个到期租户身份")
