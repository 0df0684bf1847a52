"""The error bodies every operation may answer, declared once for the whole API: `{"detail": …}`, and for 422
also `errors`, pydantic's own list. Routers name `Problem` in their `response=` declarations."""

from typing import Annotated

from ninja import Schema
from pydantic import WithJsonSchema


class Problem(Schema):
    detail: str


class ValidationProblem(Problem):
    # each error is an object of pydantic's shape; left open in the document (`{"type": "object"}`)
    errors: list[Annotated[dict, WithJsonSchema({"type": "object"})]]
