"""Install hygiene, and the tests Odoo's own runner sees.

``test_both_addons_install_...`` runs ``./dev check-install`` (CI runs it before the suite; here it is cached per
tree): it installs both add-ons on empty databases, with and without demo data, fails on a WARNING or ERROR line of
our code in the log, and uninstalls them. A plain pytest test, as it drives ``odoo-bin`` processes of its own:
``odoo-bin --test-enable`` does not collect it.
"""

import ast
import os
import subprocess
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged

ROOT = Path(__file__).resolve().parents[2]
ADDONS = ("facture_a_payer", "facture_a_payer_demo", "payment_stripe_checkout")


def test_both_addons_install_with_and_without_demo_data_with_a_clean_log_and_uninstall():
    result = subprocess.run(
        [str(ROOT / "dev"), "check-install"],
        cwd=ROOT,
        env=dict(os.environ, FAP_DB=os.environ.get("FAP_DB", "fap_test")),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check-install: OK" in result.stdout


def _imported_modules(init_file):
    """The names ``from . import ...`` brings into a tests package (what Odoo's runner looks for)."""
    tree = ast.parse(init_file.read_text())
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None
        for alias in node.names
    }


@tagged("post_install", "-at_install")
class TestOdoosRunnerSeesEveryTest(TransactionCase):
    def test_every_test_module_of_both_addons_is_imported_by_its_tests_package(self):
        # Odoo's runner only runs the test_* modules its tests/__init__.py imports (pytest finds them all).
        for addon in ADDONS:
            tests = ROOT / addon / "tests"
            with self.subTest(addon=addon):
                on_disk = {path.stem for path in tests.glob("test_*.py")}
                self.assertTrue(on_disk)
                self.assertEqual(on_disk - _imported_modules(tests / "__init__.py"), set())


@tagged("post_install", "-at_install")
class TestTranslationsLoad(TransactionCase):
    def test_every_french_term_is_in_the_template_odoo_merges_it_with(self):
        # Odoo merges fr.po with the add-on's .pot when loading it, and drops the entries the .pot lacks.
        for addon in ADDONS:
            with self.subTest(addon=addon):
                pot = {entry.msgid for entry in polib.pofile(str(ROOT / addon / "i18n" / f"{addon}.pot"))}
                french = polib.pofile(str(ROOT / addon / "i18n" / "fr.po"))
                self.assertEqual([e.msgid for e in french if not e.obsolete and e.msgid not in pot], [])
