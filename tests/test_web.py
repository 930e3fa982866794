"""The review app through FastAPI's TestClient, on a store digested with the rules backend."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from agent import web
from agent.errors import UsageError
from agent.render.export import approved, export_html, export_json, export_markdown
from agent.web import Auth, create_app
from agent.web.auth import CSRF_COOKIE, SESSION_COOKIE
from evals.cases import Case
from tests.test_cli import run
from tests.web_support import (
    CLEAN_CONGRESS,
    FLAG_MESSAGE,
    FLAGGED_CONGRESS,
    ReviewStore,
    review_store,
)

LOCAL = "http://127.0.0.1"
TOKEN = "s3cret-token-for-the-review-app"
WRONG_N = "468 matches no number of the record or the article"


@pytest.fixture
def runs(tmp_path: Path, case_by_id: Callable[[str], Case]) -> Iterator[ReviewStore]:
    made = review_store(tmp_path, case_by_id("e15"))
    yield made
    made.store.close()


@pytest.fixture
def client(runs: ReviewStore) -> TestClient:
    return TestClient(create_app(runs.store), base_url=LOCAL)


def csrf(client: TestClient) -> str:
    """The CSRF token the app handed this browser (any page sets it)."""
    if client.cookies.get(CSRF_COOKIE) is None:
        client.get("/")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


def post(client: TestClient, url: str, **fields: str) -> Response:
    return client.post(url, data={"csrf": csrf(client), **fields}, follow_redirects=False)


def summary_checks(page: str) -> str:
    """The list of summary checks shown under the summary editor."""
    found = re.search(r'<ul class="summary-checks" id="summary-checks">(.*?)</ul>', page, re.S)
    assert found, "the summary editor shows its checks"
    return found.group(1)


def current_summary(runs: ReviewStore, run_id: int) -> str:
    summary = runs.store.view(run_id).output.summary
    assert summary is not None
    return summary.text


# -- the queue -------------------------------------------------------------------------------

def titles(page: str) -> list[str]:
    return re.findall(r'<a href="/runs/\d+">([^<]+)</a>', page)


def test_queue_lists_every_run_with_its_counts(client: TestClient, runs: ReviewStore) -> None:
    page = client.get("/").text
    assert [t.split(":")[0] for t in titles(page)] == ["KESTREL-AF", "NORVIEL-HF"]
    row = page.split(f'<tr id="run-{runs.flagged}">')[1].split("</tr>")[0]
    assert FLAGGED_CONGRESS in row and "rules" in row and "verified" in row and "draft" in row
    assert '<td class="warnings count-warning">1</td>' in row


@pytest.mark.parametrize(("query", "expected"), [
    ("flagged=yes", ["NORVIEL-HF"]), ("flagged=no", ["KESTREL-AF"]),
    (f"congress={CLEAN_CONGRESS}", ["KESTREL-AF"]),
    ("status=verified", ["KESTREL-AF", "NORVIEL-HF"]),
    ("status=failed", []), ("state=approved", []), ("sort=flags", ["NORVIEL-HF", "KESTREL-AF"]),
])
def test_queue_filters_and_sorts(client: TestClient, query: str, expected: list[str]) -> None:
    page = client.get(f"/?{query}").text
    assert [t.split(":")[0] for t in titles(page)] == expected
    if not expected:
        assert "No runs match these filters." in page


def test_queue_offers_the_stored_congresses(client: TestClient) -> None:
    page = client.get("/").text
    assert f'<option value="{FLAGGED_CONGRESS}"' in page
    assert f'<option value="{CLEAN_CONGRESS}"' in page


def test_review_state_filter_follows_a_decision(client: TestClient, runs: ReviewStore) -> None:
    post(client, f"/runs/{runs.clean}/review", state="approved")
    assert [t.split(":")[0] for t in titles(client.get("/?state=approved").text)] == ["KESTREL-AF"]


# -- the article page ------------------------------------------------------------------------

def test_article_page_shows_the_flagged_number(client: TestClient, runs: ReviewStore) -> None:
    page = client.get(f"/runs/{runs.flagged}").text
    assert FLAG_MESSAGE in page
    # the number is marked as a warning in the article and listed with the findings
    assert re.search(r'<mark id="src-\d+-\d+" class="num sev-warning"', page)
    assert 'class="finding sev-warning"' in page
    assert "Findings (1)" in page


def test_a_missing_run_is_404(client: TestClient) -> None:
    response = client.get("/runs/999")
    assert response.status_code == 404
    assert "no run 999 in the store" in response.text


def test_no_script_may_run_on_a_page(client: TestClient, runs: ReviewStore) -> None:
    response = client.get(f"/runs/{runs.flagged}")
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<script" not in response.text


# -- editing ---------------------------------------------------------------------------------

def test_a_wrong_number_in_the_summary_is_flagged_then_cleared(client: TestClient,
                                                              runs: ReviewStore) -> None:
    original = current_summary(runs, runs.flagged)
    saved = post(client, f"/runs/{runs.flagged}/summary", text=original.replace("486", "468"),
                 note="typo on purpose")
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert WRONG_N in summary_checks(page)
    assert 'class="sev-error"' in summary_checks(page)
    assert "Summary saved and checked again." in page
    entry = runs.store.queue(flagged=True)[0]
    assert entry.errors == 2 and entry.status == "needs_review"

    post(client, f"/runs/{runs.flagged}/summary", text=original, note="fixed")
    page = client.get(f"/runs/{runs.flagged}").text
    assert WRONG_N not in page
    assert runs.store.view(runs.flagged).output.report.errors == []
    assert [e.what for e in runs.store.history(runs.flagged)][-2:] == ["summary v2",
                                                                       "summary v3"]


def test_an_empty_summary_is_refused(client: TestClient, runs: ReviewStore) -> None:
    response = post(client, f"/runs/{runs.flagged}/summary", text="  ")
    assert response.status_code == 400
    assert "The summary is empty" in response.text
    assert runs.store.view(runs.flagged).summary_version == 1


def test_an_invalid_record_is_refused_and_nothing_saved(client: TestClient,
                                                       runs: ReviewStore) -> None:
    response = post(client, f"/runs/{runs.flagged}/record", record='{"n_total": "many"}')
    assert response.status_code == 400
    assert "Not a valid record, nothing was saved" in response.text
    assert '{&#34;n_total&#34;: &#34;many&#34;}' in response.text  # the editor's text is kept
    assert runs.store.view(runs.flagged).record_version == 1
    assert post(client, f"/runs/{runs.flagged}/record", record="{oops").status_code == 400


def test_a_record_edit_is_checked_again(client: TestClient, runs: ReviewStore) -> None:
    record = runs.store.view(runs.clean).output.record
    assert record is not None and record.n_total is not None
    data = json.loads(record.model_dump_json())
    data["n_total"]["value"] = 1401.0  # the article says 1,410
    saved = post(client, f"/runs/{runs.clean}/record", record=json.dumps(data), note="n")
    assert saved.status_code == 303
    view = runs.store.view(runs.clean)
    assert view.record_version == 2
    assert any(c.field == "/n_total" and c.severity != "ok" for c in view.output.checks)
    assert "record v2" in client.get(f"/runs/{runs.clean}").text


def test_approving_over_an_error_needs_a_note(client: TestClient, runs: ReviewStore) -> None:
    wrong = current_summary(runs, runs.flagged).replace("486", "468")
    post(client, f"/runs/{runs.flagged}/summary", text=wrong)
    refused = post(client, f"/runs/{runs.flagged}/review", state="approved")
    assert refused.status_code == 400
    assert "2 error finding(s)" in refused.text and "approve with a note" in refused.text
    assert WRONG_N in refused.text  # the flags stay on the page that refuses
    assert runs.store.view(runs.flagged).state == "draft"

    accepted = post(client, f"/runs/{runs.flagged}/review", state="approved",
                    note="the typo is the article's")
    assert accepted.status_code == 303
    assert runs.store.view(runs.flagged).state == "approved"


def test_send_back_and_reject(client: TestClient, runs: ReviewStore) -> None:
    post(client, f"/runs/{runs.clean}/review", state="needs_review", note="check the CI")
    assert runs.store.view(runs.clean).state == "needs_review"
    post(client, f"/runs/{runs.clean}/review", state="rejected")
    assert runs.store.view(runs.clean).state == "rejected"
    assert post(client, f"/runs/{runs.clean}/review", state="draft").status_code == 400
    history = client.get(f"/runs/{runs.clean}").text
    assert "state: needs_review" in history and "check the CI" in history


# -- export ----------------------------------------------------------------------------------

def test_exports_are_of_approved_runs_with_provenance(client: TestClient,
                                                      runs: ReviewStore) -> None:
    assert client.get(f"/runs/{runs.clean}/export.md").status_code == 404
    post(client, "/name", name="Ada Lovelace", next="/")
    post(client, f"/runs/{runs.clean}/review", state="approved")
    sha = runs.store.view(runs.clean).output.source.sha256

    md = client.get(f"/runs/{runs.clean}/export.md")
    assert md.headers["content-type"].startswith("text/markdown")
    for expected in (sha, "**Backend:** rules", "**Approved by:** Ada Lovelace",
                     "**Checks:**", "kestrel-af.txt"):
        assert expected in md.text
    assert "NORVIEL" not in client.get("/export.md").text  # only approved runs

    exported = client.get("/export.json").json()["runs"]
    assert [r["provenance"]["run_id"] for r in exported] == [runs.clean]
    provenance = exported[0]["provenance"]
    assert provenance["sha256"] == sha and provenance["approved_by"] == "Ada Lovelace"
    assert provenance["checks"]["errors"] == 0 and provenance["checks"]["passed"] > 0
    html = client.get("/export.html").text
    assert 'class="provenance"' in html and "Ada Lovelace" in html and sha in html


def test_an_approval_is_reopened_by_an_edit_and_leaves_the_export(client: TestClient,
                                                                  runs: ReviewStore) -> None:
    post(client, f"/runs/{runs.clean}/review", state="approved")
    post(client, f"/runs/{runs.clean}/summary", text=current_summary(runs, runs.clean) + " More.")
    assert client.get("/export.json").json() == {"runs": []}
    assert client.get(f"/runs/{runs.clean}/export.json").status_code == 404


def test_an_export_never_hides_a_flag(client: TestClient, runs: ReviewStore) -> None:
    post(client, f"/runs/{runs.flagged}/review", state="approved", note="the CI is misprinted")
    assert FLAG_MESSAGE in client.get(f"/runs/{runs.flagged}/export.md").text
    html = client.get(f"/runs/{runs.flagged}/export.html").text
    assert FLAG_MESSAGE in html and "the CI is misprinted" in html
    item = approved(runs.store, runs.flagged)[0]
    provenance = json.loads(export_json([item]))["runs"][0]["provenance"]
    assert provenance["checks"]["warnings"] == 1
    assert provenance["approval_note"] == "the CI is misprinted"
    assert FLAG_MESSAGE in export_markdown([item]) and FLAG_MESSAGE in export_html([item])


# -- CSRF and authentication -----------------------------------------------------------------

def test_a_post_without_the_csrf_token_is_403(client: TestClient, runs: ReviewStore) -> None:
    csrf(client)
    url = f"/runs/{runs.clean}/review"
    assert client.post(url, data={"state": "approved"}).status_code == 403
    assert client.post(url, data={"state": "approved", "csrf": "x" * 43}).status_code == 403
    assert runs.store.view(runs.clean).state == "draft"
    assert post(client, url, state="approved").status_code == 303


def test_serving_beyond_loopback_needs_auth(runs: ReviewStore,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    monkeypatch.setattr(web.uvicorn, "run", lambda *a, **k: started.append(k["host"]))
    for host in ("0.0.0.0", "192.168.1.10", "::", "reviews.example.org"):
        with pytest.raises(UsageError, match="without authentication"):
            web.checked_auth(host)
        with pytest.raises(UsageError, match="without authentication"):
            web.serve(runs.store, Auth(), host=host)
    assert started == []
    web.serve(runs.store, web.checked_auth("0.0.0.0", token=TOKEN), host="0.0.0.0")
    web.serve(runs.store, web.checked_auth("::", proxy_user_header="X-Forwarded-User"),
              host="::")
    web.serve(runs.store, web.checked_auth("127.0.0.1"), host="127.0.0.1")
    web.serve(runs.store, web.checked_auth("localhost"), host="localhost")
    assert started == ["0.0.0.0", "::", "127.0.0.1", "localhost"]
    with pytest.raises(UsageError, match="too short"):
        Auth(token="short")


def test_without_auth_only_a_loopback_host_is_answered(runs: ReviewStore) -> None:
    rebound = TestClient(create_app(runs.store), base_url="http://attacker.example")
    assert rebound.get("/").status_code == 403


def test_token_auth(runs: ReviewStore) -> None:
    app = create_app(runs.store, Auth(token=TOKEN))
    anonymous = TestClient(app, base_url="http://reviews.example.org")
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    assert anonymous.get(f"/runs/{runs.clean}/export.json",
                         follow_redirects=False).status_code == 303
    assert anonymous.post(f"/runs/{runs.clean}/review").status_code == 401
    assert anonymous.get("/", headers={"Authorization": "Bearer wrong-token-wrong-token"},
                         follow_redirects=False).status_code == 303
    assert anonymous.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200

    browser = TestClient(app, base_url="http://reviews.example.org")
    login = browser.get("/login")
    assert TOKEN not in login.text
    failed = post(browser, "/login", token="not-the-token-at-all", next="/")
    assert failed.status_code == 401 and SESSION_COOKIE not in failed.cookies
    signed_in = post(browser, "/login", token=TOKEN, next=f"/runs/{runs.clean}")
    assert signed_in.headers["location"] == f"/runs/{runs.clean}"
    page = browser.get(f"/runs/{runs.clean}")
    assert page.status_code == 200 and TOKEN not in page.text

    forged = TestClient(app, base_url="http://reviews.example.org",
                        cookies={SESSION_COOKIE: "9999999999.abc.0123"})
    assert forged.get("/", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused() -> None:
    auth = Auth(token=TOKEN)
    cookie = auth.new_session(now=1000.0)
    assert auth.session_ok(cookie, now=1001.0)
    assert not auth.session_ok(cookie, now=1000.0 + 13 * 3600)
    assert not Auth(token=TOKEN + "-rotated").session_ok(cookie, now=1001.0)


def test_login_goes_back_only_to_this_app(runs: ReviewStore) -> None:
    browser = TestClient(create_app(runs.store, Auth(token=TOKEN)), base_url=LOCAL)
    browser.get("/login")
    for target in ("https://evil.example/", "//evil.example/x"):
        assert post(browser, "/login", token=TOKEN, next=target).headers["location"] == "/"


def test_the_proxy_user_is_the_author(runs: ReviewStore) -> None:
    app = create_app(runs.store, Auth(proxy_user_header="X-Forwarded-User"))
    anonymous = TestClient(app, base_url="http://reviews.example.org")
    assert anonymous.get("/").status_code == 401
    assert anonymous.get("/login", follow_redirects=False).headers["location"] == "/"
    proxied = TestClient(app, base_url="http://reviews.example.org",
                         headers={"X-Forwarded-User": "grace.hopper"})
    assert 'id="author">grace.hopper<' in proxied.get("/").text
    # a name cookie does not override the proxy's user
    post(proxied, "/name", name="someone else", next="/")
    post(proxied, f"/runs/{runs.clean}/review", state="approved", note="ok")
    assert runs.store.history(runs.clean)[-1].author == "grace.hopper"
    approval = runs.store.approval(runs.clean)
    assert approval is not None and approval.author == "grace.hopper"


def test_the_name_given_is_the_author_else_editor(client: TestClient,
                                                  runs: ReviewStore) -> None:
    post(client, f"/runs/{runs.clean}/review", state="needs_review")
    assert runs.store.history(runs.clean)[-1].author == "editor"
    post(client, "/name", name="  Ada\n Lovelace ", next="/")
    post(client, f"/runs/{runs.clean}/review", state="rejected")
    assert runs.store.history(runs.clean)[-1].author == "Ada Lovelace"



def test_the_serve_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    served: list[dict[str, object]] = []
    monkeypatch.setattr(web.uvicorn, "run", lambda app, **kw: served.append(kw))
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(monkeypatch, "serve", "--host", "0.0.0.0", "--db", db) == 2
    assert "without authentication" in capsys.readouterr().err
    assert not (tmp_path / "cli.db").exists()  # refused before any database was opened
    monkeypatch.setenv("TRIALBRIEF_TOKEN", TOKEN)
    assert run(monkeypatch, "serve", "--host", "0.0.0.0", "--port", "9000", "--db", db) == 0
    assert served == [{"host": "0.0.0.0", "port": 9000, "log_level": "info",
                       "server_header": False}]
    assert TOKEN not in capsys.readouterr().err


def test_the_export_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runs: ReviewStore,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'review.db'}"
    assert run(monkeypatch, "export", "--db", db, "--run", str(runs.clean)) == 2
    assert "is not approved" in capsys.readouterr().err
    runs.store.review(runs.clean, "approved", "Ada")
    out = tmp_path / "approved.html"
    assert run(monkeypatch, "export", "--db", db, "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    assert 'class="provenance"' in html and "KESTREL-AF" in html and "NORVIEL" not in html
    assert run(monkeypatch, "export", "--db", db, "--format", "json") == 0
    exported = json.loads(capsys.readouterr().out)["runs"]
    assert [r["provenance"]["approved_by"] for r in exported] == ["Ada"]
