"""Loading a company's colleague-advice settings from YAML (TANDEM_ADVICE): timeboxes
and extra consultation methods. For example:

    live_minutes: {consultation: 15}
    written_days: {consultation: 4}
    methods:
      - id: fishbowl
        name: Fishbowl
        how_to: Two advisors talk it over aloud while the others listen, then swap.
      - id: silent
        name: {en: Silent round, de: Stille Runde}
        how_to:
          en: Everyone writes down ideas for five minutes, then reads them out.
          de: Alle schreiben fünf Minuten lang Ideen auf und lesen sie dann vor.

Methods with a known id replace the built-in one; the others are added. A name or how-to
is one text (English) or `{en: ..., de: ...}`; English is required. A method is chosen by
its id or its name in either language."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.advice import DEFAULT_METHODS, AdviceConfig, Method, Phase, extend_methods
from bot.localized import Localized


class AdviceConfigError(ValueError):
    """The file is unreadable or does not fit; the message says where."""


class _MethodEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)
    name: Localized
    how_to: Localized

    @field_validator("name")
    @classmethod
    def _short_name(cls, name: Localized) -> Localized:
        return name.at_most(80)

    @field_validator("how_to")
    @classmethod
    def _short_how_to(cls, how_to: Localized) -> Localized:
        return how_to.at_most(300)


class _AdviceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    live_minutes: dict[Phase, int] = Field(default_factory=dict)
    written_days: dict[Phase, int] = Field(default_factory=dict)
    methods: list[_MethodEntry] = Field(default_factory=list)


def load(path: str | Path | None) -> AdviceConfig:
    """The configuration at `path`, or the defaults when there is none."""
    if not path:
        return AdviceConfig()
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        parsed = _AdviceFile.model_validate(data)
        extra = [Method(m.id, m.name, m.how_to) for m in parsed.methods]
        return AdviceConfig(
            live_minutes=parsed.live_minutes,
            written_days=parsed.written_days,
            methods=extend_methods(DEFAULT_METHODS, extra),
        )
    except OSError as error:
        raise AdviceConfigError(f"{source}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise AdviceConfigError(f"{source.name}: not valid YAML ({error})") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise AdviceConfigError(f"{source.name}: {where}: {message}") from None
    except ValueError as error:
        raise AdviceConfigError(f"{source.name}: {error}") from None
