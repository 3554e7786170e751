"""``python -m fap_sandbox``: the sandbox of the offline demo, delivering its callbacks by itself."""

import argparse
import logging
import signal
import sys
import threading

from .server import Sandbox


def main():
    parser = argparse.ArgumentParser(prog="python -m fap_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="the loopback address to listen on")
    parser.add_argument("--port", type=int, default=8070, help="HTTP port: the inbox page, /twilio, /stripe")
    parser.add_argument("--smtp-port", type=int, default=8025, help="port of the SMTP sink")
    parser.add_argument("--odoo-url", default="http://127.0.0.1:8069", help="where Stripe webhooks are delivered")
    parser.add_argument("--dns-port", type=int, default=8053, help="UDP port of the DNS server (DKIM public keys)")
    parser.add_argument("--odoo-db", default="facture_a_payer", help="database of Odoo's mail gateway (Interac)")
    parser.add_argument("--odoo-login", default="admin", help="user handing the notifications to the gateway")
    parser.add_argument("--odoo-password", default="admin")
    parser.add_argument(
        "--interac-forward-to",
        default="interac@plomberie-beaulieu.example.com",
        help="the alias the merchant's mailbox forwards the Interac notifications to",
    )
    parser.add_argument("--delay", type=float, default=2.0, help="seconds between two status callbacks")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every HTTP request")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiosmtpd logs every SMTP command at INFO.
    logging.getLogger("mail.log").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        sandbox = Sandbox(
            args.host,
            args.port,
            args.smtp_port,
            odoo_url=args.odoo_url,
            auto_deliver=True,
            delay=args.delay,
            dns_port=args.dns_port,
        )
        sandbox.interac.gateway = {
            "url": args.odoo_url,
            "db": args.odoo_db,
            "login": args.odoo_login,
            "password": args.odoo_password,
        }
        sandbox.interac.forward_to = args.interac_forward_to
        sandbox.start()
    except OSError as error:
        sys.exit(
            f"fap_sandbox: cannot listen on {args.host} "
            f"(HTTP {args.port}, SMTP {args.smtp_port}, DNS {args.dns_port}): {error}"
        )
    print(f"Sandbox: inbox {sandbox.url}/ · Twilio {sandbox.url}/twilio · SMTP {args.host}:{sandbox.smtp_port}")
    print(f"         Stripe {sandbox.url}/stripe · callbacks and webhooks to {args.odoo_url}")
    print(f"         Interac notifications to {args.interac_forward_to} (DNS {sandbox.interac.nameserver})", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
