"""Install hygiene, through ``./dev check-install`` (CI runs it before the suite; here it is cached per tree).

It installs both add-ons on empty databases, with and without demo data, fails on a WARNING or ERROR line of
our code in the log, and uninstalls them. A plain pytest test: it drives ``odoo-bin`` processes of its own.
"""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
