"""Disclosure boards (信息公示栏): sections by legal duty, append-only posts, compliance."""
