"""Notifications: WeChat subscribe messages sent by jobs, every attempt recorded."""
