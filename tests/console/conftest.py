"""A console served over real HTTP on loopback, and headless Chromium to drive it.

Chromium comes from Debian's ``chromium`` and ``chromium-driver`` packages (never downloaded at
test time). Without them the browser tests skip with the reason, unless
``VXMLKIT_REQUIRE_CHROMIUM=1`` (set by CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from vxmlkit.app import create_app
from vxmlkit.console import console_url
from vxmlkit.extension import get_kit

_BROWSERS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("VXMLKIT_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"VXMLKIT_REQUIRE_CHROMIUM=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def console_app(tmp_path: Path):
    """The example flows with the console on, on a store of their own."""
    return create_app({
        "TESTING": True,
        "VXMLKIT_CONSOLE": "1",
        "VXMLKIT_SECRET_KEY": "console test secret",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
    })


@pytest.fixture
def console_server(console_app) -> Iterator[str]:
    """The console page's URL, served by a real HTTP server on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, console_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield console_url(console_app, get_kit(console_app), f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        console_app.extensions["vxmlkit.console"].close_all() if "vxmlkit.console" in console_app.extensions else None


@pytest.fixture
def chromium() -> Iterator[object]:
    """Headless Chromium through Selenium and Debian's chromedriver, kept off the network."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install 'vxmlkit[test]')")
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    browser = next((path for path in _BROWSERS if os.path.exists(path)), None)
    if browser is None or not os.path.exists(driver_path):
        _missing("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
        "--disable-sync", "--disable-extensions", "--no-first-run", "--mute-audio",
        "--window-size=1400,1000",
        # Only loopback resolves: nothing the page does can reach the outside.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not look for a driver online
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
