"""Accounts: residents (WeChat sign-in, residencies, binding) and staff (roles, scopes)."""
