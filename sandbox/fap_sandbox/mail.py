"""Reading the emails the SMTP sink receives: parts, links and inline images."""

import base64
import re
import time
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser

URL_RE = re.compile(r"https?://[^\s<>\"']+")


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith(("http://", "https://")):
            self.links.append(href)


def mail_links(html_body, text_body):
    """The links a person can click in the email, in order, once each (the text's URLs for a text-only mail)."""
    if html_body:
        collector = _LinkCollector()
        collector.feed(html_body)
        links = collector.links
    else:
        links = URL_RE.findall(text_body)
    return list(dict.fromkeys(links))


def inline_cid_images(body, message):
    """Show ``cid:`` images (inline related parts) as a mail client does, as data URIs."""
    images = {
        part["Content-ID"].strip("<>"): part
        for part in message.walk()
        if part["Content-ID"] and part.get_content_maintype() == "image"
    }

    def data_uri(match):
        part = images.get(match[1])
        if not part:
            return match[0]
        data = base64.b64encode(part.get_payload(decode=True)).decode()
        return f'src="data:{part.get_content_type()};base64,{data}"'

    return re.sub(r'src="cid:([^"]+)"', data_uri, body)


def parse_mail(raw):
    message = BytesParser(policy=policy.default).parsebytes(raw)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    html_body = html_part.get_content() if html_part else ""
    text_body = text_part.get_content() if text_part else re.sub(r"<[^>]+>", " ", html_body)
    attachments = [
        {"filename": part.get_filename(), "content_type": part.get_content_type(), "data": part.get_content()}
        for part in message.iter_attachments()
    ]
    return {
        "date": time.time(),
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "html": html_body,
        "text": text_body,
        "links": mail_links(html_body, text_body),
        "attachments": attachments,
        "message": message,
    }
