"""Periodic jobs, loaded by ``rq cron backend.cron`` (the Procfile's ``clock`` process).

Each feature declares its jobs in its ``feature.py``; this registers them all.
"""

from rq import cron

from backend.features import periodic_jobs
from backend.jobs import queue_name

QUEUE = queue_name()

for _job in periodic_jobs():
    cron.register(_job.load(), QUEUE, cron=_job.cron, interval=_job.interval)
