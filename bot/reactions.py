"""Which handlers react to which domain event, in the order they run (the message bus,
bot/messagebus.py, runs them in the use case's transaction, before the commit).

The order is part of the behaviour: it is the order in which people are told things.
`OutboxWritten`, `PersonErased` and `CheckinAnswered` have no handlers here: the service
acts on them after the commit (waking delivery, the erasure hooks) and hands them to the
adapter in the typed outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import xapi
from bot.events import (
    AdviceRoundClosed,
    AssessmentCompleted,
    CoCoachingMet,
    CohortKickedOff,
    CommunityOpened,
    DiaryWritten,
    Event,
    ExperienceShared,
    GoalReached,
    GoalSet,
    GroupEnded,
    GroupFormed,
    GroupMembersChanged,
    InvitationAnswered,
    LeftCohort,
    LeftGroup,
    ManagerNamed,
    MilestoneReached,
    PartnershipEnded,
    PartnershipStarted,
    PlanCommitted,
    TutorAssigned,
)
from bot.handlers import advice, guide, kickoff, meetings, nudges, partner, report, spaces
from bot.messagebus import EventHandler, MessageBus

EVENT_HANDLERS: dict[type[Event], Sequence[EventHandler]] = {
    LeftCohort: (
        kickoff.repair_partners,  # a new partner for the partner, if someone fits (the
        # ended partnerships' members hear why, from `tell_partnership_ended`)
        advice.member_left,  # the group's open round goes on without them
    ),
    PartnershipStarted: (kickoff.introduce_partners, partner.start_cocoaching),
    PartnershipEnded: (
        partner.stop_cocoaching,
        kickoff.tell_partnership_ended,
        meetings.cancel_when_ended,  # after the telling: the news first, then the calendar
        guide.digest_partnership,  # every ended one, and who ended it: in the digest
    ),
    GroupFormed: (kickoff.introduce_group,),
    GroupEnded: (kickoff.tell_group_ended, meetings.cancel_when_group_ended, guide.digest_group),
    GroupMembersChanged: (spaces.bring_in_line, guide.digest_small_group),
    CohortKickedOff: (report.roster_at_kickoff, guide.tell_kickoff),
    InvitationAnswered: (guide.digest_invitation,),
    ManagerNamed: (kickoff.keep_roles_apart,),  # no circle holds a manager and their report
    LeftGroup: (advice.member_taken_out,),
    TutorAssigned: (nudges.start_tutor_digest,),  # their weekly digest of who drifts
    CommunityOpened: (nudges.start_community_digest,),  # its members' weekly digest
    # Learning events: to the LRS lane, for those who said yes (bot/xapi.py).
    AssessmentCompleted: (xapi.assessment_completed,),
    GoalSet: (xapi.goal_set,),
    GoalReached: (xapi.goal_reached,),
    PlanCommitted: (xapi.plan_committed,),
    MilestoneReached: (xapi.milestone_reached,),
    CoCoachingMet: (xapi.cocoaching_met,),
    AdviceRoundClosed: (xapi.advice_round_closed,),
    ExperienceShared: (xapi.experience_shared,),
    DiaryWritten: (xapi.diary_written,),
}


def message_bus() -> MessageBus:
    """The bus with the product's handlers."""
    return MessageBus(EVENT_HANDLERS)
