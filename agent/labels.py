"""Candidates in, labels out: the parser finds the numbers, the model names them.

The rules extractor reads every statistic, per-arm value and safety figure of an article into a
draft. In the labels mode a model sees the article with those candidates numbered in place
("[C3]" before the value) and answers only what a parser cannot know: the trial, what was
compared in whom, the primary endpoint, and per candidate its endpoint, whether it is the
primary result, a secondary or safety one, or no result at all, and its arm. The answer's schema
is built for the article (one key per candidate), so a model can neither skip a candidate nor
invent one, and it never writes a number: the record's numbers are the candidates'.

`merge` then joins the two readings. A model label replaces the rules' one only where its
words stand in the text next to the value; where the two disagree on what the text decides (the
primary flag, the met claim, the arm) the reading the text supports is kept and the disagreement
goes into the record, where the checks show it to the editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from agent.document import Document, analyse, measure_of
from agent.draft import DraftArm, DraftRecord, DraftResult, DraftSafety
from agent.rules.endpoints import matches_primary, mentions_primary, names_primary
from agent.rules.identity import looks_like_trial_name
from agent.rules.labels import weak_label
from agent.rules.results import UNNAMED, value_at
from agent.rules.stats import p_text
from agent.schema import Disagreement, Measure, PrimaryMet, Span
from agent.textmatch import find_in

Kind = Literal["primary", "secondary", "safety", "not_a_result"]
_MEASURES: frozenset[str] = frozenset(get_args(Measure))
MAX_MISSED = 3
_PER_ARM = frozenset({"percent", "mean change", "other"})
"""Measures a single arm has; a ratio or a difference belongs to no arm."""


class _Answer(BaseModel):
    # Every key required (null where unknown): what OpenAI's strict structured output asks
    # for (agent.llm adds additionalProperties: false there), and what keeps a small model
    # under a grammar from skipping keys.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class CandidateLabel(_Answer):
    endpoint: str
    kind: Kind
    arm: str | None


class MissedResult(_Answer):
    endpoint: str
    quote: str


class TrialLabels(_Answer):
    """The trial-level part of the answer; `labels_model` adds one key per candidate."""

    trial_names: list[str]
    intervention: str | None
    comparator: str | None
    population: str | None
    condition: str | None
    primary_endpoint: str | None
    primary_endpoint_met: PrimaryMet
    missed: list[MissedResult] = Field(max_length=MAX_MISSED)

    def labels(self) -> dict[str, CandidateLabel]:
        found = getattr(self, "candidates", None)
        if not isinstance(found, BaseModel):
            return {}
        return {k: v for k, v in found if isinstance(v, CandidateLabel)}


def labels_model(ids: list[str]) -> type[TrialLabels]:
    """The answer's schema for these candidates: `candidates` has exactly one required key per
    id, in order (the strongest form of an enum of ids a grammar or strict mode can enforce)."""
    fields: dict[str, Any] = {cid: (CandidateLabel, ...) for cid in ids}
    candidates = create_model("Candidates", __base__=_Answer, **fields)
    return create_model("Labels", __base__=TrialLabels, candidates=(candidates, ...))


# -- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: str
    kind: Literal["result", "safety"]
    index: int
    """Into the draft's results or safety findings."""
    at: int
    """Where its value starts in the text (the quote's start when it has no value)."""
    shown: str
    """Its numbers, as the candidate list shows them."""


def candidates_of(draft: DraftRecord, text: str) -> list[Candidate]:
    """The draft's results and safety findings with a place in the text, numbered in text
    order."""
    found: list[tuple[int, Literal["result", "safety"], int, str]] = []
    for i, r in enumerate(draft.results):
        at = _place(text, r.estimate, r.quote)
        if at >= 0:
            found.append((at, "result", i, _shown(r)))
    for i, s in enumerate(draft.safety):
        at = _place(text, s.value, s.quote)
        if at >= 0 and s.value:
            found.append((at, "safety", i, s.value))
    found.sort(key=lambda c: (c[0], c[1], c[2]))
    return [Candidate(f"C{n}", kind, i, at, shown)
            for n, (at, kind, i, shown) in enumerate(found, 1)]


def _place(text: str, value: str | None, quote: str | None) -> int:
    at = value_at(text, value, quote)
    if at < 0 and quote:
        at = text.find(quote)
    return at


def _shown(r: DraftResult) -> str:
    ci = f" ({r.ci_lower} to {r.ci_upper})" if r.ci_lower and r.ci_upper else ""
    p = f", P {r.p}" if r.p else ""
    return f"{r.estimate or '?'}{ci}{p}"


def marked_article(text: str, candidates: list[Candidate]) -> str:
    """The article with "[Cn]" before each candidate's value."""
    out, last = [], 0
    for c in sorted(candidates, key=lambda c: c.at):
        out += [text[last:c.at], f"[{c.id}]"]
        last = c.at
    out.append(text[last:])
    return "".join(out)


def candidate_list(candidates: list[Candidate]) -> str:
    return "\n".join(f"{c.id}: {c.shown}" for c in candidates) or "(none)"


# -- merge ----------------------------------------------------------------------------------


@dataclass
class Merged:
    draft: DraftRecord
    disagreements: list[Disagreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    about: list[tuple[Disagreement, DraftResult, str]] = field(default_factory=list)
    """Disagreements on one result: their pointer is set once the results have their final
    order (some dropped, some added, all in text order)."""

    def on_result(self, result: DraftResult, name: str, **fields: Any) -> None:
        d = Disagreement(field="", **fields)
        self.disagreements.append(d)
        self.about.append((d, result, name))

    def point(self) -> None:
        index = {id(r): i for i, r in enumerate(self.draft.results)}
        for d, result, name in self.about:
            d.field = f"/results/{index[id(result)]}/{name}"


def merge(draft: DraftRecord, answer: TrialLabels, candidates: list[Candidate], text: str
          ) -> Merged:
    """The rules' draft with the model's labels where the text supports them."""
    doc = analyse(text)
    merged = Merged(draft.model_copy(deep=True))
    out = merged.draft
    _trial_fields(out, answer, doc, merged)
    labels = answer.labels()
    dropped: set[tuple[str, int]] = set()
    names = [r.endpoint for r in draft.results]
    for c in candidates:
        label = labels.get(c.id)
        if label is None:
            continue
        if c.kind == "result":
            if _label_result(out, c, label, doc, merged, names):
                dropped.add(("result", c.index))
        elif _label_safety(out.safety[c.index], c, label, doc):
            dropped.add(("safety", c.index))
    out.results = [r for i, r in enumerate(out.results) if ("result", i) not in dropped]
    out.safety = [s for i, s in enumerate(out.safety) if ("safety", i) not in dropped]
    out.results += _missed_results(answer.missed, out, doc, merged)
    out.results.sort(key=lambda r: _place(text, r.estimate, r.quote))
    merged.point()
    return merged


def _trial_fields(out: DraftRecord, answer: TrialLabels, doc: Document, merged: Merged
                  ) -> None:
    text = doc.text
    if not out.trial_names:
        out.trial_names = [n.strip() for n in answer.trial_names
                           if n.casefold() in text.casefold() and looks_like_trial_name(n)]
    for name in ("population", "condition"):
        if getattr(out, name) is None and _supported(getattr(answer, name), text):
            setattr(out, name, getattr(answer, name).strip())
    if out.primary_endpoint is None and answer.primary_endpoint:
        if _called_primary(answer.primary_endpoint, doc):
            out.primary_endpoint = answer.primary_endpoint.strip()
        else:
            merged.notes.append(f"the model's primary endpoint {answer.primary_endpoint[:60]!r} "
                                "was left out: the article does not call it primary")
    model_pe = answer.primary_endpoint
    draft_pe = out.primary_endpoint
    if draft_pe and model_pe and _supported(model_pe, text) and not (
            matches_primary(model_pe, draft_pe) or matches_primary(draft_pe, model_pe)):
        merged.disagreements.append(Disagreement(
            field="/primary_endpoint", rules=draft_pe, model=model_pe, kept="rules",
            why="the article names the rules' reading as its primary endpoint"))
    if not out.arms:
        out.arms = [DraftArm(label=a.strip()) for a in (answer.intervention, answer.comparator)
                    if a and _supported(a, text)]
    if answer.primary_endpoint_met != out.primary_endpoint_met:
        merged.disagreements.append(Disagreement(
            field="/primary_endpoint_met", rules=out.primary_endpoint_met,
            model=answer.primary_endpoint_met, kept="rules", why=_met_why(out)))


def _called_primary(endpoint: str, doc: Document) -> bool:
    """Some sentence of the article calls `endpoint` primary: a model names a primary endpoint
    for an article that states none (a round-up, a registry) from whatever outcome it reports."""
    return any(names_primary(doc.text[start:end]) and mentions_primary(doc.text[start:end],
                                                                       endpoint)
               for start, end in doc.sentences)


def _met_why(out: DraftRecord) -> str:
    if out.primary_met_quote:
        return f"the article says so in: {out.primary_met_quote!r}"
    return "the article states no verdict on its primary endpoint; read the primary result"


def _label_result(out: DraftRecord, c: Candidate, label: CandidateLabel, doc: Document,
                  merged: Merged, names: list[str]) -> bool:
    """Apply one label to a result; True when the result is to be dropped. `names`: the
    rules' endpoint names of every result, before any label."""
    r = out.results[c.index]
    window = _window(doc, c.at)
    weak = r.endpoint == UNNAMED or weak_label(r.endpoint)
    if label.kind == "not_a_result":
        if weak and r.ci_lower is None and r.p is None:
            merged.notes.append(f"{c.shown!r} was left out: the model read it as no result, "
                                "and no statistic or endpoint of its own says otherwise")
            return True
        return False
    choice = _label_choice(r.endpoint, label.endpoint, r.estimate, doc, c.at)
    if choice == "model" and _composite_of(label.endpoint, r.endpoint, names):
        merged.on_result(r, "endpoint", rules=r.endpoint, model=label.endpoint.strip(),
                         kept="rules", why="the model gave a component the name of the composite "
                                           "the parser read for other values")
    elif choice == "model":
        r.endpoint = label.endpoint.strip()
    elif choice == "disagree":
        merged.on_result(r, "endpoint", rules=r.endpoint, model=label.endpoint.strip(),
                         kept="rules", why="the name the parser read beside the value")
    if label.arm and r.measure in _PER_ARM and _supported(label.arm, window):
        if r.arm is None:
            r.arm = label.arm.strip()
        elif not _same_words(r.arm, label.arm):
            merged.on_result(r, "arm", rules=r.arm, model=label.arm, kept="rules",
                             why="the arm the parser read next to the value")
    _primary_flag(out, r, c, label, doc, merged)
    return False


def _primary_flag(out: DraftRecord, r: DraftResult, c: Candidate, label: CandidateLabel,
                  doc: Document, merged: Merged) -> None:
    model = label.kind == "primary"
    rules = r.is_primary is True
    if model == rules:
        return
    start, end = doc.sentence_of(c.at)
    sentence, prefix = doc.text[start:end], doc.text[start:c.at]
    supported = (names_primary(prefix) or mentions_primary(sentence, out.primary_endpoint)
                 or matches_primary(r.endpoint, out.primary_endpoint))
    keep_model = model == supported
    if keep_model:
        r.is_primary = model
    merged.on_result(r, "is_primary", rules=_flag(rules), model=_flag(model),
                     kept="model" if keep_model else "rules",
                     why=("its sentence names the primary endpoint" if supported
                          else "its sentence does not name the primary endpoint"))


def _flag(primary: bool) -> str:
    return "primary" if primary else "not primary"


def _label_safety(finding: DraftSafety, c: Candidate, label: CandidateLabel, doc: Document
                  ) -> bool:
    weak = finding.event == UNNAMED or weak_label(finding.event)
    if label.kind == "not_a_result":
        return weak
    window = _window(doc, c.at)
    if _label_choice(finding.event, label.endpoint, finding.value, doc, c.at) == "model":
        finding.event = label.endpoint.strip()
    if finding.arm is None and label.arm and _supported(label.arm, window):
        finding.arm = label.arm.strip()
    return False


def _missed_results(missed: list[MissedResult], out: DraftRecord, doc: Document,
                    merged: Merged) -> list[DraftResult]:
    """Results the candidates left out, added by quote: their numbers are the statistics the
    parser reads inside the quote, never the model's."""
    text = doc.text
    taken = {value_at(text, r.estimate, r.quote) for r in out.results}
    added: list[DraftResult] = []
    for m in missed[:MAX_MISSED]:
        span = find_in(text, m.quote) if m.quote.strip() else None
        if span is None:
            merged.notes.append(f"a result the model added was left out: its quote "
                                f"{m.quote[:60]!r} is not in the article")
            continue
        if not _supported(m.endpoint, text):
            merged.notes.append(f"a result the model added was left out: its endpoint "
                                f"{m.endpoint[:60]!r} is not named in the article")
            continue
        for t in doc.tuples:
            est = t.estimate
            if est is None or not (span[0] <= est.start and est.end <= span[1]) \
                    or est.start in taken or doc.outside_body(est.start):
                continue
            taken.add(est.start)
            added.append(_result_of(doc, t, m.endpoint.strip(), span))
    return added


def _result_of(doc: Document, t: Any, endpoint: str, span: Span) -> DraftResult:
    start, end = min(span[0], t.span[0]), max(span[1], t.span[1])
    named = measure_of(doc.text[t.sentence[0]:t.span[1]])
    measure = named[0] if named and named[0] in _MEASURES else "other"
    return DraftResult(
        endpoint=endpoint, measure=measure, estimate=t.estimate.text,
        ci_lower=t.ci.lower.text if t.ci else None, ci_upper=t.ci.upper.text if t.ci else None,
        p=p_text(doc, t.p), quote=doc.text[start:end])


# -- support in the text --------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]{3,}", re.U)
_STOP = frozenset(["the", "and", "with", "for", "from", "that", "this", "was", "were", "are",
                   "than", "versus", "who", "had", "has", "their", "its"])


def _words(text: str) -> set[str]:
    return {w[:-1] if len(w) > 4 and w.endswith("s") else w
            for w in (m.casefold() for m in _WORD.findall(text)) if w not in _STOP}


def _supported(label: str | None, window: str) -> bool:
    """At least two thirds of the label's words stand in `window`: the model named something
    the text says, in the text's words (or nearly)."""
    if not label or not label.strip():
        return False
    wanted = _words(label)
    if not wanted:
        return False
    have = _words(window)
    return len(wanted & have) * 3 >= 2 * len(wanted)


_MARKER = re.compile(r"\[C\d+\]")
_LETTERS = re.compile(r"[^\W\d_]{3,}", re.U)
# A responder endpoint's threshold: 'blood pressure below 130/80 mm Hg'.
_THRESHOLD = re.compile(r"(?:\b(?:below|above|under|over|less than|more than|greater than|"
                        r"at least|at most|of more than|of less than)\s*|[<>≤≥]\s*)\d", re.I)
# A label that lists several things: 'death, stroke or hospitalisation'.
_LISTED = re.compile(r",|\b(?:or|and|oder|und|ou|et)\b")
_SHORT_NAME = 8
# Words that say a label is an endpoint, or how it was measured, without saying which one.
_GENERIC = frozenset(["primary", "secondary", "endpoint", "end", "point", "outcome", "composite",
                      "main", "key", "rate", "measure", "mean", "median", "change", "difference",
                      "percent", "percentage", "proportion", "reduction", "relative", "absolute",
                      "ratio", "hazard", "odd", "least", "square", "adjusted", "placebo-adjusted"])


def _label_choice(rules: str, model: str, value: str | None, doc: Document, at: int
                  ) -> Literal["model", "rules", "disagree"]:
    """Whose endpoint label a value keeps. The model's must name an endpoint in words (not
    '0.52 (95% CI ...)', not a copy of the marked article: '[C4]88.1%' or '32% reduction in
    stroke', not only how it was measured: 'mean change') that stand near the value: in its
    sentence or the one before when the rules found no name, in its own sentence when they
    did. Against a name the rules read there, the model's loses when it is one part
    of the list the rules' label names (a composite's component given to the composite's
    value), and disagrees when it names something else than a short name the rules read in the
    same sentence (the model's label slipped to the neighbouring value)."""
    offered = _words(model) - _GENERIC
    if (not offered or weak_label(model) or _MARKER.search(model)
            or not _LETTERS.search(model) or (value and value in model)):
        return "rules"
    if rules == UNNAMED or weak_label(rules):
        return "model" if _supported(model, _window(doc, at)) else "rules"
    start, end = doc.sentence_of(at)
    sentence = doc.text[start:end]
    if not _supported(model, sentence):
        return "rules"
    have = _words(rules) - _GENERIC
    if offered < have and _LISTED.search(rules):
        return "rules"
    if _THRESHOLD.search(rules) and not any(ch.isdigit() for ch in model):
        return "rules"  # the model's 'blood pressure' drops what makes it a responder endpoint
    if not offered & have and _short_name(rules) and _supported(rules, sentence):
        return "disagree"
    return "model"


def _composite_of(model: str, rules: str, names: list[str]) -> bool:
    """The model's label lists the rules' one among others ('CV death or worsening HF' for
    'CV death') and is the rules' name of other values: the composite's, given to a
    component's value."""
    offered, have = _words(model) - _GENERIC, _words(rules) - _GENERIC
    return (bool(have) and have < offered and bool(_LISTED.search(model))
            and any(offered <= _words(name) for name in names if name != rules))


def _short_name(label: str) -> bool:
    """A label of at most eight words, no number and no verb: a name, not a clause the reading
    ran into ('the intervention appeared safe overall')."""
    return (len(label.split()) <= _SHORT_NAME and not any(ch.isdigit() for ch in label)
            and not _CLAUSE_VERB.search(label))


_CLAUSE_VERB = re.compile(r"\b(?:is|are|was|were|be|been|appeared|appears|seemed|seems|showed|"
                          r"shows|remained|remains|did|does|had|has|have|became|led|proved)\b",
                          re.I)


def _same_words(a: str, b: str) -> bool:
    return bool(_words(a) & _words(b))


def _window(doc: Document, at: int) -> str:
    """The candidate's sentence and the one before it: where its endpoint is named."""
    start, end = doc.sentence_of(at)
    before = doc.sentence_of(max(0, start - 1))[0] if start > 0 else start
    return doc.text[before:end]
