"""Supervision by the street office and the bureau (监管): dashboard, 督办, evaluation, filings."""
