"""The review app: editors work through the store's queue in a browser.

    auth.py       who may use it, under which name, and the CSRF token of every form
    app.py        the routes and what each page shows
    templates/    the pages (Jinja2), shipped inside the package
"""

from __future__ import annotations

import uvicorn

from agent.store import Store
from agent.web.app import create_app
from agent.web.auth import TOKEN_ENV, Auth

__all__ = ["TOKEN_ENV", "Auth", "checked_auth", "create_app", "serve"]


def checked_auth(host: str, token: str | None = None,
                 proxy_user_header: str | None = None) -> Auth:
    """The app's auth, refused (UsageError) beyond loopback unless a token or a proxy user
    header is configured: before anything else is opened."""
    auth = Auth(token=token or None, proxy_user_header=proxy_user_header or None)
    auth.check_bind(host)
    return auth


def serve(store: Store, auth: Auth, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the review app until interrupted."""
    auth.check_bind(host)
    uvicorn.run(create_app(store, auth), host=host, port=port, log_level="info",
                server_header=False)
