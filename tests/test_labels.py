"""Labels mode (agent.labels): the parser's candidates in, the model's labels out, merged with
the rules' reading where the text supports them. Merge tests take the model's answer as data;
the end-to-end tests script an OpenAI-compatible server in each structured-output mode."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from agent.backends.openai_compat import OpenAIBackend
from agent.config import load_settings
from agent.extract import extract
from agent.labels import (
    TrialLabels,
    candidate_list,
    candidates_of,
    labels_model,
    marked_article,
    merge,
)
from agent.rules import extract_draft, iter_numbers
from agent.schema import Article
from agent.verify import verify
from evals.cases import Case
from evals.record import article_of
from tests.conftest import FakeModel, completion

ARTICLE = (
    "NORTHWIND-2: a fictional antibody and asthma attacks\n"
    "In the NORTHWIND-2 trial, 812 adults with moderate asthma were randomised to zelvotimab or "
    "placebo. The primary endpoint was the annualised rate of severe exacerbations. Severe "
    "exacerbations were less frequent with zelvotimab (rate ratio 0.62; 95% CI 0.50–0.77; "
    "P<0.001). Lung function improved by a mean difference of 110 mL (95% CI 60–160) at week "
    "24. Headache occurred in 7.1% of patients with zelvotimab and 5.0% with placebo. "
    "Night-time waking fell too (odds ratio 0.71, 95% CI 0.55 to 0.92).\n")


def label(endpoint: str, kind: str = "secondary", arm: str | None = None) -> dict[str, Any]:
    return {"endpoint": endpoint, "kind": kind, "arm": arm}


def answer(candidates: dict[str, dict[str, Any]], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "trial_names": ["NORTHWIND-2"], "intervention": "zelvotimab", "comparator": "placebo",
        "population": "adults with moderate asthma", "condition": "asthma",
        "primary_endpoint": "annualised rate of severe exacerbations",
        "primary_endpoint_met": "not_stated", "missed": [], "candidates": candidates}
    base.update(fields)
    return base


GOOD = {"C1": label("severe exacerbations", "primary"), "C2": label("lung function"),
        "C3": label("headache", "safety", "zelvotimab"),
        "C4": label("headache", "safety", "placebo"), "C5": label("night-time waking")}


def parsed(data: dict[str, Any], text: str = ARTICLE) -> tuple[Any, Any]:
    draft = extract_draft(text)
    found = candidates_of(draft, text)
    model = labels_model([c.id for c in found])
    return draft, model.model_validate(data)


def test_each_candidate_is_marked_just_before_its_value_in_text_order() -> None:
    draft = extract_draft(ARTICLE)
    found = candidates_of(draft, ARTICLE)
    assert [c.id for c in found] == [f"C{i}" for i in range(1, len(found) + 1)]
    assert [c.at for c in found] == sorted(c.at for c in found)
    marked = marked_article(ARTICLE, found)
    for c in found:
        value = c.shown.split(" ")[0]
        assert f"[{c.id}]{value}" in marked
    for c in found:
        marked = marked.replace(f"[{c.id}]", "", 1)
    assert marked == ARTICLE
    assert candidate_list(found).splitlines()[0].startswith("C1: 0.62 (0.50 to 0.77)")


def test_the_schema_asks_for_exactly_the_candidates_and_no_number() -> None:
    schema = labels_model(["C1", "C2"]).model_json_schema()
    candidates = schema["$defs"]["Candidates"]
    assert candidates["required"] == ["C1", "C2"]
    assert set(schema["required"]) >= {"trial_names", "primary_endpoint_met", "candidates"}
    kinds = schema["$defs"]["CandidateLabel"]["properties"]["kind"]["enum"]
    assert kinds == ["primary", "secondary", "safety", "not_a_result"]
    text = json.dumps(schema)
    for numeric in ("estimate", "ci_lower", "p_value", "\"n\""):
        assert numeric not in text
    with pytest.raises(ValidationError):  # a candidate left out
        labels_model(["C1", "C2"]).model_validate(answer({"C1": label("x")}))


def test_labels_rename_results_without_changing_a_number() -> None:
    draft, labels = parsed(answer(GOOD))
    merged = merge(draft, labels, candidates_of(draft, ARTICLE), ARTICLE)
    assert sorted(iter_numbers(merged.draft)) == sorted(iter_numbers(draft))
    by_value = {r.estimate: r for r in merged.draft.results}
    assert draft.results[1].endpoint != "lung function"  # the rules' reading of 110 mL
    assert by_value["110"].endpoint == "lung function"


def test_a_label_whose_words_are_not_in_the_text_is_not_taken() -> None:
    draft, labels = parsed(answer({**GOOD, "C5": label("quality of life score")}))
    merged = merge(draft, labels, candidates_of(draft, ARTICLE), ARTICLE)
    (waking,) = [r for r in merged.draft.results if r.estimate == "0.71"]
    assert waking.endpoint == "night-time waking"


@pytest.mark.parametrize("copied", ["[C2]110 mL (95% CI 60–160)", "110 mL (95% CI 60–160)",
                                    "110 mL of lung function", "mean difference"])
def test_a_label_that_copies_the_text_or_names_no_endpoint_is_not_taken(copied: str) -> None:
    draft, labels = parsed(answer({**GOOD, "C2": label(copied)}))
    merged = merge(draft, labels, candidates_of(draft, ARTICLE), ARTICLE)
    (lung,) = [r for r in merged.draft.results if r.estimate == "110"]
    assert lung.endpoint == draft.results[1].endpoint


ANTICOAGULANT = (
    "ORCHARD-3: a fictional anticoagulant\nIn ORCHARD-3, 2,400 adults with atrial fibrillation "
    "were randomised to selvaxaban or warfarin. Cardiovascular death or hospitalisation for heart "
    "failure occurred in 6.2% with selvaxaban and 7.9% with warfarin (hazard ratio 0.78; 95% CI "
    "0.66-0.92). Major bleeding was lower with selvaxaban (hazard ratio 0.70; 95% CI 0.55-0.89), "
    "while intracranial haemorrhage did not differ (hazard ratio 0.95; 95% CI 0.60-1.50).\n")


def merged_with(labels_by_value: dict[str, str], text: str = ANTICOAGULANT) -> Any:
    """The article (the anticoagulant one unless told) merged with a label per value (by the
    value shown)."""
    draft = extract_draft(text)
    found = candidates_of(draft, text)
    by_id = {c.id: label(labels_by_value.get(c.shown.split(" ")[0], "unlabelled")) for c in found}
    model = labels_model([c.id for c in found]).model_validate(answer(by_id, trial_names=[]))
    return merge(draft, model, found, text)


def test_a_composites_component_does_not_rename_the_composites_value() -> None:
    merged = merged_with({"0.78": "hospitalisation for heart failure"})
    (composite,) = [r for r in merged.draft.results if r.estimate == "0.78"]
    assert composite.endpoint == "cardiovascular death or hospitalisation for heart failure"


def test_a_label_naming_the_neighbouring_endpoint_is_shown_not_taken() -> None:
    merged = merged_with({"0.70": "intracranial haemorrhage",
                                 "0.95": "intracranial haemorrhage"})
    index = next(i for i, r in enumerate(merged.draft.results) if r.estimate == "0.70")
    assert merged.draft.results[index].endpoint == "major bleeding"
    (shown,) = [d for d in merged.disagreements if d.field == f"/results/{index}/endpoint"]
    assert (shown.rules, shown.model, shown.kept) == (
        "major bleeding", "intracranial haemorrhage", "rules")
    (same,) = [r for r in merged.draft.results if r.estimate == "0.95"]
    assert same.endpoint == "intracranial haemorrhage"
    assert len([d for d in merged.disagreements if d.field.endswith("/endpoint")]) == 1


def test_a_primary_flag_the_text_does_not_support_is_kept_from_the_rules_and_shown() -> None:
    draft, labels = parsed(answer({**GOOD, "C5": label("night-time waking", "primary")}))
    merged = merge(draft, labels, candidates_of(draft, ARTICLE), ARTICLE)
    index = next(i for i, r in enumerate(merged.draft.results) if r.estimate == "0.71")
    assert merged.draft.results[index].is_primary is not True
    (shown,) = [d for d in merged.disagreements if d.field == f"/results/{index}/is_primary"]
    assert (shown.model, shown.rules, shown.kept) == ("primary", "not primary", "rules")


def test_a_met_claim_the_article_does_not_make_stays_not_stated_and_is_a_warning() -> None:
    draft, labels = parsed(answer(GOOD, primary_endpoint_met="yes"))
    merged = merge(draft, labels, candidates_of(draft, ARTICLE), ARTICLE)
    assert merged.draft.primary_endpoint_met == "not_stated"
    from agent.anchor import anchor_record

    record = anchor_record(merged.draft, ARTICLE)
    record.disagreements = merged.disagreements
    report = verify(record, ARTICLE)
    (check,) = [c for c in report.of_kind("label_disagreement")
                if c.field == "/primary_endpoint_met"]
    assert check.severity == "warning" and check.origin == "record"
    assert "'yes'" in check.message and "not_stated" in check.message


def test_not_a_result_drops_only_a_candidate_nothing_else_supports() -> None:
    text = ("KESTREL-9 enrolled 400 patients in 2021. The primary endpoint was stroke "
            "(HR 0.80; 95% CI 0.65-0.98; P=0.03). Of those enrolled, 61% were men.\n")
    draft = extract_draft(text)
    found = candidates_of(draft, text)
    everything_out = {c.id: label("x", "not_a_result") for c in found}
    merged = merge(draft, labels_model([c.id for c in found]).model_validate(
        answer(everything_out, trial_names=[])), found, text)
    assert [r.estimate for r in merged.draft.results if r.ci_lower] == ["0.80"]


def test_a_result_the_candidates_missed_is_added_with_the_parsers_numbers() -> None:
    draft = extract_draft(ARTICLE)
    draft.results = [r for r in draft.results if r.estimate != "0.71"]
    found = candidates_of(draft, ARTICLE)
    missed = [{"endpoint": "night-time waking",
               "quote": "Night-time waking fell too (odds ratio 0.71, 95% CI 0.55 to 0.92)"},
              {"endpoint": "sleep", "quote": "sleep improved by 0.99 points"}]
    labels = labels_model([c.id for c in found]).model_validate(
        answer({c.id: label("x") for c in found}, missed=missed))
    merged = merge(draft, labels, found, ARTICLE)
    (added,) = [r for r in merged.draft.results if r.endpoint == "night-time waking"]
    assert (added.estimate, added.ci_lower, added.ci_upper) == ("0.71", "0.55", "0.92")
    assert any("not in the article" in n for n in merged.notes)


def test_names_arms_and_population_fill_only_what_the_rules_left_empty() -> None:
    text = ("A fictional trial of verdolimab\nPatients with gout were randomised to "
            "verdolimab or colchicine. Flares fell (HR 0.70; 95% CI 0.55-0.89).\n")
    draft = extract_draft(text)
    found = candidates_of(draft, text)
    data = answer({c.id: label("flares", "primary") for c in found}, trial_names=["GOUT-X"],
                  intervention="verdolimab", comparator="colchicine",
                  population="patients with gout", condition="gout",
                  primary_endpoint=None)
    merged = merge(draft, labels_model([c.id for c in found]).model_validate(data), found, text)
    assert merged.draft.trial_names == []  # not written in the article
    assert {a.label for a in merged.draft.arms} >= {"verdolimab", "colchicine"}


@pytest.mark.parametrize(("offered", "kept"), [
    (["GOUT-X"], ["GOUT-X"]),
    (["Verdolimab"], []),  # the drug
    (["Rheumatology Congress 2026"], []),  # where it was presented
    (["ACR"], []),  # a society's acronym
    (["randomised trial of verdolimab or colchicine"], [])])  # a description
def test_a_trial_name_from_the_model_must_have_the_shape_of_one(offered: list[str],
                                                                kept: list[str]) -> None:
    text = ("GOUT-X: a fictional trial of Verdolimab, presented at the Rheumatology Congress "
            "2026 (ACR)\nIn a randomised trial of verdolimab or colchicine, patients with gout "
            "had fewer flares (HR 0.70; 95% CI 0.55-0.89).\n")
    draft = extract_draft(text.replace("GOUT-X: ", ""))
    assert draft.trial_names == []
    found = candidates_of(draft, text)
    data = answer({c.id: label("flares", "primary") for c in found}, trial_names=offered)
    merged = merge(draft, labels_model([c.id for c in found]).model_validate(data), found, text)
    assert merged.draft.trial_names == kept


@pytest.mark.parametrize(("sentence", "kept"), [
    ("Flares were the primary endpoint.", True), ("Flares were counted too.", False)])
def test_a_primary_endpoint_is_taken_from_the_model_only_where_the_article_calls_it_primary(
        sentence: str, kept: bool) -> None:
    text = ("A fictional trial of verdolimab\nPatients with gout were randomised to verdolimab "
            f"or colchicine. {sentence} Fewer flares occurred (HR 0.70; 95% CI 0.55-0.89).\n")
    draft = extract_draft(text)
    draft.primary_endpoint = None  # as when the rules read none
    found = candidates_of(draft, text)
    data = answer({c.id: label("flares", "primary") for c in found}, trial_names=[],
                  primary_endpoint="flares")
    merged = merge(draft, labels_model([c.id for c in found]).model_validate(data), found, text)
    assert (merged.draft.primary_endpoint == "flares") is kept
    assert any("does not call it primary" in n for n in merged.notes) is not kept


# -- end to end, against a scripted server in each structured-output mode ------------------


def article() -> Article:
    return article_of(Case(id="northwind", group="own", kind="trial-report",
                           title=ARTICLE.split("\n")[0], text=ARTICLE, gold={}))


def backend(model: FakeModel, mode: str) -> OpenAIBackend:
    settings = load_settings(env={}, base_url="http://127.0.0.1:9/v1", model="fake-model",
                             structured_mode=mode, summary=False)
    return OpenAIBackend(settings, http_client=model.client(), sleep=lambda _s: None)


def tool_call(arguments: str, name: str) -> dict[str, Any]:
    body = completion(None)
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"]["tool_calls"] = [{
        "id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}]
    return body


@pytest.mark.parametrize("mode", ["json_object_schema", "json_schema", "tools"])
def test_labels_flow_in_every_structured_mode(
        fake_model: Callable[[list[Any]], FakeModel], mode: str) -> None:
    content = json.dumps(answer(GOOD))
    model = fake_model([tool_call(content, "Labels") if mode == "tools" else completion(content)])
    extraction = extract(article(), backend(model, mode))
    (request,) = model.requests
    assert request["max_tokens"] < 2048  # sized to the five candidates
    system = request["messages"][0]["content"]
    assert "[C1]0.62" in request["messages"][-1]["content"]
    if mode == "json_object_schema":
        schema = request["response_format"]["schema"]
        assert "json_schema" not in system and "properties" not in system  # no pydantic dump
    elif mode == "json_schema":
        schema = request["response_format"]["json_schema"]["schema"]
    else:
        schema = request["tools"][0]["function"]["parameters"]
    assert schema["$defs"]["Candidates"]["required"] == ["C1", "C2", "C3", "C4", "C5"]
    if mode != "json_object_schema":  # strict: every object closed
        assert all(d.get("additionalProperties") is False for d in schema["$defs"].values())
    if mode == "json_schema":
        assert request["response_format"]["json_schema"]["strict"] is True
    if mode == "tools":
        assert request["tools"][0]["function"]["strict"] is True
    assert extraction.prompt == "labels/v1"
    lung = [r for r in extraction.record.results if r.endpoint == "lung function"]
    assert lung and lung[0].estimate is not None
    assert ARTICLE[slice(*lung[0].estimate.span)] == "110"


def test_the_static_instructions_open_every_request_alike(
        fake_model: Callable[[list[Any]], FakeModel]) -> None:
    other = ARTICLE.replace("812", "640").replace("0.62", "0.58")
    model = fake_model([completion(json.dumps(answer(GOOD)))] * 2)
    b = backend(model, "json_object_schema")
    extract(article(), b)
    extract(article_of(Case(id="o", group="own", kind="trial-report", title="o", text=other,
                            gold={})), b)
    first, second = (r["messages"] for r in model.requests)
    assert first[0] == second[0]  # the system message: a prompt cache reuses it
    assert first[1] != second[1]


def test_when_no_answer_validates_the_rules_reading_stands_with_a_note(
        fake_model: Callable[[list[Any]], FakeModel]) -> None:
    model = fake_model([completion("{\"trial_names\": 3}")] * 2)
    extraction = extract(article(), backend(model, "json_object_schema"))
    rules = extract_draft(ARTICLE)
    assert sorted(iter_numbers(extraction.draft)) == sorted(iter_numbers(rules))
    assert any("labels were not usable" in n for n in extraction.record.notes)
    assert [u.outcome for u in extraction.usage] == ["invalid", "invalid"]


def test_trial_labels_is_the_base_of_every_answer_schema() -> None:
    assert issubclass(labels_model(["C1"]), TrialLabels)


def test_a_clause_the_rules_ran_into_is_not_a_name_the_model_must_agree_with() -> None:
    """The rules may label a value with the clause before it; against a clause (a verb in it)
    the model's name of the endpoint in the same sentence is taken, against a name it is shown
    as a disagreement."""
    from agent.document import analyse
    from agent.labels import _label_choice

    text = ("ORCHARD-4: fictional\nThe new drug appeared safe overall, with serious adverse events "
            "in 4.1% of patients.\n")
    doc, at = analyse(text), text.index("4.1%")
    assert _label_choice("new drug appeared safe overall", "serious adverse events", "4.1%",
                         doc, at) == "model"
    assert _label_choice("new drug", "serious adverse events", "4.1%", doc, at) == "disagree"
    # a longer name, with no verb, is a name too: the model slipped to the intervention
    text = ("ORCHARD-6: fictional\nIntensive blood pressure lowering did not change the "
            "functional outcome measured by the modified Rankin Scale (OR 1.00; 95% CI "
            "0.90-1.11).\n")
    doc, at = analyse(text), text.index("1.00")
    assert _label_choice("functional outcome measured by the modified Rankin Scale",
                         "intensive blood pressure lowering", "1.00", doc, at) == "disagree"


COMPOSITE = (
    "ORCHARD-5: a fictional heart failure trial\nIn ORCHARD-5, 3,000 patients were randomised "
    "to selvaxaban or placebo. Cardiovascular death or heart failure hospitalisation occurred "
    "in 9.0% with selvaxaban and 11.0% with placebo (hazard ratio 0.80; 95% CI 0.70-0.91). "
    "Of the components of cardiovascular death or heart failure hospitalisation, cardiovascular "
    "death occurred in 3.0% and 3.5% (hazard ratio 0.86; 95% CI 0.70-1.05). "
    "Blood pressure below 130/80 mm Hg was reached by 41.0% and 30.0%.\n")


def test_a_composites_name_given_to_a_components_values_is_shown_not_taken() -> None:
    composite = "cardiovascular death or heart failure hospitalisation"
    merged = merged_with({v: composite for v in ("9.0%", "11.0%", "0.80", "3.0%", "3.5%",
                                                  "0.86")}, COMPOSITE)
    by_value = {r.estimate: r.endpoint for r in merged.draft.results}
    assert by_value["0.80"].lower() == composite
    assert by_value["0.86"].lower() == "cardiovascular death"
    assert any(d.model == composite and "component" in d.why for d in merged.disagreements)


def test_a_label_that_drops_the_threshold_of_a_responder_endpoint_is_not_taken() -> None:
    merged = merged_with({"41.0%": "blood pressure", "30.0%": "blood pressure"}, COMPOSITE)
    (reached,) = {r.endpoint for r in merged.draft.results if r.estimate in ("41.0%", "30.0%")}
    assert "130/80" in reached
