"""pytest hooks of the repository: no browser outlives its test, and a run always ends with pytest's status.

Odoo's ``HttpCase.browser_js`` stops its Chromium only once the page is loaded: a test failing before that
(``authenticate()`` for one) leaves the browser running, and its devtools reader, a non-daemon thread, keeps
the interpreter alive after the summary. Any other non-daemon thread (an HTTP request thread of Odoo serving a
browser that is still alive) would do the same.
"""

import faulthandler
import gc
import os
import sys
import threading
import time

import psutil
import pytest

# Seconds the interpreter gets to exit on its own after pytest is done, before the watchdog ends it.
EXIT_GRACE = 30

_SESSION = pytest.StashKey()


def _stray_browsers():
    """The Chromium processes this process started and still runs (Odoo's test browser, its helpers)."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    browsers = []
    for child in children:
        try:
            if "chrom" in child.name().lower():
                browsers.append(child)
        except psutil.Error:
            continue
    return browsers


def _end_stray_browsers(where):
    """Stop the browsers left running: through Odoo's ``ChromeBrowser.stop()`` if possible, else kill them."""
    browsers = _stray_browsers()
    if not browsers:
        return
    sys.stderr.write(f"\nconftest: a browser was left running after {where}: stopping it\n")
    # Only on this rare path: find Odoo's browser objects, whose stop() also ends their devtools thread.
    from odoo.tests.common import ChromeBrowser

    for browser in [obj for obj in gc.get_objects() if isinstance(obj, ChromeBrowser)]:
        chrome = getattr(browser, "chrome", None)
        if chrome is not None and chrome.poll() is None:
            try:
                browser.stop()
            except Exception as error:  # noqa: BLE001 - killed below
                sys.stderr.write(f"conftest: ChromeBrowser.stop() failed ({error!r}): killing the browser\n")
    left = [proc for proc in browsers if proc.is_running()]
    for proc in left:
        try:
            proc.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(left, timeout=5)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        _end_stray_browsers(item.nodeid)


def pytest_sessionstart(session):
    session.config.stash[_SESSION] = session


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _end_stray_browsers("the session")


def _exit_if_still_alive(status):
    time.sleep(EXIT_GRACE)
    keeping = [t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    sys.stderr.write(
        f"\nconftest: the tests ended {EXIT_GRACE} s ago but the process is still alive (non-daemon threads: "
        f"{', '.join(keeping) or 'none'}); their stacks follow, then exit with pytest's status {status}\n"
    )
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    for proc in _stray_browsers():
        try:
            proc.kill()
        except psutil.Error:
            continue
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    session = config.stash.get(_SESSION, None)
    status = int(session.exitstatus) if session is not None else 1
    threading.Thread(target=_exit_if_still_alive, args=(status,), daemon=True, name="exit watchdog").start()
