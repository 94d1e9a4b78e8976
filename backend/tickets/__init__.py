"""Tickets (报修/投诉/报事): repairs, complaints and reports, with SLA timers and escalation."""
