"""The editor's path through the review app in a real browser: queue, article, a flagged
number, a wrong number typed into the summary and fixed, approval, export.

Drives an installed Chromium (TRIALBRIEF_TEST_CHROMIUM, else /usr/bin/chromium) through
Playwright; Playwright's own browser download is never used. Without a browser the test is
skipped, unless TRIALBRIEF_REQUIRE_SERVICES=1 (CI), where a missing browser fails it.
Screenshots go to TRIALBRIEF_ARTIFACTS, else tmp_path/artifacts.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from agent.web import create_app
from evals.cases import Case
from tests.web_support import FLAG_MESSAGE, review_store

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WRONG_N = "468 matches no number of the record or the article"


def chromium_path() -> Path:
    path = Path(os.environ.get("TRIALBRIEF_TEST_CHROMIUM") or "/usr/bin/chromium")
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None and not path.is_file():
        reason = f"no Chromium at {path} (set TRIALBRIEF_TEST_CHROMIUM)"
    if reason is not None:
        if os.environ.get("TRIALBRIEF_REQUIRE_SERVICES") == "1":
            pytest.fail(f"TRIALBRIEF_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return path


def artifacts_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TRIALBRIEF_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"browser test screenshots: {folder}")
    return folder


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app on a free loopback port, in a thread, for the length of the block."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the review app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_editors_path(tmp_path: Path, case_by_id: Callable[[str], Case]) -> None:
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    shots = artifacts_dir(tmp_path)
    runs = review_store(tmp_path, case_by_id("e15"))
    summary = runs.store.view(runs.flagged).output.summary
    assert summary is not None
    with serving(create_app(runs.store)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            page.goto(base + "/")
            expect(page.locator(f"#run-{runs.flagged} td.warnings")).to_have_text("1")
            page.screenshot(path=shots / "1-queue.png", full_page=True)

            page.get_by_role("link", name="NORVIEL-HF", exact=False).click()
            flagged = page.locator("#article mark.num.sev-warning").first
            expect(flagged).to_be_visible()
            expect(page.locator("#findings")).to_contain_text(FLAG_MESSAGE)
            flagged.scroll_into_view_if_needed()
            page.screenshot(path=shots / "2-article.png")
            page.screenshot(path=shots / "2-article-full.png", full_page=True)

            editor = page.locator("#summary-editor")
            editor.locator("textarea[name=text]").fill(summary.text.replace("486", "468"))
            editor.get_by_role("button", name="Save summary and re-check").click()
            expect(page.locator("#summary-checks")).to_contain_text(WRONG_N)
            expect(page.locator("#summary mark.num.sev-error").first).to_be_visible()
            page.locator("#summary-editor").screenshot(path=shots / "3-wrong-number.png")

            editor.locator("textarea[name=text]").fill(summary.text)
            editor.get_by_role("button", name="Save summary and re-check").click()
            expect(page.locator("#saved")).to_be_visible()
            expect(page.locator("#summary-checks")).not_to_contain_text(WRONG_N)

            page.get_by_role("button", name="Approve").click()
            expect(page.locator("#state")).to_have_text("approved")
            page.screenshot(path=shots / "4-approved.png")

            page.locator("#review-state").get_by_role("link", name="HTML").click()
            expect(page.locator("footer.provenance")).to_contain_text("Approved by")
            expect(page.locator("footer.provenance")).to_contain_text(
                runs.store.view(runs.flagged).output.source.sha256)
            expect(page.locator("body")).to_contain_text(FLAG_MESSAGE)  # never hidden
            page.screenshot(path=shots / "5-export.png", full_page=True)
        finally:
            browser.close()
            runs.store.close()
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "1-queue.png", "2-article-full.png", "2-article.png", "3-wrong-number.png",
        "4-approved.png", "5-export.png"]
