"""Mediation of property disputes (人民调解): cases, their state machine and documents."""
