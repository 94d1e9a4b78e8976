"""Pieces every feature shares: the API base classes, errors, time and column types."""
