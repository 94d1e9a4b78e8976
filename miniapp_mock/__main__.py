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
    parser.add_argument(
        "--pay-tls-port",
        type=int,
        default=None,
        help="also serve WeChat Pay over TLS on this port (secapi needs the merchant certificate)",
    )
    parser.add_argument(
        "--pay-certs",
        default="instance/pay-tls",
        help="folder of the TLS certificates (made on first use: CA, server, merchant)",
    )
    args = parser.parse_args()
    app = create_app(args.appid, args.secret, args.api_base, args.templates)
    if args.pay_tls_port:
        _serve_pay_over_tls(app, args.host, args.pay_tls_port, args.pay_certs)
    app.run(host=args.host, port=args.port, threaded=True)


def _serve_pay_over_tls(app, host: str, port: int, folder: str) -> None:
    """The same fake server over TLS in a thread, as api.mch.weixin.qq.com: point the
    backend's ``WECHAT_PAY_API_BASE`` there, with ``WECHAT_PAY_MCH_CERT``/``KEY`` and
    ``LINLI_WECHAT_PAY_CA_BUNDLE`` from ``folder``."""
    import threading

    from werkzeug.serving import make_server

    from miniapp_mock import tls

    certificates = tls.in_folder(folder, app.extensions["fake_wechat_pay"].mch_id)
    server = make_server(host, port, app, threaded=True, ssl_context=certificates.server_context())
    threading.Thread(target=server.serve_forever, daemon=True).start()


if __name__ == "__main__":
    main()
