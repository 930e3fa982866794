"""A small store for the review app's tests: two runs of our own fixture articles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.backends.rules import RulesBackend
from agent.config import Settings
from agent.newsroom.digest import digest_into
from agent.store import Store
from evals.cases import Case

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
FLAGGED_CONGRESS = "EuroCardia 2026"
CLEAN_CONGRESS = "Nordic Heart Rhythm Meeting 2026"
FLAG_MESSAGE = "the estimate 4.6 lies outside its CI 1.2 to 3.9"
"""What the rules find in NORVIEL-HF (eval case e15): its estimate is outside its own CI."""


@dataclass(frozen=True)
class ReviewStore:
    store: Store
    flagged: int
    """NORVIEL-HF: a warning on /results/2/estimate."""
    clean: int
    """KESTREL-AF: no finding."""


def review_store(tmp_path: Path, norviel: Case) -> ReviewStore:
    article = tmp_path / "norviel-hf.txt"
    article.write_text(norviel.text, encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp_path / 'review.db'}")
    settings, backend = Settings(), RulesBackend()
    flagged = digest_into(store, str(article), settings, backend, congress=FLAGGED_CONGRESS)
    clean = digest_into(store, str(FIXTURES / "kestrel-af.txt"), settings, backend,
                        congress=CLEAN_CONGRESS)
    assert flagged.run_id is not None and clean.run_id is not None
    return ReviewStore(store, flagged.run_id, clean.run_id)
