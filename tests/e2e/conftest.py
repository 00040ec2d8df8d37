"""Browser journeys against the running product: one real `manage.py serve` for the whole session
(migrate, seed_demo, serve — as `make run` does, on a throw-away data directory) and one headless
Chromium (Debian's, driven by Playwright), a fresh browser context for each person."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.product import Product

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DEMO_PASSWORD = "demo-ent-2026"  # settings.HELPDESK["DEMO_PASSWORD"], printed by seed_demo
TIMEOUT_MS = 20_000  # two cores shared with other work: be patient


def _require_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make browser installs it with apt-get)")


@pytest.fixture(scope="session")
def product(tmp_path_factory):
    """The product as a person gets it, started once for every journey."""
    _require_chromium()
    p = Product(tmp_path_factory.mktemp("journeys")).setup()
    p.start()
    (p.data_dir / "screenshots").mkdir(exist_ok=True)
    yield p
    p.stop()


@pytest.fixture(scope="module")
def browser(product):
    # Module scope: Playwright's sync API keeps an event loop in this thread; it is stopped before
    # the rest of the suite runs.
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture
def page_for(browser, product):
    """`page_for(username)`: a new browser context (French, desktop size) signed in through the
    login form at /connexion/, on the home page."""
    contexts = []

    def _page_for(username: str, *, mobile: bool = False):
        context = browser.new_context(
            base_url=product.url, locale="fr-FR", accept_downloads=True,
            viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(product.url + "/")
        return page

    yield _page_for
    for context in contexts:
        context.close()


@pytest.fixture
def shot(product):
    """`shot(page, name)`: a full-page screenshot in <data_dir>/screenshots/."""
    def _shot(page, name):
        page.screenshot(path=str(product.data_dir / "screenshots" / f"{name}.png"), full_page=True)
    return _shot
