"""Odoo's own tests of the modules our add-ons extend, run with our add-ons installed, against Odoo alone.

The modules we extend, and what companies run beside them: eCommerce (``website_sale``, with the website, which
brings our ``facture_a_payer_website`` in), stock (``sale_stock``) and Accounting's tests of what our flow does to
invoices. Installs them on an empty database with ``--test-enable`` (their at_install and post_install tests run),
reads the failures from the log and compares them with the failures Odoo has without our add-ons
(``odoo_own_tests_baseline.txt``, made by ``--baseline``). Exits 1 when our add-ons add a failure, or when the run
did not finish. Called by ``./dev odoo-tests``, a CI step.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BASELINE = HERE / "odoo_own_tests_baseline.txt"
# The modules we extend (ours depend on them), and Stripe's, whose routes ours sit beside.
ODOO_MODULES = "sale_management,account_payment,sms_twilio,portal,payment,payment_stripe,phone_validation"
OURS = "facture_a_payer,payment_stripe_checkout"
TEST_TAGS = "/sale,/sale_management,/account_payment,/portal,/payment,/sms,/sms_twilio,/payment_stripe"
# What companies run beside them, eCommerce (website_sale, with the website) and stock (sale_stock), and Accounting's
# tests of what our flow does to invoices: sending, the portal, payments, down payments, reconciliation.
BESIDE_MODULES = "website_sale,sale_stock"
ACCOUNT_CLASSES = (
    "TestAccountMoveSend",
    "TestAccountComposerPerformance",
    "TestPortalInvoice",
    "TestPortalAttachment",
    "TestAccountPayment",
    "TestAccountPaymentRegister",
    "TestAccountMovePaymentsWidget",
    "TestTaxesDownPayment",
    "TestAccountMoveReconcile",
)
# The website editor's and the shop's tours that fail the same with Odoo alone here (their script timeout, about
# 72 s each: 8 minutes of CI for no signal), left out.
BROKEN_WITHOUT_US = (
    "/website_sale:TestSaleProcess.test_01_admin_shop_tour",
    "/website_sale:TestWebsiteSaleEditor.test_category_page_and_products_snippet",
    "/website_sale:TestWebsiteSaleEditor.test_website_sale_restricted_editor_ui",
    "/website_sale:TestWebsiteSaleRemoveImage.test_website_sale_add_and_remove_main_product_image_no_variant",
    "/website_sale:TestWebsiteSaleRemoveImage.test_website_sale_remove_main_product_image_with_variant",
    "/website_sale:TestSnippets.test_01_snippet_products_edition",
    "/website_sale:TestSnippets.test_02_snippet_products_remove",
)
BESIDE_TAGS = ",".join(
    [
        "/website_sale",
        "/sale_stock",
        *(f"/account:{name}" for name in ACCOUNT_CLASSES),
        *(f"-{test}" for test in BROKEN_WITHOUT_US),
    ]
)
# "2026-12-02 18:33:46,965 22965 ERROR db odoo.addons.sale.tests.test_x: FAIL: TestX.test_y"
FAILURE_RE = re.compile(r"^\S+ \S+ \d+ ERROR \S+ (?P<logger>[\w.]+): (?P<kind>FAIL|ERROR): (?P<test>.+)$")
SUMMARY_RE = re.compile(
    r"odoo\.tests\.result: (?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)


def run(args, log_path):
    modules, test_tags = f"{ODOO_MODULES},{BESIDE_MODULES}", f"{TEST_TAGS},{BESIDE_TAGS}"
    if not args.baseline:
        modules = f"{modules},{OURS}"
    subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)
    command = [
        args.python,
        f"{args.odoo}/odoo-bin",
        f"--addons-path={args.addons_path}",
        f"--db_user={args.db_user}",
        f"--data-dir={args.data_dir}",
        "-d",
        args.db,
        "-i",
        modules,
        "--test-enable",
        f"--test-tags={test_tags}",
        "--stop-after-init",
        "--http-interface=127.0.0.1",
        f"--http-port={args.http_port}",
        "--log-level=test",
        f"--logfile={log_path}",
    ]
    print(f"odoo-tests: installing {modules} with Odoo's tests {test_tags} (log: {log_path})", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command)
    returncode = wait_for_summary(process, log_path)
    print(f"odoo-tests: Odoo exited with {returncode} after {time.monotonic() - started:.0f} s", flush=True)
    subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=False)


def wait_for_summary(process, log_path):
    """Odoo's exit code; Odoo is stopped when it has not exited a minute after writing its test summary.

    After a failed website tour, Odoo's runner can hang at shutdown (a browser or a server thread left behind):
    the summary says all there is to know by then.
    """
    while process.poll() is None:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            if log_path.exists() and SUMMARY_RE.search(log_path.read_text(errors="replace")):
                try:
                    return process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    print("odoo-tests: Odoo did not exit after its test summary: stopped", flush=True)
                    process.terminate()
                    try:
                        return process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        return process.wait()
    return process.returncode


def read_log(log_path):
    failures, summary = set(), None
    for line in log_path.read_text(errors="replace").splitlines():
        if match := FAILURE_RE.match(line):
            failures.add(f"{match['logger']}: {match['kind']}: {match['test'].strip()}")
        elif match := SUMMARY_RE.search(line):
            summary = {key: int(value) for key, value in match.groupdict().items()}
    return failures, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", required=True)
    parser.add_argument("--odoo", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--db", default="fap_odoo_own_tests")
    parser.add_argument("--db-user", default="root")
    parser.add_argument("--http-port", default="8269")
    parser.add_argument("--log", default=None, help="where Odoo writes its log")
    parser.add_argument("--baseline", action="store_true", help="run without our add-ons and write the baseline")
    parser.add_argument("--from-log", default=None, help="only compare an existing log (no run)")
    args = parser.parse_args()

    log_path = pathlib.Path(args.from_log or args.log or f"{args.data_dir}/odoo-own-tests.log")
    if not args.from_log:
        log_path.unlink(missing_ok=True)
        run(args, log_path)
    failures, summary = read_log(log_path)
    if not summary:
        print(f"odoo-tests: FAILED — the run did not finish (no test summary in {log_path})")
        return 1
    print(f"odoo-tests: {summary['run']} tests, {summary['failed']} failed, {summary['errors']} error(s)")
    if args.baseline:
        BASELINE.write_text("".join(f"{failure}\n" for failure in sorted(failures)))
        print(f"odoo-tests: baseline written to {BASELINE} ({len(failures)} failures of Odoo alone)")
        return 0
    known = set(BASELINE.read_text().splitlines()) if BASELINE.exists() else set()
    added = sorted(failures - known)
    for failure in sorted(failures & known):
        print(f"  also without our add-ons: {failure}")
    for failure in added:
        print(f"  ADDED by our add-ons: {failure}")
    if added:
        print(f"odoo-tests: FAILED — our add-ons make {len(added)} of Odoo's own tests fail (log: {log_path})")
        return 1
    print("odoo-tests: OK — Odoo's own tests pass with our add-ons as they do without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
