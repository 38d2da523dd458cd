"""A person's own data: what we keep, an export of all of it, and erasure on request."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from bot.commands import ExportMyData, ForgetMe, ShowPrivacy
from bot.domain import Person, Visibility
from bot.handlers import advice, community, spaces
from bot.handlers.context import Context
from bot.ports import UnitOfWork
from bot.replies import Attachment, Button, ButtonStyle, Reply, Section


def export_document(uow: UnitOfWork, person: Person) -> dict[str, Any]:
    """Everything stored about `person`, as JSON-ready data."""
    assert person.id is not None
    schedule = uow.schedules.get(person.id)
    relations = uow.cohorts.relations_of(person.id)
    return {
        "person": {
            "ref": person.identity.ref,
            "display_name": person.display_name,
            "timezone": person.timezone,
            "locale": person.locale,
            "timezone_chosen": person.timezone_chosen,
            "is_facilitator": person.is_facilitator,
            "created_at": person.created_at.isoformat(),
        },
        "memberships": [_jsonable(asdict(m)) for m in uow.cohorts.memberships_of(person.id)],
        # Who one is bound to, as counts: the others' names are theirs, not this export's.
        "relations": {
            "learning_partners": len(relations.partners),
            "learning_group_mates": len(relations.group_mates),
            "tutors": len(relations.tutors),
        },
        "diary": [
            _jsonable(asdict(e)) for e in uow.diary.by_author(person.id, Visibility, limit=None)
        ],
        "checkin_schedule": _jsonable(asdict(schedule)) if schedule else None,
        "checkins": [_jsonable(asdict(c)) for c in uow.checkins.for_person(person.id)],
        "assessments": [_jsonable(asdict(a)) for a in uow.assessments.for_person(person.id)],
        "goals": [_jsonable(asdict(g)) for g in uow.goals.for_learner(person.id)],
        "comments_on_goals": [
            {"goal": goal_id, **_jsonable(asdict(c))}
            for goal_id, c in uow.goals.comments_by(person.id)
        ],
        "not_to_be_paired_with": sorted(
            p.identity.ref
            for p in uow.people.get_many(uow.cohorts.exclusions([person.id])[person.id]).values()
        ),
        "learning_plan": _jsonable(asdict(uow.plans.get(person.id))),
        "colleague_advice": advice.export_of(uow, person.id),
        "communities_of_practice": community.export_of(uow, person.id),
        "practical_tasks_proposed": [
            _jsonable(asdict(a)) for a in uow.agreements.for_learner(person.id)
        ],
        "practical_tasks_asked_to_agree": [
            _jsonable(asdict(a)) for a in uow.agreements.for_manager(person.id)
        ],
        "messages": [_jsonable(asdict(m)) for m in uow.outbox.for_recipient(person.id)],
        # Questions put to the person (send a task anyway? a group's cadence): theirs only.
        "questions_asked": [
            _jsonable(asdict(a)) for a in uow.asks.of_person(person.id) if a.person_id == person.id
        ],
    }


def erase(uow: UnitOfWork, person: Person, now: datetime) -> dict[str, int]:
    """Erase `person` and everything about them; return how many records of each kind went."""
    assert person.id is not None
    uow.schedules.delete(person.id)
    group = uow.cohorts.group_of(person.id)
    counts = {
        "colleague-advice rounds": advice.erase_person(uow, person.id, now),
        "assessments": uow.assessments.delete_for_person(person.id),
        "goals and goal comments": uow.goals.delete_for_person(person.id),
        "milestones": uow.plans.delete_for_person(person.id),
        "practical tasks": uow.agreements.delete_for_person(person.id),
        "check-ins": uow.checkins.delete_for_person(person.id),
        "community memberships and posts": uow.communities.delete_person(person.id),
        "diary entries": uow.diary.delete_by_author(person.id),
        "questions asked": uow.asks.delete_for_person(person.id),
        "cohort and group records": uow.cohorts.delete_person(person.id),
        "messages": uow.outbox.delete_for_recipient(person.id),
    }
    if group is not None and group.id is not None:  # out of the group's space too
        spaces.members_changed(uow, group.id, now)
    uow.people.delete(person.id)
    return counts


def show_privacy(ctx: Context, command: ShowPrivacy) -> list[Reply]:
    return [
        Reply(
            text="Your diary is private unless you share an entry.",
            sections=(
                Section(
                    text="`--share partner`, `group` or `tutor` lets that circle read an entry; "
                    "what you share in a community of practice its members read. "
                    "Managers see the practical tasks you agree with them, never your diary. "
                    "Personnel development sees only figures over groups of five or more."
                ),
            ),
            buttons=(
                Button(label="Export my data", command="privacy export"),
                Button(label="Erase my data", command="privacy forget", style=ButtonStyle.DANGER),
            ),
        )
    ]


def export_mine(ctx: Context, command: ExportMyData) -> list[Reply]:
    document = json.dumps(export_document(ctx.uow, ctx.asker), indent=2, ensure_ascii=False)
    return [
        Reply(
            text="Here is everything Tandem keeps about you.",
            attachment=Attachment(
                filename="tandem-export.json", media_type="application/json", content=document
            ),
        )
    ]


def forget_me(ctx: Context, command: ForgetMe) -> list[Reply]:
    assert ctx.asker.id is not None
    if not command.confirmed:
        entries = len(ctx.uow.diary.by_author(ctx.asker.id, Visibility, limit=None))
        return [
            Reply(
                text=f"This erases your profile and all {entries} diary entries for good. "
                "It cannot be undone. Export them first if you want to keep them.",
                buttons=(
                    Button(
                        label="Erase everything",
                        command="privacy forget confirm",
                        style=ButtonStyle.DANGER,
                    ),
                    Button(label="Export first", command="privacy export"),
                ),
            )
        ]
    counts = erase(ctx.uow, ctx.asker, ctx.now)
    done = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return [Reply(text=f"Erased your profile and {done}. If you come back, you start afresh.")]


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, set | frozenset):
            return [convert(v) for v in sorted(value)]
        if isinstance(value, tuple | list):
            return [convert(v) for v in value]
        if isinstance(value, time):
            return value.isoformat(timespec="minutes")
        return value

    return {key: convert(value) for key, value in data.items()}
