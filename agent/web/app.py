"""The review app: the queue, one article with its record, summary and every finding, the
editor's changes (each re-checked by the store), review decisions, history and exports.

Server-rendered HTML from the templates shipped beside this module; no script runs in the
browser (the Content-Security-Policy forbids it), so a hostile article cannot run any either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.errors import InputError
from agent.output import Output
from agent.render.export import MEDIA_TYPES, ExportFormat, approved, render_export
from agent.render.page import Page
from agent.render.refs import flagged as flagged_checks
from agent.render.refs import is_summary_check
from agent.render.review_page import (
    section_article,
    section_findings,
    section_header,
    section_record,
    section_summary,
)
from agent.render.style import CSS
from agent.schema import TrialRecord
from agent.store import RunView, Store
from agent.store.models import REVIEW_STATES, ReviewState
from agent.summarise import edited
from agent.web.auth import (
    CSRF_COOKIE,
    CSRF_FIELD,
    NAME_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Auth,
    clean_name,
    csrf_matches,
    is_loopback,
    new_csrf_token,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
RUN_STATUSES = ("verified", "needs_review", "not_a_trial", "failed")
DECISIONS: dict[str, ReviewState] = {"approved": "approved", "needs_review": "needs_review",
                                     "rejected": "rejected"}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
                               "data:; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}
_SAVED = {"summary": "Summary saved and checked again.", "record": "Record saved and checked "
          "again.", "review": "Review state saved."}


def create_app(store: Store, auth: Auth | None = None) -> FastAPI:
    auth = auth or Auth()
    app = FastAPI(title="trialbrief review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=TEMPLATES)
    _guard(app, auth)
    ui = _Ui(store, auth, templates)
    _pages(app, ui)
    _changes(app, ui)
    _exports(app, store)
    _sign_in(app, ui)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return ui.render(request, "message.html", {"message": exc.detail}, exc.status_code)

    return app


# -- what every request passes ---------------------------------------------------------------

def _guard(app: FastAPI, auth: Auth) -> None:
    @app.middleware("http")
    async def guard(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        refusal = _refusal(request, auth)
        if refusal is not None:
            return _secured(refusal)
        known = request.cookies.get(CSRF_COOKIE) or ""
        request.state.csrf = known if len(known) >= 32 else new_csrf_token()
        response = await call_next(request)
        if request.state.csrf != known:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="lax",
                                secure=request.url.scheme == "https")
        return _secured(response)


def _refusal(request: Request, auth: Auth) -> Response | None:
    if not auth.required:
        # no sign-in: answer only to a loopback Host, so that a web page a browser shows
        # cannot reach the app through a DNS name rebound to 127.0.0.1
        if is_loopback(request.url.hostname):
            return None
        return HTMLResponse("This app answers on loopback only.", status_code=403)
    if request.url.path == "/login" or auth.authenticated(request.headers, request.cookies):
        return None
    if auth.token and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return HTMLResponse("Sign in first.", status_code=401,
                        headers={"WWW-Authenticate": "Bearer"} if auth.token else None)


def _secured(response: Response) -> Response:
    response.headers.update(_SECURITY_HEADERS)
    return response


async def _form(request: Request) -> dict[str, str]:
    """The POSTed fields, once the CSRF token in them matches the cookie's (403 otherwise)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), fields.get(CSRF_FIELD)):
        raise HTTPException(403, "The form is out of date or did not come from this app "
                                 "(CSRF check failed). Reload the page and try again.")
    return fields


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- rendering -------------------------------------------------------------------------------

class _Ui:
    def __init__(self, store: Store, auth: Auth, templates: Jinja2Templates) -> None:
        self.store, self.auth, self.templates = store, auth, templates

    def author(self, request: Request) -> str:
        return self.auth.author(request.headers, request.cookies)

    def render(self, request: Request, name: str, context: dict[str, Any],
               status: int = 200) -> HTMLResponse:
        base = {"csrf": getattr(request.state, "csrf", ""), "csrf_field": CSRF_FIELD,
                "author": self.author(request), "auth": self.auth,
                "named_by_proxy": self.auth.proxy_user(request.headers) is not None,
                "review_css": Markup(CSS)}
        return self.templates.TemplateResponse(request, name, {**base, **context},
                                               status_code=status)

    def run_page(self, request: Request, run_id: int, status: int = 200,
                 **extra: Any) -> HTMLResponse:
        view = _view(self.store, run_id)
        output = view.output
        context = {
            "view": view, "output": output, "sections": _sections(output),
            "summary_checks": flagged_checks(c for c in output.checks if is_summary_check(c)),
            "summary_text": output.summary.text if output.summary else "",
            "record_json": output.record.model_dump_json(indent=2) if output.record else "",
            "history": self.store.history(run_id), "approval": self.store.approval(run_id),
            "saved": _SAVED.get(request.query_params.get("saved", "")),
            "error": None, "error_in": None, **extra}
        return self.render(request, "run.html", context, status)


def _view(store: Store, run_id: int) -> RunView:
    try:
        return store.view(run_id)
    except InputError as exc:
        raise HTTPException(404, exc.message) from exc


def _sections(output: Output) -> dict[str, Markup]:
    page = Page.of(output)
    # the article first: it decides where each finding is shown, the others link to it
    article = section_article(page)
    summary = section_summary(page)
    return {"header": Markup(section_header(output)), "article": Markup(article),
            "record": Markup(section_record(page)), "summary": Markup(summary),
            "findings": Markup(section_findings(page))}


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


# -- pages -----------------------------------------------------------------------------------

def _pages(app: FastAPI, ui: _Ui) -> None:
    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, state: str | None = None, status: str | None = None,
              congress: str | None = None, flagged: str | None = None,
              sort: str = "newest") -> HTMLResponse:
        chosen = {"state": _blank(state), "status": _blank(status),
                  "congress": _blank(congress), "flagged": _blank(flagged),
                  "sort": "flags" if sort == "flags" else "newest"}
        entries = ui.store.queue(
            state=chosen["state"], status=chosen["status"], congress=chosen["congress"],
            flagged={"yes": True, "no": False}.get(chosen["flagged"] or ""),
            sort=chosen["sort"] or "newest")
        return ui.render(request, "queue.html", {
            "entries": entries, "chosen": chosen, "states": REVIEW_STATES,
            "statuses": RUN_STATUSES, "congresses": ui.store.congresses()})

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run(request: Request, run_id: int) -> HTMLResponse:
        return ui.run_page(request, run_id)


def _changes(app: FastAPI, ui: _Ui) -> None:
    @app.post("/runs/{run_id}/summary", response_class=HTMLResponse)
    async def edit_summary(request: Request, run_id: int) -> Response:
        form = await _form(request)
        text = form.get("text", "")
        if not text.strip():
            return ui.run_page(request, run_id, 400, error="The summary is empty: nothing "
                               "was saved.", error_in="summary", summary_text=text)
        previous = _view(ui.store, run_id).output.summary
        try:
            ui.store.edit_summary(run_id, edited(text, previous), ui.author(request),
                                  _blank(form.get("note")))
        except InputError as exc:
            return ui.run_page(request, run_id, 400, error=exc.one_line(), error_in="summary",
                               summary_text=text)
        return _see(f"/runs/{run_id}?saved=summary#summary-editor")

    @app.post("/runs/{run_id}/record", response_class=HTMLResponse)
    async def edit_record(request: Request, run_id: int) -> Response:
        form = await _form(request)
        text = form.get("record", "")
        try:
            record = TrialRecord.model_validate_json(text)
        except ValidationError as exc:
            return ui.run_page(request, run_id, 400, error=_invalid(exc), error_in="record",
                               record_json=text)
        ui.store.edit_record(run_id, record, ui.author(request), _blank(form.get("note")))
        return _see(f"/runs/{run_id}?saved=record#record-editor")

    @app.post("/runs/{run_id}/review", response_class=HTMLResponse)
    async def review(request: Request, run_id: int) -> Response:
        form = await _form(request)
        state = DECISIONS.get(form.get("state", ""))
        if state is None:
            raise HTTPException(400, "Unknown review decision.")
        try:
            ui.store.review(run_id, state, ui.author(request), _blank(form.get("note")))
        except InputError as exc:
            return ui.run_page(request, run_id, 400, error=exc.one_line(), error_in="review",
                               note=form.get("note", ""))
        return _see(f"/runs/{run_id}?saved=review#review")

    @app.post("/name")
    async def set_name(request: Request) -> Response:
        form = await _form(request)
        response = _see(_local(form.get("next")))
        name = clean_name(form.get("name"))
        if name:
            response.set_cookie(NAME_COOKIE, name, max_age=365 * 86400, httponly=True,
                                samesite="lax", secure=request.url.scheme == "https")
        else:
            response.delete_cookie(NAME_COOKIE)
        return response


def _invalid(exc: ValidationError) -> str:
    problems = [f"{'/'.join(str(p) for p in e['loc']) or 'the record'}: {e['msg']}"
                for e in exc.errors()[:3]]
    more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "Not a valid record, nothing was saved: " + "; ".join(problems) + more


def _local(url: str | None) -> str:
    """A path on this app to go back to; anything else (another site) becomes the queue."""
    return url if url and url.startswith("/") and not url.startswith(("//", "/\\")) else "/"


# -- exports ---------------------------------------------------------------------------------

def _exports(app: FastAPI, store: Store) -> None:
    @app.get("/export.{fmt}")
    def export_all(fmt: ExportFormat) -> Response:
        return _export(render_export(approved(store), fmt), fmt, "trialbrief-approved")

    @app.get("/runs/{run_id}/export.{fmt}")
    def export_run(run_id: int, fmt: ExportFormat) -> Response:
        _view(store, run_id)  # 404 for a run that does not exist
        items = approved(store, run_id)
        if not items:
            raise HTTPException(404, f"Run {run_id} is not approved: only approved runs are "
                                     "exported.")
        return _export(render_export(items, fmt), fmt, f"trialbrief-run-{run_id}")


def _export(text: str, fmt: ExportFormat, stem: str) -> Response:
    return Response(text, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{stem}.{fmt}"'})


# -- signing in with the token ---------------------------------------------------------------

def _sign_in(app: FastAPI, ui: _Ui) -> None:
    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        if not ui.auth.token:  # nothing to sign in with: the proxy (or loopback) decides
            return _see("/")
        return ui.render(request, "login.html", {"next": _local(next), "failed": False})

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await _form(request)
        target = _local(form.get("next"))
        if not ui.auth.token_matches(form.get("token")):
            return ui.render(request, "login.html", {"next": target, "failed": True}, 401)
        response = _see(target)
        response.set_cookie(SESSION_COOKIE, ui.auth.new_session(), max_age=SESSION_SECONDS,
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await _form(request)
        response = _see("/login" if ui.auth.token else "/")
        response.delete_cookie(SESSION_COOKIE)
        return response
