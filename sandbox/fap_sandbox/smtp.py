"""SMTP sink: accepts every message Odoo sends and keeps it for the inbox page and the tests."""

import threading

from aiosmtpd.controller import Controller

from .mail import parse_mail


class MailSink:
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.messages = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname=host, port=port or self._free_port(host))

    @staticmethod
    def _free_port(host):
        import socket

        with socket.socket() as sock:
            sock.bind((host, 0))
            return sock.getsockname()[1]

    @property
    def port(self):
        return self._controller.port

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope):
        mail = parse_mail(envelope.original_content or envelope.content)
        mail["rcpt_tos"] = list(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(mail)
        return "250 OK"

    def find(self, to=None, subject=None):
        """The messages to ``to`` (substring of the recipients) whose subject contains ``subject``."""
        return [
            m
            for m in self.messages
            if (to is None or any(to in r for r in m["rcpt_tos"]) or to in m["to"])
            and (subject is None or subject in m["subject"])
        ]
