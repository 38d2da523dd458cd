"""The value and competence model: what learners assess themselves on and tag entries with.

A company describes its own in YAML (TANDEM_COMPETENCE_MODEL); the adapters load it
(adapters/competence_model.py) and validate it with these models. Every name,
description and anchor is a `Localized` text: a plain string (English) or
`{de: ..., en: ...}`. Tags in the diary resolve against it: by id or by name in either
language, in any case, umlauts also as ae/oe/ue (`#kommunikation`, `#konfliktloesung`),
and by a unique prefix of a trait's tag in either language (its id; its German name as a
tag); an unknown tag stays a free tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot import localized as content
from bot.localized import ENGLISH, Localized, fold, slug

LEVELS = (1, 2, 3, 4, 5)



class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Trait(_Strict):
    """A competence or a value: what it is, and what each level 1 to 5 looks like."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)
    name: Localized
    description: Localized
    anchors: dict[int, Localized]

    @field_validator("name")
    @classmethod
    def _short_name(cls, name: Localized) -> Localized:
        return name.at_most(80)

    @field_validator("description")
    @classmethod
    def _short_description(cls, description: Localized) -> Localized:
        return description.at_most(500)

    @field_validator("anchors")
    @classmethod
    def _five_levels(cls, anchors: dict[int, Localized]) -> dict[int, Localized]:
        if sorted(anchors) != list(LEVELS):
            raise ValueError(f"needs behavioural anchors for levels 1 to 5, got {sorted(anchors)}")
        return anchors

    def tag(self, lang: str | None = None) -> str:
        """How the trait is written as a #tag in `lang`: its id in English, its name in
        German (`kommunikation`); the id where the model has no German name."""
        lang = lang or content.current()
        if lang == ENGLISH or lang not in self.name.texts:
            return self.id
        return slug(self.name.text(lang))

    def name_keys(self) -> set[str]:
        """What names the trait exactly: its id and its names, folded."""
        return {fold(self.id)} | {fold(slug(n)) for n in self.name.all()}

    def tag_keys(self) -> set[str]:
        """Its tags in every language it has, folded: what a prefix is taken from."""
        return {fold(self.tag(lang)) for lang in self.name.texts}


class Competence(Trait):
    group: str = Field(min_length=1)


class Group(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: Localized


class CompetenceModel(_Strict):
    groups: tuple[Group, ...] = Field(min_length=1)
    competences: tuple[Competence, ...] = Field(min_length=1)
    values: tuple[Trait, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> CompetenceModel:
        groups = {g.id for g in self.groups}
        for competence in self.competences:
            if competence.group not in groups:
                raise ValueError(
                    f"competence {competence.id!r} names an unknown group {competence.group!r}"
                )
        ids = [t.id for t in (*self.competences, *self.values)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"ids used twice: {', '.join(duplicates)}")
        return self

    def traits(self) -> tuple[Trait, ...]:
        return (*self.competences, *self.values)

    def resolve(self, tags: tuple[str, ...]) -> ResolvedTags:
        """Each tag as a trait id (by id or name in either language, any case, or a
        unique prefix), or free."""
        known: list[str] = []
        free: list[str] = []
        ambiguous: dict[str, tuple[str, ...]] = {}
        for tag in tags:
            trait = self._find(tag)
            target = known if trait is not None else free
            value = trait.id if trait is not None else tag
            if value not in target:
                target.append(value)
            if trait is None and len(found := self.candidates(tag)) > 1:
                ambiguous[tag] = tuple(t.id for t in found)
        return ResolvedTags(tuple(known), tuple(free), tuple(ambiguous.items()))

    def find(self, word: str) -> Trait | None:
        """The trait `word` names: its id or name in either language in any case, or a
        unique prefix of its tag in either language."""
        return self._find(word)

    def candidates(self, word: str) -> tuple[Trait, ...]:
        """The traits whose tag in either language starts with `word` (for a word that
        names none alone: `res` could be resilience, respect, responsibility or results;
        `resp` respect or responsibility, in German #respekt or #verantwortung)."""
        wanted = fold(word)
        if len(wanted) < 3:  # as `find`: shorter is no prefix
            return ()
        return tuple(
            sorted(
                (t for t in self.traits() if any(k.startswith(wanted) for k in t.tag_keys())),
                key=lambda t: t.id,
            )
        )

    def name_of(self, trait_id: str, lang: str | None = None) -> str:
        """The trait's name in `lang` (default: `current()`); an id the model no longer
        has is shown as it is."""
        return next((t.name.text(lang) for t in self.traits() if t.id == trait_id), trait_id)

    def tag_of(self, trait_id: str, lang: str | None = None) -> str:
        """The trait as a #tag in `lang`; an id the model no longer has as it is."""
        return next((t.tag(lang) for t in self.traits() if t.id == trait_id), trait_id)

    def _find(self, tag: str) -> Trait | None:
        wanted = fold(tag)
        exact = [t for t in self.traits() if wanted in t.name_keys()]
        if exact:
            return exact[0]
        prefixed = self.candidates(tag)
        return prefixed[0] if len(prefixed) == 1 else None


@dataclass(frozen=True)
class ResolvedTags:
    competences: tuple[str, ...]  # trait ids from the model
    free: tuple[str, ...]  # tags the model does not know, kept as written
    # Free tags that begin several traits' ids, with those ids (`res`: resilience, ...).
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.competences, *self.free)
