"""What an email shows, kept as facts: the values a use case decided, written so they can be stored.

A notice is committed with its change and sent later, perhaps after a retry or a redeploy. What it
tells (a report's figures, a digest's list, the reason a draft was refused) is decided at commit time,
so the notice keeps those values, not the HTML they were once rendered to: the email is written out
when it is sent (``kabar.mail_composer``), from the same facts, into the same text.

:func:`encode` turns a template's context into JSON: the domain's models, enums, dates and times are
kept with their type and read back as what they were by :func:`decode`, so a template reads
``submission.activity.title`` or ``draft.procedure`` the same way whether the notice was stored or not.
Only the domain's own types are named (``kabar.domain.*``); anything else is refused when stored.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel

_DOMAIN = "kabar.domain."
#: the keys that mark a typed value; a plain dict never has one
_TAGS = ("$model", "$enum", "$enum_type", "$datetime", "$date", "$items", "$dataclass")


#: what no stored email shows and a notice need not keep (it is emptied): the narrative and a draft's
#: text may hold personal data (``domain.pii`` masks it only where a reviewer reads it, in the review
#: email composed when it is sent), and the article is HTML. A template that shows one of these is sent
#: when it is composed (``usecases.notices._composers``), not from stored facts.
LEFT_OUT: dict[str, frozenset[str]] = {
    "kabar.domain.models.Submission": frozenset({"narrative"}),
    "kabar.domain.models.Draft": frozenset({"lead", "caption", "article_html"}),
}


class NotAFact(TypeError):
    """A value a notice cannot keep (a function, bytes, something not of the domain)."""


def _name(kind: type) -> str:
    name = f"{kind.__module__}.{kind.__qualname__}"
    if not name.startswith(_DOMAIN):
        raise NotAFact(f"{name} is not a domain type")
    return name


def _encode(value: Any) -> Any:  # noqa: ANN401 - any template value
    if isinstance(value, Enum):  # first: a StrEnum is a str too
        return {"$enum": _name(type(value)), "value": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, type) and issubclass(value, Enum):
        return {"$enum_type": _name(value)}
    if isinstance(value, BaseModel):
        name = _name(type(value))
        dumped = value.model_dump(mode="json")
        return {"$model": name, "value": {**dumped, **{k: "" for k in LEFT_OUT.get(name, ())}}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$dataclass": _name(type(value)),
                "value": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and not any(k in _TAGS for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$items": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise NotAFact(f"a notice cannot keep a {type(value).__name__}")


def _type(name: str) -> Any:  # noqa: ANN401 - a domain class
    if not name.startswith(_DOMAIN):
        raise NotAFact(f"{name} is not a domain type")
    module, _, qualname = name.rpartition(".")
    return getattr(importlib.import_module(module), qualname)


def _decode(value: Any) -> Any:  # noqa: ANN401 - any template value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$model" in value:
        return _type(value["$model"]).model_validate(value["value"])
    if "$enum" in value:
        return _type(value["$enum"])(value["value"])
    if "$enum_type" in value:
        return _type(value["$enum_type"])
    if "$dataclass" in value:
        return _type(value["$dataclass"])(**{k: _decode(v) for k, v in value["value"].items()})
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$items" in value:
        return {_decode(k): _decode(v) for k, v in value["$items"]}
    return {k: _decode(v) for k, v in value.items()}


def encode(context: dict[str, Any]) -> str:
    """A template's context as JSON text (a string: the table keeps it as it is, floats included)."""
    return json.dumps(_encode(context), ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, Any]:
    """The context :func:`encode` kept, with its models, enums, dates and times as they were."""
    return _decode(json.loads(text))
