"""What a summary draft holds, whoever writes it (the template or a model).

The sections become one text in this order: headline, standfirst, then the body paragraphs.
A model's draft is validated with the verified numbers as context: a number that is not one of
them is refused with a message that says where it is and what to write instead (the re-ask).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from agent.numbers import tokenize
from agent.summary_check import APPROXIMATE, match_number, names_a_thing

SECTIONS = ("headline", "standfirst", "tested", "participants", "findings", "side_effects",
            "meaning")
"""The sections of a draft, in the order they are published."""
LEAD_SECTIONS = ("headline", "standfirst", "meaning")
"""The sections a model writes in lead mode; the template writes the others."""


class _Sections(BaseModel):
    """Sections of a summary, checked against the verified numbers when validated."""

    # The error text goes back to the model on a re-ask: the message, not a dump of the input.
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    @model_validator(mode="after")
    def _numbers_are_known(self, info: ValidationInfo) -> _Sections:
        context = info.context if isinstance(info.context, dict) else {}
        known = context.get("known")
        if known is None:
            return self
        allowed = context.get("described", set())
        for name, text in self.named_sections():
            for token in tokenize(text, comma_decimal=bool(context.get("comma_decimal"))):
                approx = bool(APPROXIMATE.search(text[max(0, token.start - 20):token.start]))
                if (match_number(token, approx, known) is None
                        and token.float_value not in allowed and not names_a_thing(text, token)):
                    raise ValueError(unknown_number(name, token.text,
                                                    context.get("main_result_given", True)))
        checker = context.get("checker")
        problems = checker(self.text()) if callable(checker) else []
        if problems:
            # The summary checks' errors (spin, a wrong direction or significance, another
            # language) go back to the model on the re-ask, like a number's.
            raise ValueError("; ".join(problems[:3]))
        return self

    def text(self) -> str:
        return "\n\n".join(self.sections())

    def named_sections(self) -> list[tuple[str, str]]:
        parts = [(name, getattr(self, name) or "") for name in type(self).model_fields]
        return [(name, text) for name, text in parts if text.strip()]

    def sections(self) -> list[str]:
        return [text for _, text in self.named_sections()]


class SummaryLead(_Sections):
    """What a model writes in lead mode: the words around the numbers, not the numbers."""

    headline: str = Field(description="A plain headline of at most 12 words.")
    standfirst: str = Field(description="One sentence: what was compared, in whom, and the "
                            "main result.")
    meaning: str = Field(description="What it means for patients, and its limits, in 1-2 "
                         "sentences.")


class SummaryDraft(_Sections):
    headline: str = Field(description="A plain headline of at most 15 words.")
    standfirst: str = Field(description="One sentence under the headline: who took part, what "
                            "was compared, and the main result.")
    tested: str = Field(description="What was tested against what, in 1-2 short sentences.")
    participants: str = Field(description="Who took part and how many, in 1-2 sentences.")
    findings: str = Field(description="The main result with its numbers and whether the trial "
                          "met its main goal, then other results.")
    side_effects: str | None = Field(default=None, description="Side effects, if reported.")
    meaning: str = Field(description="What it means, and its limits.")


def unknown_number(section: str, number: str, main_result_given: bool) -> str:
    # Sent back to the model on a re-ask: where, what, and what to write instead (told only
    # that a number was not in the facts, the 1.5B model kept it every time).
    advice = ("Use only the numbers given, written the same way" if main_result_given else
              "The facts give no number for the main outcome, so describe it in words")
    return f"{section}: do not write {number!r}, it is not one of the facts. {advice}"
