"""Eval cases: an article and its gold record, in the format of ../shared/corpus.

The project's own cases live in evals/cases/*.json; `load_cases(DIR)` reads any folder in that
format, so real articles can be evaluated without being copied into the project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.anchor import anchor_record
from agent.draft import DraftArm, DraftRecord, DraftResult
from agent.schema import TrialRecord

CASES_DIR = Path(__file__).resolve().parent / "cases"


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    kind: str
    title: str
    text: str
    gold: dict[str, Any]
    traps: list[dict[str, Any]] = field(default_factory=list)
    html_path: Path | None = None

    @property
    def trap_kinds(self) -> set[str]:
        return {t["kind"] for t in self.traps}


def load_case(path: Path) -> Case:
    data = json.loads(path.read_text(encoding="utf-8"))
    html = path.parent / "html" / f"{path.stem}.html"
    return Case(id=data["id"], group=data["group"], kind=data["kind"], title=data["title"],
                text=data["text"], gold=data["gold"], traps=data.get("traps", []),
                html_path=html if html.exists() else None)


def load_cases(folder: Path | None = None) -> list[Case]:
    folder = folder or CASES_DIR
    return [load_case(p) for p in sorted(folder.glob("*.json"))]


_MET = {True: "yes", False: "no", None: "not_stated"}


def gold_draft(case: Case) -> DraftRecord:
    g = case.gold
    results = []
    for r in g["results"]:
        level = r.get("ci_level")
        results.append(DraftResult(
            endpoint=r["endpoint"], is_primary=r.get("is_primary"), measure=r["measure"],
            estimate=r.get("estimate"), ci_level=f"{level:g}" if level is not None else None,
            ci_lower=r.get("ci_lower"), ci_upper=r.get("ci_upper"), p=r.get("p"),
            timepoint=r.get("timepoint"), arm=r.get("arm"), n=r.get("n"),
            comparison=r.get("comparison"), trial=r.get("trial"), quote=r["quote"],
        ))
    return DraftRecord(
        is_trial_report=case.kind in ("trial-report", "secondary-analysis", "registry"),
        trial_names=g["trial_names"], registry_ids=g["registry_ids"],
        arms=[DraftArm(label=a["label"], n=a.get("n")) for a in g["arms"]],
        n_total=g.get("n_total"), primary_endpoint=g.get("primary_endpoint"),
        primary_endpoint_met=_MET[g.get("primary_endpoint_met")],
        results=results,
    )


def gold_record(case: Case) -> TrialRecord:
    return anchor_record(gold_draft(case), case.text)
