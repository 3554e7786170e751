"""``python -m fap_sandbox`` as ``./dev run`` starts it: it delivers its callbacks by itself, stops on SIGTERM.

Plain pytest tests: the demo's sandbox is a process of its own, Odoo is not involved.
"""

import re
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import requests
from fap_sandbox.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_NUMBERS, twilio_signature


class _Receiver(BaseHTTPRequestHandler):
    """Stands in for Odoo's /sms_twilio/status/<uuid> route: records what it is posted."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append((self.path, dict(parse_qsl(body)), self.headers["X-Twilio-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


def test_the_demo_sandbox_delivers_signed_status_callbacks_by_itself_and_stops_on_sigterm():
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    callback_url = f"http://127.0.0.1:{receiver.server_address[1]}/sms_twilio/status/{'a' * 32}"
    process = subprocess.Popen(
        [sys.executable, "-m", "fap_sandbox", "--port", "0", "--smtp-port", "0", "--dns-port", "0", "--delay", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = re.search(r"inbox (http://127\.0\.0\.1:\d+)/", process.stdout.readline())[1]
        response = requests.post(
            f"{url}/twilio/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}/Messages.json",
            auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN),
            data={"To": "+15145550142", "From": DEMO_NUMBERS[0], "Body": "Bonjour", "StatusCallback": callback_url},
            timeout=5,
        )
        assert response.status_code == 201
        for _attempt in range(50):
            if requests.get(f"{url}/inbox.json", timeout=5).json()["statuses"] == ["delivered"]:
                break
            threading.Event().wait(0.1)
        assert [params["MessageStatus"] for _path, params, _sig in _Receiver.received] == ["sent", "delivered"]
        for _path, params, signature in _Receiver.received:
            assert signature == twilio_signature(DEMO_AUTH_TOKEN, callback_url, params)
        assert "delivered" in requests.get(f"{url}/", timeout=5).text
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        receiver.shutdown()
