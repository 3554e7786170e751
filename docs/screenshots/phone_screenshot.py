"""Headless Chromium photographing a page at a phone's width (390 px), for the screenshot scripts run by pytest."""

import pathlib
import resource
import subprocess
import tempfile

OUT = pathlib.Path(__file__).parent


def phone_screenshot(url, name, height, *flags):
    """Write ``OUT / name``: ``url`` in a window 390 px wide and ``height`` high (``flags``: more of Chromium's)."""
    with tempfile.TemporaryDirectory(prefix="fap-chromium-", ignore_cleanup_errors=True) as profile:
        subprocess.run(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                *flags,
                f"--window-size=390,{height}",
                f"--screenshot={OUT / name}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=60,
            # Odoo caps the test process's address space (limit_memory_hard): Chromium needs more.
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)),
        )
