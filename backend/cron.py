"""Periodic jobs, loaded by ``rq cron backend.cron`` (the Procfile's ``clock`` process).

Each feature declares its jobs in its ``feature.py``; this registers them all.
"""

from rq import cron

from backend.features import periodic_jobs

for _job in periodic_jobs():
    cron.register(_job.load(), "linli", cron=_job.cron, interval=_job.interval)
