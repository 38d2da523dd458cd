"""Loading the value and competence model from YAML, with errors that name the line and
field: `competences.yaml, line 12: competences[3].anchors: needs ... levels 1 to 5`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.competences import CompetenceModel

DEFAULT = Path(__file__).parent / "data" / "competences.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ModelError(ValueError):
    """The model file is unreadable or does not fit the schema; the message says where."""


def load(path: str | Path | None = None) -> CompetenceModel:
    """The model at `path`, or the default one that ships with Tandem."""
    source = Path(path) if path else DEFAULT
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise ModelError(f"{source}: cannot read it ({error.strerror})") from None
    try:
        # libyaml's loader where PyYAML has it (about ten times faster: this file is read
        # at every start); the node tree, for the line of a mistake, only when there is one
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506  (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ModelError(f"{source.name}{where}: not valid YAML ({problem})") from None
    try:
        return CompetenceModel.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(first["loc"])
        line = _line_of(yaml.compose(text, Loader=yaml.SafeLoader), location)
        field = _path(location)
        message = first["msg"].removeprefix("Value error, ")
        raise ModelError(f"{source.name}, line {line}: {field or 'the model'}: {message}") from None


def _path(location: tuple[Any, ...]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: Any, location: tuple[Any, ...]) -> int:
    """The line of the deepest YAML node on `location` that exists (1-based)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
