"""A learning group's space: where its colleague-advice rounds are posted, readable by
the group's present members only. The core names the group (`GroupSpace`); the adapter
makes and keeps the platform's space. When the group's members change, a SPACE row in
the outbox asks the adapter to bring the space's members in line (invite who joined,
remove who left) without waiting for the next post."""

from __future__ import annotations

from datetime import datetime

from bot.domain import GroupSpace, LearningGroup, OutboxKind
from bot.events import GroupMembersChanged
from bot.handlers.context import Scope
from bot.outbox import queue
from bot.ports import UnitOfWork
from bot.replies import Audience, Reply


def place_of(uow: UnitOfWork, group: LearningGroup) -> GroupSpace:
    """The group's space, as the adapters are told it."""
    assert group.id is not None
    cohort = uow.cohorts.get(group.cohort_id)
    return GroupSpace(group_id=group.id, name=group.name, parent=cohort.space if cohort else None)


def members_changed(
    uow: UnitOfWork, group_id: int, now: datetime, *, leaving: int | None = None
) -> bool:
    """Queue the space's update after the group's members changed. The row goes to a
    present member (the adapter reaches their platform); to the one who left when none
    is left (not when they are being erased). False when there was no one to send it to."""
    group = uow.groups.get(group_id)
    if group is None or group.space is None:  # no space made yet: made right, when needed
        return False
    recipient = next(iter(group.members), leaving)
    if recipient is None:
        return False
    queue(
        uow,
        Reply(text="", audience=Audience.SPACE, space=place_of(uow, group), recipient_id=recipient),
        key=f"group:{group_id}:space:{now.isoformat()}:{','.join(map(str, group.members))}",
        kind=OutboxKind.MESSAGE,
        due_at=now,
        now=now,
    )
    return True


def bring_in_line(event: GroupMembersChanged, scope: Scope) -> None:
    """A group's members changed: its space follows (see `members_changed`)."""
    members_changed(scope.uow, event.group_id, scope.now, leaving=event.leaving)
