"""Periodic jobs, loaded by ``rq cron backend/cron.py`` (the Procfile's ``clock`` process)."""

from rq import cron

from backend.accounts.jobs import end_expired_tenancies_job

# 00:05 Asia/Shanghai is 16:05 UTC: tenancies end on their end date
cron.register(end_expired_tenancies_job, "linli", cron="5 16 * * *")
