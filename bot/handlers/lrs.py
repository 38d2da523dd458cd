"""`/learn privacy lrs on|off`: whether a person's learning events go to the company's
learning record store as xAPI statements (bot/xapi.py), and `/learn cohort lrs`: a
facilitator's proposal to a cohort, which switches nobody on."""

from __future__ import annotations

from bot import xapi
from bot.commands import ChooseLrs, ProposeLrs
from bot.domain import MembershipStatus, Person, Role
from bot.handlers.cohorts import find_cohort, require_facilitator
from bot.handlers.context import Context
from bot.i18n import _, format_date, ngettext
from bot.ports import UnitOfWork
from bot.replies import Button, ButtonStyle, Reply


def what_goes() -> str:
    return _(
        "What goes: assessments completed, goals set and reached, your learning plan, "
        "milestones reached, co-coaching met, colleague-advice rounds (your role and the "
        "method), experiences shared in a community (the title only), diary entries (their "
        "competence tags only). Never your diary text, never what anyone said in a round."
    )


def state(uow: UnitOfWork, person: Person, lrs_enabled: bool) -> str:
    """The person's LRS choice in words, for `/learn privacy`."""
    if person.lrs and person.lrs_results:
        said = _(
            "Your learning events go to your company's learning record store (LRS), with "
            "your assessment levels. `/learn privacy lrs off` stops them."
        )
    elif person.lrs:
        said = _(
            "Your learning events go to your company's learning record store (LRS), without "
            "levels. `/learn privacy lrs on results` adds your assessment levels; "
            "`/learn privacy lrs off` stops them."
        )
    else:
        said = _(
            "Your learning events do not go to your company's learning record store (LRS). "
            "`/learn privacy lrs on` sends them from now on."
        )
        if _proposing_cohorts(uow, person):
            said += " " + _(
                "Your cohort's facilitator proposes it; nothing goes until you say yes."
            )
    if not lrs_enabled:
        said += " " + _("No LRS is connected here yet: nothing is sent.")
    return said


def _proposing_cohorts(uow: UnitOfWork, person: Person) -> list[int]:
    assert person.id is not None
    found = []
    for membership in uow.memberships.of(person.id):
        cohort = uow.cohorts.get(membership.cohort_id)
        if cohort is not None and cohort.lrs_proposed_at is not None and cohort.id is not None:
            found.append(cohort.id)
    return found


def choose(ctx: Context, command: ChooseLrs) -> list[Reply]:
    on = command.choice == "on"
    dropped = xapi.consent(ctx.uow, ctx.asker, on, command.results, ctx.now)
    if on and command.results:
        said = _(
            "From now on your learning events go to your company's learning record store, "
            "with your assessment levels."
        )
    elif on:
        said = _(
            "From now on your learning events go to your company's learning record store, "
            "without levels (`/learn privacy lrs on results` adds them)."
        )
    else:
        said = _("Nothing more goes to your company's learning record store.")
        if dropped:
            said += " " + ngettext(
                "{n} statement not sent yet was dropped.",
                "{n} statements not sent yet were dropped.",
                dropped,
            ).format(n=dropped)
    if on:
        said += " " + what_goes()
    if not ctx.policy.lrs_enabled:
        said += " " + _("No LRS is connected here yet: nothing is sent.")
    return [Reply(text=said)]


def propose(ctx: Context, command: ProposeLrs) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.lrs_proposed_at is None:
        cohort.lrs_proposed_at = ctx.now
        ctx.uow.cohorts.update(cohort)
    learners = sorted(
        {
            m.person_id
            for m in ctx.uow.memberships.members(cohort.id)
            if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE
        }
    )
    people = ctx.uow.people.get_many(learners)
    asked = 0
    name = cohort.name
    for learner in learners:
        person = people.get(learner)
        if person is None or person.lrs:
            continue

        def proposal() -> Reply:  # in the learner's language
            return Reply(
                text=_(
                    "The facilitator of {cohort} proposes that your learning events go to "
                    "your company's learning record store (LRS). It is your choice: "
                    "nothing goes until you say yes, and `/learn privacy lrs off` stops it "
                    "at any time."
                ).format(cohort=name)
                + " "
                + what_goes(),
                buttons=(
                    Button(
                        label=_("Yes, send them"),
                        command="privacy lrs on",
                        style=ButtonStyle.PRIMARY,
                    ),
                ),
            )

        asked += ctx.notify(learner, proposal, key=f"lrs:proposal:{cohort.id}:to:{learner}")
    since = format_date(ctx.local(cohort.lrs_proposed_at))
    return [
        Reply(
            text=ngettext(
                "Proposed to {n} learner of {cohort} (proposed since {date}). Nobody is "
                "switched on: each learner says yes or not.",
                "Proposed to {n} learners of {cohort} (proposed since {date}). Nobody is "
                "switched on: each learner says yes or not.",
                asked,
            ).format(n=asked, cohort=name, date=since)
        )
    ]
