"""Render an `Output` as JSON (the contract), Markdown (a brief for an editor) or HTML (a review
page that shows every number of the record where it stands in the article).

Pure: no I/O. Renderers read the checks to mark the text and never change the output.

    refs.py      which checks belong to which number, and where it stands in the article
    labels.py    the words the brief and the page share
    markdown.py  the Markdown brief
    spans.py     laying properly nested elements over spans of a text
    page.py      the page's shared state: footnotes, anchors, unique ids
    marks.py     what is marked where in the article and the summary
    html.py      the page's sections, and the page
    style.py     its style sheet and legend
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from agent.errors import UsageError
from agent.output import Output
from agent.render.markdown import render_markdown
from agent.render.review_page import render_html
from agent.render.spans import Annotation, annotate

__all__ = ["FORMATS", "Annotation", "Format", "annotate", "render", "render_html",
           "render_json", "render_markdown"]

Format = Literal["json", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("json", "markdown", "html")


def render(output: Output, fmt: Format) -> str:
    renderers: dict[str, Callable[[Output], str]] = {
        "json": render_json, "markdown": render_markdown, "html": render_html,
    }
    renderer = renderers.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown output format {fmt!r}", hint="use json, markdown or html")
    return renderer(output)


def render_json(output: Output) -> str:
    """The contract: pydantic's own serialisation, fields in declaration order, spans as
    [start, end] lists, non-ASCII characters written as themselves (valid UTF-8 JSON)."""
    return output.model_dump_json(indent=2)
