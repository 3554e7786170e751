"""Phone-size (375 x 667) screenshots of the merchant's screens, from a running Odoo with the demo data.

    python docs/screenshots/take_merchant_screenshots.py [ODOO_URL]   (default http://127.0.0.1:8369)

Logs in as admin/admin (the demo's merchant, in French), lands on « Accueil », walks « Soumissions » → « Nouveau »
→ customer → catalogue → « Montant total » → review → « Sauvegarder » → « Payer » (the payment is registered through
JSON-RPC so that the screen turns to « Payée ») → « Factures », and writes docs/screenshots/merchant-*.png. Needs
chromium and websocket-client (an Odoo requirement). It creates a quote and an invoice in the
database: use a demo database.
"""

import base64
import itertools
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import requests
import websocket

ODOO = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8369"
OUT = pathlib.Path(__file__).parent
PORT = 9339

# Register a full payment of the newest posted customer invoice, as the customer's payment would.
PAY = """(async () => {
  const call = async (model, method, args, kwargs = {}) => {
    const response = await fetch("/web/dataset/call_kw", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", method: "call", params: {model, method, args, kwargs}})});
    const result = await response.json();
    if (result.error) throw new Error(JSON.stringify(result.error));
    return result.result;
  };
  const [move] = await call("account.move", "search_read",
    [[["move_type", "=", "out_invoice"], ["state", "=", "posted"]]], {fields: ["id"], order: "id desc", limit: 1});
  const context = {active_model: "account.move", active_ids: [move.id]};
  const wizard = await call("account.payment.register", "create", [{}], {context});
  await call("account.payment.register", "action_create_payments", [[wizard]], {context});
})()"""
TOP = (
    "document.activeElement && document.activeElement.blur();"
    "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); window.scrollTo(0, 0)"
)
NTH = "document.querySelectorAll({selector!r})[{index}].click()"

STEPS = [
    ("wait", ".o_fap_home .o_fap_chart .o_fap_chart_bar"),
    ("shot", "merchant-0-accueil"),
    ("go", "/odoo/fap-quotes", ".o_fap_kanban .o_kanban_record"),
    ("click", ".o-kanban-button-new"),
    ("wait", ".o_fap_quote_form"),
    ("shot", "merchant-2-nouvelle-soumission"),
    ("click", ".o_field_widget[name=partner_id] input"),
    ("wait", ".modal .o_kanban_record"),
    ("click", ".modal button:has(> .fa-search)"),
    ("type", ".modal .o_searchview_input", "Tremblay"),
    ("sleep", 1.5),
    ("shot", "merchant-3-choisir-le-client"),
    ("js", NTH.format(selector=".modal .o_kanban_record", index=0)),
    ("sleep", 1.5),
    ("click", ".o_field_widget[name=order_line] button[name=action_add_from_catalog]"),
    ("wait", ".o_kanban_record"),
    ("click", ".o_action_manager button:has(> .fa-search)"),
    ("type", ".o_action_manager .o_searchview_input", "chauffe-eau"),
    ("sleep", 1.5),
    ("js", NTH.format(selector=".o_kanban_renderer .o_kanban_record", index=0)),
    ("sleep", 1),
    ("js", NTH.format(selector=".o_kanban_renderer .o_kanban_record", index=1)),
    ("sleep", 1),
    ("shot", "merchant-4-catalogue"),
    ("click", ".o-kanban-button-back"),
    ("sleep", 3),
    ("wait", ".o_fap_total_bar"),
    ("js", "document.querySelector('.o_field_widget[name=order_line]').scrollIntoView()"),
    ("shot", "merchant-5-lignes-et-montant-total"),
    ("click", "button.o_fap_new_product"),
    ("wait", ".modal .o_fap_product_quick"),
    ("shot", "merchant-6-nouveau-produit"),
    ("click", ".modal .modal-footer .btn-secondary"),
    ("sleep", 1),
    ("click", ".o_fap_total_bar button[name=action_fap_review]"),
    ("wait", ".o_fap_review"),
    ("sleep", 1.5),
    ("js", TOP),
    ("shot", "merchant-7-reviser-la-soumission"),
    ("click", ".o_fap_review button[name=action_fap_details]"),
    ("wait", ".o_fap_details"),
    ("sleep", 1.5),
    ("js", TOP),
    ("shot", "merchant-8-details-de-la-soumission"),
    ("click", ".o_fap_details button[name=action_fap_pay_now]"),
    ("wait", ".o_fap_qr"),
    ("shot", "merchant-10-payer-code-qr"),
    ("js", PAY),
    ("wait", ".o_fap_pay_done"),
    ("shot", "merchant-11-payee"),
    ("click", ".o_fap_pay_now button.o_fap_close"),
    ("wait", ".o_fap_details"),
    ("shot", "merchant-12-details-de-la-facture"),
    ("go", "/odoo/fap-invoices", ".o_fap_kanban .o_kanban_record"),
    ("shot", "merchant-9-factures"),
    ("go", "/odoo/fap-quotes", ".o_fap_kanban .o_kanban_record"),
    ("shot", "merchant-1-soumissions"),
]


class Page:
    """The smallest Chrome DevTools client that the steps need."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.ids = itertools.count(1)

    def cdp(self, method, **params):
        request_id = next(self.ids)
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")

    def js(self, expression):
        result = self.cdp("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if result.get("exceptionDetails"):
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait(self, selector, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.js(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.3)
        raise TimeoutError(selector)

    def click(self, selector):
        self.wait(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def type(self, selector, text):
        self.click(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.cdp("Input.insertText", text=text)
        time.sleep(0.8)
        for event in ("keyDown", "keyUp"):
            self.cdp("Input.dispatchKeyEvent", type=event, key="Enter", code="Enter", windowsVirtualKeyCode=13)

    def go(self, path, selector):
        self.cdp("Page.navigate", url=ODOO + path)
        self.wait(selector)

    def shot(self, name, settle=1.2):
        time.sleep(settle)
        data = self.cdp("Page.captureScreenshot", format="png")["data"]
        (OUT / f"{name}.png").write_bytes(base64.b64decode(data))
        print("wrote", OUT / f"{name}.png")


def main():
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        chrome = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={PORT}",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _attempt in range(50):
                try:
                    tabs = requests.get(f"http://127.0.0.1:{PORT}/json", timeout=2).json()
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            page = Page(next(tab for tab in tabs if tab["type"] == "page")["webSocketDebuggerUrl"])
            page.cdp("Page.enable")
            page.cdp("Emulation.setDeviceMetricsOverride", width=375, height=667, deviceScaleFactor=2, mobile=True)
            page.cdp("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
            page.go("/web/login", "input[name=login]")
            page.js(
                "document.querySelector('input[name=login]').value = 'admin';"
                "document.querySelector('input[name=password]').value = 'admin';"
                "document.querySelector('form').submit()"
            )
            time.sleep(3)
            for kind, *args in STEPS:
                if kind == "sleep":
                    time.sleep(*args)
                else:
                    getattr(page, kind)(*args)
        finally:
            chrome.terminate()
            chrome.wait(timeout=10)


if __name__ == "__main__":
    main()
