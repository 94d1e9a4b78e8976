"""Run the fake WeChat server and the simulator: ``python -m miniapp_mock [--port 5100]``."""

from __future__ import annotations

import argparse

from miniapp_mock.wechat_server import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="邻里：模拟微信服务器与小程序 H5 模拟器")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--appid", default="wxlinlidemo0000001")
    parser.add_argument("--secret", default="linli-demo-secret")
    parser.add_argument(
        "--api-base",
        default="http://127.0.0.1:5000/api/v1",
        help="the resident API the simulator talks to",
    )
    parser.add_argument(
        "--templates",
        default=None,
        help="subscribe-message templates file (default: the backend's own)",
    )
    args = parser.parse_args()
    app = create_app(args.appid, args.secret, args.api_base, args.templates)
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
