"""The special maintenance fund (住宅专项维修资金): per-unit ledger, uses, review, disbursement."""
