"""Periodic jobs, loaded by ``rq cron backend.cron`` (the Procfile's ``clock`` process)."""

from rq import cron

from backend.accounts.jobs import end_expired_tenancies_job
from backend.notify.services import resend_stale_notifications
from backend.org.jobs import apply_contracts_job

# 00:05 Asia/Shanghai is 16:05 UTC: tenancies end on their end date
cron.register(end_expired_tenancies_job, "linli", cron="5 16 * * *")
cron.register(apply_contracts_job, "linli", cron="10 16 * * *")
cron.register(resend_stale_notifications, "linli", interval=600)
