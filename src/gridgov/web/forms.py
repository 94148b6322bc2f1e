"""HTML forms made from the actions' input models, and form data turned back into their
payloads (pure): one source of truth for what each action asks for."""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

LONG_TEXT = frozenset({"text", "reason", "result", "answer", "note", "comment"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, textarea, number, select, checkbox, list, files
    required: bool
    options: tuple[str, ...] = ()
    description: str = ""


def _core(annotation: object) -> tuple[object, bool]:
    """The type inside Optional/Annotated, and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _core(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _core(args[0]) if len(args) == 1 else (str, False)
    if origin in (list, tuple, set, frozenset):
        inner, _ = _core(typing.get_args(annotation)[0])
        return inner, True
    return annotation, False


def form_fields(model: type[BaseModel]) -> list[FieldSpec]:
    specs = []
    for name, info in model.model_fields.items():
        core, many = _core(info.annotation)
        required = info.is_required()
        description = info.description or ""
        if many and name == "attachments":  # photos and documents, uploaded with the form
            specs.append(FieldSpec(name, "files", False, (), description))
        elif many:
            specs.append(FieldSpec(name, "list", required, (), description))
        elif isinstance(core, type) and issubclass(core, enum.Enum):
            values = tuple(str(m.value) for m in core)
            specs.append(FieldSpec(name, "select", required, values, description))
        elif core is bool:
            specs.append(FieldSpec(name, "checkbox", False, (), description))
        elif core in (int, float):
            specs.append(FieldSpec(name, "number", required, (), description))
        else:
            kind = "textarea" if name in LONG_TEXT else "text"
            specs.append(FieldSpec(name, kind, required, (), description))
    return specs


def payload_from(model: type[BaseModel], form: Mapping[str, str]) -> dict[str, object]:
    """Form values as the model's input: blanks left out, lists split on commas/、/spaces,
    checkboxes as booleans. The model itself then validates (and explains) the rest."""
    out: dict[str, object] = {}
    for spec in form_fields(model):
        raw = (form.get(spec.name) or "").strip()
        if spec.kind == "files":
            continue  # the uploads are stored first; their ids are added by the caller
        if spec.kind == "checkbox":
            out[spec.name] = raw in ("on", "true", "1")
        elif not raw:
            continue
        elif spec.kind == "list":
            out[spec.name] = [part for part in re.split(r"[,，、\s]+", raw) if part]
        else:
            out[spec.name] = raw
    return out
