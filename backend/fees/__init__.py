"""Fees (物业费): fee items, bills, payments, receipts, reminders and reports."""
