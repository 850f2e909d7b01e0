import json
import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# A closed network: nothing in the background may reach out, and video plays unattended.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


SESSION_KEY = "peerless.session"


def sign_in(page, stack, username: str = "root", password: str | None = None) -> None:
    """Signs the page's browser context in as `username` (before its next navigation), as
    the login form would: the web app keeps its OAuth tokens in localStorage."""
    from tests.stack import ADMIN_PASSWORD

    client = stack.http.get("/api/v1/oauth-clients/local").json()
    answer = stack.http.post("/api/v1/users/token", data={
        **client, "grant_type": "password", "username": username,
        "password": password or (ADMIN_PASSWORD if username == "root" else "user-password")})
    answer.raise_for_status()
    tokens = {"accessToken": answer.json()["access_token"],
              "refreshToken": answer.json()["refresh_token"]}
    # Once per tab: a later log out in the test must stick.
    page.context.add_init_script(
        "if (!sessionStorage.getItem('test-signed-in')) {"
        f" localStorage.setItem({SESSION_KEY!r}, {json.dumps(json.dumps(tokens))});"
        " sessionStorage.setItem('test-signed-in', '1'); }")
