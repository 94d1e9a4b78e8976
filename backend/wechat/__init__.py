"""WeChat wiring: wechatpy pointed at the configured API base (real or the fake server)."""
