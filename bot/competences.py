"""The value and competence model: what learners assess themselves on and tag entries with.

A company describes its own in YAML (TANDEM_COMPETENCE_MODEL); the adapters load it
(adapters/competence_model.py) and validate it with these models. Tags in the diary
resolve against it: by id or name, case-insensitively, also by a unique prefix; an
unknown tag stays a free tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LEVELS = (1, 2, 3, 4, 5)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Trait(_Strict):
    """A competence or a value: what it is, and what each level 1 to 5 looks like."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=500)
    anchors: dict[int, str]

    @field_validator("anchors")
    @classmethod
    def _five_levels(cls, anchors: dict[int, str]) -> dict[int, str]:
        if sorted(anchors) != list(LEVELS):
            raise ValueError(f"needs behavioural anchors for levels 1 to 5, got {sorted(anchors)}")
        if any(not text.strip() for text in anchors.values()):
            raise ValueError("an anchor is empty")
        return anchors


class Competence(Trait):
    group: str = Field(min_length=1)


class Group(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str = Field(min_length=1)


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
        """Each tag as a trait id (by id or name, any case, or a unique prefix), or free."""
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
        """The trait `word` names: its id or name in any case, or a unique prefix."""
        return self._find(word)

    def candidates(self, word: str) -> tuple[Trait, ...]:
        """The traits whose id starts with `word` (for a word that names none alone:
        `res` could be resilience, respect, responsibility or results)."""
        wanted = word.casefold().replace("_", "-")
        if len(wanted) < 3:  # as `find`: shorter is no prefix
            return ()
        return tuple(
            sorted((t for t in self.traits() if t.id.startswith(wanted)), key=lambda t: t.id)
        )

    def name_of(self, trait_id: str) -> str:
        """The trait's name; an id the model no longer has is shown as it is."""
        return next((t.name for t in self.traits() if t.id == trait_id), trait_id)

    def _find(self, tag: str) -> Trait | None:
        wanted = tag.casefold().replace("_", "-")
        exact = [t for t in self.traits() if wanted in (t.id, t.name.casefold().replace(" ", "-"))]
        if exact:
            return exact[0]
        prefixed = [t for t in self.traits() if t.id.startswith(wanted)]
        return prefixed[0] if len(prefixed) == 1 and len(wanted) >= 3 else None


@dataclass(frozen=True)
class ResolvedTags:
    competences: tuple[str, ...]  # trait ids from the model
    free: tuple[str, ...]  # tags the model does not know, kept as written
    # Free tags that begin several traits' ids, with those ids (`res`: resilience, ...).
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.competences, *self.free)
