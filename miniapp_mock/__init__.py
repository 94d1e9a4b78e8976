"""Offline stand-ins for WeChat: a fake WeChat API server and an H5 simulator of the mini-app."""
