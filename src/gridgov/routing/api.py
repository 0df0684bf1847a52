"""Routing's JSON operations: category suggestions (分类建议) for the report forms and the dispatcher."""

from django.utils.translation import gettext
from ninja import Query, Router, Schema
from pydantic import Field

from gridgov.core.errors import BadInput
from gridgov.http.problems import Problem
from gridgov.routing.classifier.suggest import suggest

router = Router(tags=["routing"])
ROUTERS = [("/routing", router)]  # mounted by gridgov.http.api


class SuggestIn(Schema):
    title: str = Field("", max_length=200)
    text: str = Field("", max_length=4000)


class Suggestion(Schema):
    code: str
    name: str
    parent: str = Field(description="the name of the category's parent ('' at the top)")
    confidence: float = Field(description="calibrated probability, 0–1")
    words: list[str] = Field(description="the words of the report that weighed most for this category")


class SuggestOut(Schema):
    suggestions: list[Suggestion]


@router.get(
    "/suggest",
    response={200: SuggestOut, 400: Problem},
    summary="The three most likely categories of a report's words (分类建议)",
    description="Public, as the report form is. An empty list when the platform has no model yet; "
    "400 when both title and text are empty.",
)
def suggest_categories(request, q: Query[SuggestIn]):
    if not (q.title.strip() or q.text.strip()):
        raise BadInput(gettext("give a title or a text to suggest a category for"))
    return {"suggestions": suggest(q.title, q.text)}
