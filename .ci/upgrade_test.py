"""The upgrade test: the released add-ons make real data, the working tree's upgrade them, every record still works.

1. The release (tag 19.0.1.0.0, or its commit on a clone without tags) is extracted with ``git archive`` into a
   temporary directory and installed, with the demo add-on, on a copy of ``./dev``'s template database.
2. An Odoo server running the OLD code is driven as the merchant (XML-RPC calls of its buttons' public methods) and
   the customer (HTTP: the SMS's short link, the portal's approval and payment routes, the card on the sandbox's
   Stripe Checkout page): quotes sent by email and SMS, one approved and paid by card, a deposit paid, a mass
   sending. What the books then hold is written to ``expected.json``.
3. ``-u`` with the working tree's code; any WARNING, ERROR, CRITICAL or traceback in its log fails the test.
4. An Odoo server running the NEW code: the links still open on the document, the payments are still reconciled,
   the migrations' effects hold (the company's reminder cadence, the next reminder of every open document sent
   before), and the new code works on the old data (a mass-sent invoice paid by card, the other by an Interac
   e-Transfer once the merchant turns Interac on).

One sandbox (today's ``fap_sandbox``, run in this process) stands in for Stripe, Twilio and the mailbox throughout:
like the real services, it does not change when the add-ons are upgraded, and the new code's checks read what it
received from the old code. Called by ``./dev upgrade-test``; exits 1 on the first broken step or on failed checks.
"""

import argparse
import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import requests
from fap_sandbox import Sandbox
from fap_sandbox.stripe import CARD_SUCCESS
from lxml import html as lxml_html

# A 1x1 transparent PNG: what Odoo's signature pad sends, base64-encoded.
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
RELEASE_TAG = "19.0.1.0.0"
RELEASE_COMMIT = "eac94d676e5177ba0596ccf836f3b8aa87fb95e0"
ADDONS = "facture_a_payer,payment_stripe_checkout,facture_a_payer_demo"
LOG_LINE_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")
# The cadence every company starts with (facture_a_payer.reminder.step._fap_default_cadence), as README says it.
QUOTE_STEPS = (("after_sent", 3), ("before_expiry", 2))
INVOICE_STEPS = (("before_due", 3), ("after_due", 0), ("after_due", 7), ("after_due", 14))


def say(message):
    print(f"upgrade-test: {message}", flush=True)


class Failed(Exception):
    pass


class Odoo:
    """``odoo-bin`` of one code base (its addons path) on the test's database."""

    def __init__(self, args, addons_root, name):
        self.args, self.addons_root, self.name = args, addons_root, name
        self.url = f"http://127.0.0.1:{args.http_port}"
        self.process = None

    def command(self, *options, log):
        return [
            self.args.python,
            f"{self.args.odoo}/odoo-bin",
            f"--addons-path={self.args.odoo}/addons,{self.addons_root}",
            f"--db_user={self.args.db_user}",
            f"--data-dir={self.args.data_dir}",
            "-d",
            self.args.db,
            f"--db-filter=^{self.args.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.args.http_port}",
            f"--logfile={log}",
            *options,
        ]

    def run(self, *options, log):
        started = time.monotonic()
        returncode = subprocess.run(self.command(*options, "--stop-after-init", log=log), check=False).returncode
        say(f"{self.name}: odoo-bin {' '.join(options)}: exit {returncode} in {time.monotonic() - started:.0f} s")
        if returncode:
            raise Failed(f"{self.name}: odoo-bin {' '.join(options)} failed (log: {log})")

    def start(self, log):
        # One cron thread: the mass sending and the mail queue run as they do in production.
        self.process = subprocess.Popen(self.command("--max-cron-threads=1", log=log))
        for _ in range(300):
            try:
                # The first page compiles the assets: slow on a busy machine.
                if requests.get(f"{self.url}/web/login", timeout=120).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise Failed(f"{self.name}: the server stopped (log: {log})")
            time.sleep(0.2)
        raise Failed(f"{self.name}: the server did not answer on {self.url} (log: {log})")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Merchant:
    """The administrator of the demo in Odoo's web client: its buttons' public methods, through call_kw."""

    def __init__(self, url, db):
        self.url = url
        self.session = requests.Session()
        self._rpc("/web/session/authenticate", {"db": db, "login": "admin", "password": "admin"})

    def _rpc(self, path, params):
        answer = self.session.post(
            self.url + path, json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}, timeout=300
        ).json()
        if "error" in answer:
            raise Failed(f"{path}: {answer['error']['data']['message']}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self._rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def read(self, model, record_id, fields):
        [values] = self.call(model, "read", [record_id], fields)
        return values

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        [data] = self.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
        return data["res_id"]


class Customer:
    """The customer's browser: a public session that only has the links it was sent."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def absolute(self, url):
        return url if url.startswith("http") else self.url + url

    def get(self, url):
        return self.session.get(self.absolute(url), timeout=120)

    def rpc(self, url, params=None):
        answer = self.session.post(
            self.absolute(url), json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params or {}}, timeout=120
        ).json()
        if "result" not in answer:
            raise Failed(f"{url}: {answer.get('error')}")
        return answer["result"]

    def pay_by_card(self, route, access_token, amount, provider_id, method_id, landing_route):
        """What the portal's payment form and Stripe's hosted page do: the landing page once paid."""
        processing = self.rpc(
            route,
            {
                "access_token": access_token,
                "provider_id": provider_id,
                "payment_method_id": method_id,
                "token_id": None,
                "amount": amount,
                "flow": "redirect",
                "tokenization_requested": False,
                "landing_route": landing_route,
            },
        )
        page_url = lxml_html.fromstring(processing["redirect_form_html"]).get("action")
        paid = self.session.post(f"{page_url}/pay", data={"cardnumber": CARD_SUCCESS}, allow_redirects=False)
        if paid.status_code != 303:
            raise Failed(f"Stripe's page refused the card: {paid.status_code} {paid.text[:200]}")
        self.get(paid.headers["Location"])  # Odoo's return route, then its status page
        return self.get(self.poll_status()["landing_route"])

    def poll_status(self, seconds=60):
        """What Odoo's status page does: poll until the transaction is final, and again after a « retry » (its
        post-processing met a concurrent update of the same payment, such as Stripe's webhook posting it)."""
        deadline = time.monotonic() + seconds
        while True:
            answer = self.session.post(
                self.absolute("/payment/status/poll"),
                json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": {}},
                timeout=120,
            ).json()
            result, error = answer.get("result"), answer.get("error")
            if result and result["state"] in ("authorized", "done", "cancel", "error"):
                return result
            if error and error.get("data", {}).get("message") != "retry":
                raise Failed(f"/payment/status/poll: {error}")
            if time.monotonic() > deadline:
                raise Failed(f"/payment/status/poll: not final after {seconds} s: {answer}")
            time.sleep(1)


def short_link(sandbox, phone, before):
    """The link of the last SMS sent to ``phone`` since message number ``before`` (a mass sending hands its SMS to
    Twilio once its batch is committed: they may still be on their way)."""
    number = re.sub(r"[^\d+]", "", phone)

    def bodies():
        return [m["body"] for m in sandbox.twilio.messages[before:] if m["to"] == number]

    wait_for(f"an SMS to {phone}", bodies, seconds=60)
    return re.search(r"https?://\S+/p/[\w-]+", bodies()[-1])[0]


def landing(page):
    """Where a link led: the page's path without its language, and its status."""
    path = re.sub(r"^/[a-z]{2}(_[A-Z]{2})?(?=/)", "", urlsplit(page.url).path)
    return {"path": path, "status": page.status_code}


def wait_for(what, predicate, seconds=120):
    for _ in range(int(seconds * 2)):
        if predicate():
            return
        time.sleep(0.5)
    raise Failed(f"still waiting, after {seconds} s, for {what}")


def make_data(merchant, customer, sandbox):
    """Drive the old code as its users do; return what the books hold."""
    company = merchant.ref("facture_a_payer_demo.demo_company")
    [provider] = merchant.call(
        "payment.provider", "search", [("code", "=", "stripe_checkout"), ("company_id", "=", company)]
    )
    [card] = merchant.call("payment.method", "search", [("code", "=", "card")])
    # Odoo's setting: a quote paid online (the deposit) is invoiced by its payment.
    merchant.call("ir.config_parameter", "set_param", "sale.automatic_invoice", "True")
    labour = merchant.ref("facture_a_payer_demo.demo_product_labour_hour")
    expected = {"quotes": {}, "invoices": {}, "short_links": {}}

    def new_quote(partner_xmlid, **values):
        return merchant.call(
            "sale.order",
            "create",
            {
                "fap_flow": True,
                "company_id": company,
                "partner_id": merchant.ref(partner_xmlid),
                "order_line": [(0, 0, {"product_id": labour, "product_uom_qty": 3})],
                **values,
            },
        )

    def send(model, record_id):
        before = len(sandbox.twilio.messages)
        merchant.call(model, "action_fap_save_and_send", [record_id])
        phone = merchant.read(model, record_id, ["partner_id"])["partner_id"][0]
        phone = merchant.read("res.partner", phone, ["phone"])["phone"]
        link = short_link(sandbox, phone, before)
        expected["short_links"][f"{model},{record_id}"] = link
        return link

    # A quote sent by email and SMS, approved by the customer from the SMS's link, its invoice paid by card.
    approved = merchant.ref("facture_a_payer_demo.demo_quote_draft")
    link = send("sale.order", approved)
    quote_page = customer.get(link)
    if quote_page.status_code != 200 or 'name="fap_approve"' not in quote_page.text:
        raise Failed(f"the short link {link} does not show the quote to approve")
    path, query = quote_page.url.split("?", 1)
    approval = customer.rpc(f"{path}/accept?{query}", {"name": "Sarah Mitchell", "signature": SIGNATURE})
    if "redirect_url" not in approval:
        raise Failed(f"the approval was refused: {approval}")
    [invoice] = merchant.read("sale.order", approved, ["invoice_ids"])["invoice_ids"]
    token = merchant.read("account.move", invoice, ["access_token"])["access_token"]
    customer.pay_by_card(
        f"/invoice/transaction/{invoice}",
        token,
        merchant.read("account.move", invoice, ["amount_residual"])["amount_residual"],
        provider,
        card,
        f"/my/invoices/{invoice}?access_token={token}",
    )
    expected["approved"] = {"quote": approved, "invoice": invoice, "redirect_url": approval["redirect_url"]}

    # A quote sent and left to answer.
    waiting = new_quote("facture_a_payer_demo.demo_customer_elise_tremblay")
    send("sale.order", waiting)

    # A deposit: a quote asking for 30 % online, paid by card from its page (Odoo's prepayment).
    deposit = new_quote(
        "facture_a_payer_demo.demo_customer_marc_andre_gagnon", require_payment=True, prepayment_percent=0.3
    )
    link = send("sale.order", deposit)
    page = customer.get(link)
    token = merchant.read("sale.order", deposit, ["access_token"])["access_token"]
    total = merchant.read("sale.order", deposit, ["amount_total"])["amount_total"]
    customer.pay_by_card(
        f"/my/orders/{deposit}/transaction", token, round(total * 0.3, 2), provider, card, page.url.split("?")[0]
    )
    [paid] = merchant.call("payment.transaction", "search_read", [("sale_order_ids", "in", deposit)], ["amount"])
    expected["deposit"] = {"quote": deposit, "paid": paid["amount"]}

    # A mass sending of the demo's two invoices to pay (« Envoyer » on the list), sent by the cron in the background.
    to_pay = [
        merchant.ref("facture_a_payer_demo.demo_invoice_posted"),
        *merchant.read("sale.order", merchant.ref("facture_a_payer_demo.demo_order_invoiced"), ["invoice_ids"])[
            "invoice_ids"
        ],
    ]
    before = len(sandbox.twilio.messages)
    merchant.call("account.move", "action_fap_mass_send", to_pay)
    [job] = merchant.call("facture_a_payer.send.job", "search", [], order="id desc", limit=1)
    wait_for("the mass sending", lambda: merchant.read("facture_a_payer.send.job", job, ["state"])["state"] == "done")
    expected["mass_sending"] = {"job": job, "invoices": to_pay}
    for move in to_pay:
        partner = merchant.read("account.move", move, ["partner_id"])["partner_id"][0]
        phone = merchant.read("res.partner", partner, ["phone"])["phone"]
        if phone:
            expected["short_links"][f"account.move,{move}"] = short_link(sandbox, phone, before)

    # The emails reach the mailbox through Odoo's mail queue.
    wait_for("the emails", lambda: not merchant.call("mail.mail", "search_count", [("state", "=", "outgoing")]))
    expected["emails"] = len(sandbox.mail.messages)
    expected["sms"] = len(sandbox.twilio.messages)

    # Where each link sent leads the customer (a paid quote's link to its invoice).
    expected["links"] = {link: landing(customer.get(link)) for link in expected["short_links"].values()}

    # The books as the old code left them.
    fields = ["name", "state", "amount_total", "fap_flow", "fap_send_state", "date_order", "validity_date"]
    for quote in merchant.call("sale.order", "search", [("company_id", "=", company)]):
        expected["quotes"][str(quote)] = values = merchant.read("sale.order", quote, [*fields, "invoice_ids"])
        values.pop("id")
    fields = ["name", "state", "payment_state", "amount_total", "amount_residual", "fap_flow", "fap_send_state"]
    for move in merchant.call(
        "account.move", "search", [("company_id", "=", company), ("move_type", "=", "out_invoice")]
    ):
        expected["invoices"][str(move)] = values = merchant.read(
            "account.move", move, [*fields, "is_move_sent", "invoice_date", "invoice_date_due"]
        )
        values.pop("id")
    expected["company"] = company
    expected["provider"], expected["card"] = provider, card
    return expected


def next_reminder(document, kind):
    """The next reminder the default cadence gives a document sent on its own date (the migration's rule)."""
    if kind == "quote":
        sent = datetime.datetime.fromisoformat(document["date_order"]).date()
        expiry = document["validity_date"] and datetime.date.fromisoformat(document["validity_date"])
        days = [sent + datetime.timedelta(days=3)]
        if expiry:
            days.append(expiry - datetime.timedelta(days=2))
        days = [day for day in days if day > sent and (not expiry or day <= expiry)]
    else:
        sent = datetime.date.fromisoformat(document["invoice_date"])
        due = datetime.date.fromisoformat(document["invoice_date_due"])
        days = [due - datetime.timedelta(days=3), *(due + datetime.timedelta(days=n) for n in (0, 7, 14))]
        days = [day for day in days if day > sent]
    return min(days).isoformat() if days else False


def check(merchant, customer, sandbox, expected, db):
    """The new code on the upgraded data; returns the list of what is broken."""
    broken = []

    def expect(condition, message):
        if not condition:
            broken.append(message)

    # Every record as the old code left it.
    for quote, old in expected["quotes"].items():
        now = merchant.read("sale.order", int(quote), list(old))
        for field, value in old.items():
            expect(now[field] == value, f"sale.order {quote} {old['name']}: {field} {value!r} became {now[field]!r}")
    for move, old in expected["invoices"].items():
        now = merchant.read("account.move", int(move), list(old))
        for field, value in old.items():
            expect(now[field] == value, f"account.move {move} {old['name']}: {field} {value!r} became {now[field]!r}")

    # The links sent still open, on the same document as before, and show it.
    models = {"/my/orders/": "sale.order", "/my/invoices/": "account.move"}
    for link, before in expected["links"].items():
        now = landing(customer.get(link))
        expect(now == before == {**before, "status": 200}, f"{link}: led to {before}, now to {now}")
        prefix = re.match(r"/my/(orders|invoices)/", now["path"])
        if prefix:
            record_id = int(now["path"][prefix.end() :].split("/")[0])
            name = merchant.read(models[prefix[0]], record_id, ["name"])["name"]
            expect(name in customer.get(link).text, f"{link}: {name} not on its page")
    page = customer.get(expected["approved"]["redirect_url"])
    expect(page.status_code == 200 and 'id="fap_invoice"' in page.text, "the paid invoice's portal page")

    # Payments still reconciled: the card payment, the deposit's invoice.
    invoice = merchant.read("account.move", expected["approved"]["invoice"], ["payment_state", "amount_residual"])
    expect(
        invoice == {"id": expected["approved"]["invoice"], "payment_state": "paid", "amount_residual": 0.0},
        f"the invoice paid by card: {invoice}",
    )
    txs = merchant.call(
        "payment.transaction",
        "search_read",
        [("invoice_ids", "in", expected["approved"]["invoice"])],
        ["state", "payment_id"],
    )
    expect([tx["state"] for tx in txs] == ["done"], f"the card payment's transaction: {txs}")
    if txs and txs[0]["payment_id"]:
        payment = merchant.read("account.payment", txs[0]["payment_id"][0], ["state", "is_reconciled"])
        expect(payment["state"] == "paid" and payment["is_reconciled"], f"the card payment: {payment}")
    deposit = merchant.read("sale.order", expected["deposit"]["quote"], ["state", "invoice_ids"])
    expect(deposit["state"] == "sale" and len(deposit["invoice_ids"]) == 1, f"the deposit's order: {deposit}")
    txs = merchant.call(
        "payment.transaction",
        "search_read",
        [("sale_order_ids", "in", expected["deposit"]["quote"])],
        ["state", "amount", "payment_id"],
    )
    expect(
        [(tx["state"], tx["amount"]) for tx in txs] == [("done", expected["deposit"]["paid"])],
        f"the deposit's transaction: {txs}",
    )
    if txs and txs[0]["payment_id"]:
        payment = merchant.read("account.payment", txs[0]["payment_id"][0], ["reconciled_invoice_ids"])
        expect(payment["reconciled_invoice_ids"] == deposit["invoice_ids"], f"the deposit's payment: {payment}")

    # The mass sending, still done.
    job = merchant.read("facture_a_payer.send.job", expected["mass_sending"]["job"], ["state", "sent_count"])
    expect(
        job["state"] == "done" and job["sent_count"] == len(expected["mass_sending"]["invoices"]),
        f"the mass sending: {job}",
    )

    # 19.0.1.1.0: no forwarder's ARC seal is trusted by default.
    company = merchant.read("res.company", expected["company"], ["fap_interac_forwarders", "fap_reminder_step_ids"])
    expect(not company["fap_interac_forwarders"], f"forwarders trusted: {company['fap_interac_forwarders']}")
    # 19.0.1.2.0: the company has the default cadence, and every open document sent before has its next reminder.
    expect(
        len(company["fap_reminder_step_ids"]) == len(QUOTE_STEPS) + len(INVOICE_STEPS),
        f"the company's reminder cadence: {len(company['fap_reminder_step_ids'])} steps",
    )
    planned = 0
    for quote, old in expected["quotes"].items():
        if old["state"] == "sent" and old["fap_flow"]:
            now = merchant.read("sale.order", int(quote), ["fap_next_reminder_date"])["fap_next_reminder_date"]
            expect(
                now == next_reminder(old, "quote"),
                f"{old['name']}: next reminder {now}, {next_reminder(old, 'quote')} expected",
            )
            planned += 1
    for move, old in expected["invoices"].items():
        if old["payment_state"] == "not_paid" and old["is_move_sent"] and old["fap_flow"]:
            now = merchant.read("account.move", int(move), ["fap_next_reminder_date"])["fap_next_reminder_date"]
            expect(
                now == next_reminder(old, "invoice"),
                f"{old['name']}: next reminder {now}, {next_reminder(old, 'invoice')} expected",
            )
            planned += 1
    expect(planned >= 3, f"only {planned} open documents sent before the upgrade")

    # The new code works on the old data: the customer pays a mass-sent invoice from its link.
    move = expected["mass_sending"]["invoices"][0]
    token, residual = (
        merchant.read("account.move", move, ["access_token", "amount_residual"])[f]
        for f in ("access_token", "amount_residual")
    )
    customer.pay_by_card(
        f"/invoice/transaction/{move}",
        token,
        residual,
        expected["provider"],
        expected["card"],
        f"/my/invoices/{move}?access_token={token}",
    )
    now = merchant.read("account.move", move, ["payment_state", "amount_residual"])
    expect(
        now["payment_state"] == "paid" and now["amount_residual"] == 0.0,
        f"an old invoice paid with the new code: {now}",
    )

    # The release had no Interac: the merchant turns it on (Settings), the customer of the other mass-sent invoice
    # sends an e-Transfer naming it; Interac's signed notification reaches Odoo's mail gateway and pays it.
    move = expected["mass_sending"]["invoices"][1]
    merchant.call(
        "res.company",
        "write",
        [expected["company"]],
        {"fap_interac": True, "fap_interac_email": sandbox.interac.autodeposit_to},
    )
    merchant.call("ir.config_parameter", "set_param", "facture_a_payer.dns_nameserver", sandbox.interac.nameserver)
    alias = merchant.read("res.company", expected["company"], ["fap_interac_alias_id"])["fap_interac_alias_id"][0]
    alias = merchant.read("mail.alias", alias, ["alias_name"])["alias_name"]
    sandbox.interac.forward_to = f"{alias}@{sandbox.interac.autodeposit_to.split('@')[1]}"
    sandbox.interac.gateway = {"url": merchant.url, "db": db, "login": "admin", "password": "admin"}
    invoice = merchant.read("account.move", move, ["name", "amount_residual", "partner_id"])
    sandbox.interac.send(invoice["amount_residual"], invoice["partner_id"][1], message=invoice["name"])
    transfers = merchant.call(
        "facture_a_payer.interac.transfer", "search_read", [("invoice_id", "=", move)], ["state", "trusted"]
    )
    now = merchant.read("account.move", move, ["payment_state", "amount_residual"])
    expect(
        [(t["state"], t["trusted"]) for t in transfers] == [("matched", True)]
        and now["payment_state"] in ("paid", "in_payment")
        and now["amount_residual"] == 0.0,
        f"an old invoice paid by Interac e-Transfer: {transfers}, {now}",
    )
    return broken


def bad_log_lines(log):
    lines = pathlib.Path(log).read_text(errors="replace").splitlines()
    return [line for line in lines if LOG_LINE_RE.match(line) or line.startswith("Traceback")]


def release_commit(root):
    found = subprocess.run(
        ["git", "-C", root, "rev-parse", "-q", "--verify", f"{RELEASE_TAG}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return found or RELEASE_COMMIT


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for option in ("--python", "--odoo", "--root", "--data-dir", "--template", "--logs"):
        parser.add_argument(option, required=True)
    parser.add_argument("--db", default="fap_upgrade_test")
    parser.add_argument("--db-user", default="root")
    parser.add_argument("--http-port", type=int, default=8269)
    parser.add_argument("--sandbox-port", type=int, default=8280)
    parser.add_argument("--smtp-port", type=int, default=8281)
    parser.add_argument("--dns-port", type=int, default=8282)
    parser.add_argument("--keep", action="store_true", help="keep the database (it is kept when the test fails)")
    args = parser.parse_args()
    started = time.monotonic()
    logs = pathlib.Path(args.logs)
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    release = tempfile.mkdtemp(prefix="fap-release-")
    commit = release_commit(args.root)
    old, new = Odoo(args, release, "19.0.1.0.0"), Odoo(args, args.root, "working tree")
    sandbox = Sandbox(
        "127.0.0.1",
        args.sandbox_port,
        args.smtp_port,
        odoo_url=new.url,
        auto_deliver=True,
        delay=0.5,
        dns_port=args.dns_port,
    )
    ok = False
    try:
        say(f"extracting the release {commit[:12]} into {release}")
        if subprocess.run(["git", "-C", args.root, "cat-file", "-e", f"{commit}^{{commit}}"], check=False).returncode:
            raise Failed(f"the release's commit {commit} is not in this clone (a shallow one?): clone with its history")
        archive = subprocess.run(
            ["git", "-C", args.root, "archive", commit, *ADDONS.split(","), "sandbox"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", release], input=archive, check=True)
        subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)
        shutil.rmtree(f"{args.data_dir}/filestore/{args.db}", ignore_errors=True)
        subprocess.run(["createdb", "-T", args.template, args.db], check=True)
        # The copy's attachments are the template's files.
        if os.path.isdir(f"{args.data_dir}/filestore/{args.template}"):
            shutil.copytree(f"{args.data_dir}/filestore/{args.template}", f"{args.data_dir}/filestore/{args.db}")
        old.run("-i", ADDONS, "--with-demo", "--log-level=warn", log=logs / "install-release.log")
        # The demo points at ./dev run's ports: this test's sandbox instead, before any cron sends anything.
        subprocess.run(
            [
                "psql",
                "-Xq",
                "-v",
                "ON_ERROR_STOP=1",
                args.db,
                "-c",
                f"""
            UPDATE ir_config_parameter SET value = 'http://127.0.0.1:{args.sandbox_port}/twilio'
             WHERE key = 'facture_a_payer.twilio_api_url';
            INSERT INTO ir_config_parameter (key, value) VALUES
                ('payment_stripe_checkout.api_base', 'http://127.0.0.1:{args.sandbox_port}/stripe')
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
            UPDATE ir_config_parameter SET value = '{new.url}' WHERE key = 'web.base.url';
            UPDATE ir_mail_server SET smtp_port = {args.smtp_port} WHERE smtp_host = '127.0.0.1';
            DELETE FROM mail_mail WHERE state = 'outgoing';
            """,
            ],
            check=True,
        )
        sandbox.start()
        old.start(logs / "server-release.log")
        try:
            expected = make_data(Merchant(old.url, args.db), Customer(old.url), sandbox)
            # The SMS statuses Twilio still owes to the old code.
            wait_for("the sandbox's callbacks", lambda: not sandbox.pending, seconds=60)
        finally:
            old.stop()
        (logs / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True))
        say(
            f"data made with the release: {len(expected['quotes'])} quotes, {len(expected['invoices'])} invoices, "
            f"{expected['emails']} emails and {expected['sms']} SMS received ({logs / 'expected.json'})"
        )

        upgrade_log = logs / "upgrade.log"
        new.run("-u", ADDONS, log=upgrade_log)
        bad = bad_log_lines(upgrade_log)
        if bad:
            raise Failed("the upgrade's log has warnings or errors:\n" + "\n".join(bad))
        say("upgraded, no warning nor error in the log")

        new.start(logs / "server-working-tree.log")
        try:
            broken = check(Merchant(new.url, args.db), Customer(new.url), sandbox, expected, args.db)
        finally:
            new.stop()
        if broken:
            raise Failed("after the upgrade:\n  " + "\n  ".join(broken))
        ok = True
        say(
            f"OK: records intact and working after the upgrade from {RELEASE_TAG} "
            f"({time.monotonic() - started:.0f} s; logs in {logs})"
        )
    except (Failed, subprocess.CalledProcessError, requests.RequestException) as error:
        print(f"upgrade-test: FAILED: {error}", file=sys.stderr)
    finally:
        old.stop()
        new.stop()
        sandbox.stop()
        shutil.rmtree(release, ignore_errors=True)
        if ok and not args.keep:
            subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=False)
            shutil.rmtree(f"{args.data_dir}/filestore/{args.db}", ignore_errors=True)
        elif not ok:
            say(f"the database {args.db} is kept for inspection")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
