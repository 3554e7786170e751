"""``python -m fap_sandbox``: the sandbox of the offline demo, delivering its callbacks by itself."""

import argparse
import logging
import signal
import threading

from .server import Sandbox


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--smtp-port", type=int, default=8025)
    parser.add_argument("--odoo-url", default="http://127.0.0.1:8069", help="where Stripe webhooks are delivered")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds between two status callbacks")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sandbox = Sandbox(args.host, args.port, args.smtp_port, odoo_url=args.odoo_url, auto_deliver=True, delay=args.delay)
    sandbox.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    sandbox.stop()


if __name__ == "__main__":
    main()
