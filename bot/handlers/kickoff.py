"""The kickoff: facilitators invite people into a cohort, propose learning partnerships
and learning groups (computed by bot/pairing.py), adjust and confirm them. Handlers of
events (registered in bot/reactions.py): partners and groups are introduced when they
start and told when they are replaced; someone who leaves has their partner re-paired
at once, or told."""

from __future__ import annotations

from collections.abc import Sequence

from bot import privacy
from bot.commands import (
    AnswerInvitation,
    ConfirmProposal,
    InviteToCohort,
    ProposeCircles,
    SwapInProposal,
)
from bot.domain import (
    Cohort,
    CohortStatus,
    LearningGroup,
    Membership,
    MembershipStatus,
    Partnership,
    Person,
    Role,
)
from bot.events import (
    Ending,
    GroupEnded,
    GroupFormed,
    GroupMembersChanged,
    InvitationAnswered,
    LeftCohort,
    LeftGroup,
    ManagerNamed,
    PartnershipEnded,
    PartnershipStarted,
)
from bot.goals import GoalStatus
from bot.handlers import people
from bot.handlers.cohorts import (
    end_group,
    end_partnership,
    find_cohort,
    form_group,
    leave,
    require_facilitator,
    start_partnership,
)
from bot.handlers.context import Context, Scope, UserError
from bot.handlers.goals import describe
from bot.i18n import N_, _, ngettext, pgettext
from bot.pairing import (
    Candidate,
    PairingProposal,
    PastPairing,
    form_groups,
    latest_ratings,
    propose_pairs,
    repair_after_leaving,
)
from bot.pairing import Pair as ProposedPair
from bot.pairing import Triad as ProposedTriad
from bot.replies import Button, ButtonStyle, Reply, Section
from bot.wording import pattern, together


def invite(ctx: Context, command: InviteToCohort) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.status is CohortStatus.CLOSED:
        raise UserError(_("Cohort {name} is closed.").format(name=cohort.name))
    members = {(m.person_id, m.role): m for m in ctx.uow.memberships.members(cohort.id)}
    invited, already = [], []
    newcomers: list[str] = []
    asker = ctx.asker.display_name
    for wanted in dict.fromkeys(command.people):
        person = people.named(ctx, wanted, newcomers)
        assert person.id is not None
        existing = members.get((person.id, Role.LEARNER))
        if existing is not None and existing.status in (
            MembershipStatus.ACTIVE,
            MembershipStatus.INVITED,
        ):
            already.append(person.display_name)
            continue
        if existing is None:
            ctx.uow.memberships.add(
                Membership(
                    cohort.id,
                    person.id,
                    Role.LEARNER,
                    ctx.now,
                    status=MembershipStatus.INVITED,
                    team=command.team,
                )
            )
        else:
            ctx.uow.memberships.set_status(
                cohort.id, person.id, Role.LEARNER, MembershipStatus.INVITED
            )
        ctx.notify(
            person.id,
            lambda: _invitation(asker, cohort.name, cohort.id),
            key=f"cohort:{cohort.id}:invite:{person.id}:{ctx.now.isoformat()}",
        )
        invited.append(person.display_name)
    said = _("Invited to {cohort}: {names}.").format(
        cohort=cohort.name, names=", ".join(invited) or _("nobody new")
    )
    if already:
        said += " " + _("In it or invited already: {names}.").format(names=", ".join(already))
    return people.with_newcomers([Reply(text=said)], newcomers)


def _invitation(asker: str, cohort: str, cohort_id: int | None) -> Reply:
    """The invitation a learner gets, in their language."""
    return Reply(
        text=_("{asker} invites you to the learning cohort {cohort}.").format(
            asker=asker, cohort=cohort
        ),
        sections=(
            Section(
                text=_(
                    "For a few months you learn in your own work: goals with a tutor, "
                    "a practical task agreed with your manager, a learning partner and a "
                    "small group. Your diary stays private unless you share an entry."
                )
            ),
        ),
        buttons=(
            Button(label=_("Join"), command=f"cohort join {cohort_id}", style=ButtonStyle.PRIMARY),
            Button(label=_("Decline"), command=f"cohort decline {cohort_id}"),
        ),
    )


def answer(ctx: Context, command: AnswerInvitation) -> list[Reply]:
    assert ctx.asker.id is not None
    mine = [
        m
        for m in ctx.uow.memberships.of(ctx.asker.id)
        if m.role is Role.LEARNER
        and (command.cohort is None or str(m.cohort_id) == command.cohort.strip().lstrip("#"))
    ]
    wanted = {
        "join": (MembershipStatus.INVITED, MembershipStatus.DECLINED),
        "decline": (MembershipStatus.INVITED,),
        "leave": (MembershipStatus.ACTIVE,),
    }[command.action]
    found = [m for m in mine if m.status in wanted]
    if not found:
        if command.action == "join" and any(m.status is MembershipStatus.ACTIVE for m in mine):
            return [Reply(text=_("You are in that cohort already."))]
        raise UserError(
            _("You have no invitation to answer there.")
            if command.action != "leave"
            else _("You are in no cohort to leave.")
        )
    membership = found[-1]
    cohort = ctx.uow.cohorts.get(membership.cohort_id)
    assert cohort is not None and cohort.id is not None
    new = {
        "join": MembershipStatus.ACTIVE,
        "decline": MembershipStatus.DECLINED,
        "leave": MembershipStatus.LEFT,
    }[command.action]
    if command.action == "leave":
        left = leave(ctx, cohort, ctx.asker)
        said = _("You left {cohort}. Your diary stays yours.").format(cohort=cohort.name)
        if left.partners:
            said += " " + _("Your learning partner gets a new partner.")
        return [Reply(text=said)]
    ctx.uow.memberships.set_status(cohort.id, ctx.asker.id, Role.LEARNER, new)
    ctx.publish(InvitationAnswered(cohort.id, ctx.asker.id, joined=command.action == "join"))
    if command.action == "join":
        return [
            Reply(
                text=_(
                    "Welcome to {cohort}. Start with your self-assessment: `/learn assess`."
                ).format(cohort=cohort.name)
            )
        ]
    return [
        Reply(
            text=_("You declined {cohort}. Nothing about you is shared with it.").format(
                cohort=cohort.name
            )
        )
    ]


# -- proposals ---------------------------------------------------------------------------


def candidates(ctx: Scope, cohort: Cohort) -> list[Candidate]:
    """The cohort's active learners as the matching sees them: strengths from their latest
    self-assessment, their open goals, time zone, manager (from their practical task),
    team, and whom they will not be paired with."""
    assert cohort.id is not None
    learners = {
        m.person_id: m
        for m in ctx.uow.memberships.members(cohort.id)
        if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE
    }
    persons = ctx.uow.people.get_many(learners)
    excluded = ctx.uow.proposals.exclusions(learners)
    # A person's managers are never in their circles: a hard not-with, both ways.
    for person_id in learners:
        for manager in privacy.managers_of(ctx.uow, person_id):
            excluded.setdefault(person_id, set()).add(manager)
            excluded.setdefault(manager, set()).add(person_id)
    found = []
    for person_id in sorted(persons):
        person = persons[person_id]
        goals = ctx.uow.goals.for_learner(person_id)
        tasks = ctx.uow.agreements.for_learner(person_id)
        found.append(
            Candidate(
                person_id=person_id,
                strengths=latest_ratings(ctx.uow.assessments.for_person(person_id)),
                goals=frozenset(g.trait_id for g in goals if g.status is GoalStatus.OPEN),
                timezone=person.timezone,
                manager_id=tasks[-1].manager_id if tasks else None,
                team=learners[person_id].team,
                department=learners[person_id].team,
                not_with=frozenset(excluded.get(person_id, ())),
            )
        )
    return found


def _history(ctx: Scope, ids: Sequence[int]) -> list[PastPairing]:
    return [PastPairing(a, b, at) for a, b, at in ctx.uow.partnerships.pair_history(ids)]


# A proposal's notes: "<person>:<why>" for someone not placed; "swapped:<a>,<b>|<c>,<d>"
# for the two circles a swap of the facilitator made (kept on a re-run, both or neither,
# while they still fit).
SWAPPED = "swapped:"
MILESTONE_DAY = N_("dd MMM")  # a milestone's day in a partner's introduction (a CLDR pattern)
# Why someone was not placed, as stored in a proposal's notes (English), and as shown.
UNPLACED = {
    "absent": N_("absent"),
    "nobody else is present": N_("nobody else is present"),
    "the people they must not be paired with leave no place for them": N_(
        "the people they must not be paired with leave no place for them"
    ),
    "no one free to pair with": N_("no one free to pair with"),
    "too few left to form a group": N_("too few left to form a group"),
}


def _circles(kind: str) -> str:
    """`pairs` or `groups` as an answer names them (`Tandems`, `Lerngruppen`)."""
    return pgettext("circles", "pairs") if kind == "pairs" else pgettext("circles", "groups")


def _ended_count(kind: str, n: int) -> str:
    """`1 partnership`, `2 groups`: what confirming ends."""
    if kind == "pairs":
        return ngettext("{n} partnership", "{n} partnerships", n).format(n=n)
    return ngettext("{n} group", "{n} groups", n).format(n=n)


def _standing(ctx: Scope, cohort: Cohort, kind: str) -> list[Partnership | LearningGroup]:
    """The cohort's confirmed partnerships or groups that have not ended."""
    assert cohort.id is not None
    found: Sequence[Partnership | LearningGroup] = (
        ctx.uow.partnerships.in_cohort(cohort.id)
        if kind == "pairs"
        else ctx.uow.groups.in_cohort(cohort.id)
    )
    return [c for c in found if c.ended_at is None and c.id is not None]


def _names(ctx: Scope, circle: Sequence[int]) -> str:
    persons = ctx.uow.people.get_many(circle)
    return " + ".join(persons[p].display_name for p in circle if p in persons)


def _swapped(notes: Sequence[str]) -> list[list[list[int]]]:
    """The swaps the notes record, each as the circles it made."""
    return [
        [[int(p) for p in circle.split(",")] for circle in n[len(SWAPPED) :].split("|")]
        for n in notes
        if n.startswith(SWAPPED)
    ]


def _swap_note(circles: Sequence[Sequence[int]]) -> str:
    return SWAPPED + "|".join(",".join(map(str, c)) for c in circles)


def _unplaced(notes: Sequence[str]) -> list[tuple[int, str]]:
    found = []
    for note in notes:
        person, _colon, why = note.partition(":")
        if person.isdigit():
            found.append((int(person), why))
    return found


def propose(ctx: Context, command: ProposeCircles) -> list[Reply]:
    """A proposal of pairs or groups. Unless `--fresh`, it keeps the confirmed circles
    whose members are all still active learners (groups: within the sizes asked) and the
    circles the facilitator made by swaps on the last proposal where they still fit, and
    proposes only for the others; it says what confirming it would end."""
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    found = candidates(ctx, cohort)
    if len(found) < 2:
        raise UserError(
            _("{cohort} has fewer than two active learners to {circles}.").format(
                cohort=cohort.name, circles=_circles(command.circles)
            )
        )
    active = {c.person_id for c in found}
    pairs = command.circles == "pairs"
    earlier = ctx.uow.proposals.get(cohort.id, command.circles)
    taken: set[int] = set()
    pinned: list[list[int]] = []
    swaps: list[list[list[int]]] = []
    dropped: list[str] = []
    if earlier is not None and not command.fresh:
        for made in _swapped(earlier[1]):
            placed = {p for c in made for p in c}
            shown = "; ".join(_names(ctx, c) for c in made)
            gone = sorted(placed - active)
            if gone:
                why = _("{swap}: {names} is no longer an active learner").format(
                    swap=shown, names=_names(ctx, gone)
                )
            elif placed & taken:
                why = _("{swap}: a later swap changed it").format(swap=shown)
            elif _breaks_a_rule(ctx, made, not_with=pairs):
                # not which circle, nor whose rule: that would tell who manages whom
                why = _("one swap breaks a rule of the pairing now")
            else:
                pinned += made
                swaps.append(made)
                taken.update(placed)
                continue
            dropped.append(why)
    elif earlier is not None and _swapped(earlier[1]):
        dropped.append(_("every swap of the last proposal (`--fresh`)"))
    kept: list[list[int]] = []
    if not command.fresh:
        for standing in _standing(ctx, cohort, command.circles):
            members = list(standing.members)
            fits = pairs or command.min_size <= len(members) <= command.max_size
            if (
                len(members) >= 2
                and fits
                and set(members) <= active
                and not set(members) & taken
                and not _breaks_a_rule(ctx, [members], not_with=pairs)
            ):
                kept.append(members)
                taken.update(members)
    rest = [c for c in found if c.person_id not in taken]
    notes: list[str] = []
    new: list[list[int]] = []
    if pairs:
        if len(rest) >= 2:
            proposal = propose_pairs(rest, _history(ctx, list(active)), now=ctx.now)
            new = [list(p.members) for p in proposal.pairs]
            if proposal.triad is not None:
                new.append(list(proposal.triad.members))
            notes = [f"{u.person_id}:{u.reason.value}" for u in proposal.unmatched]
        else:
            notes = [f"{c.person_id}:no one free to pair with" for c in rest]
    else:
        groups = form_groups(rest, command.min_size, command.max_size, seed=cohort.id)
        new = _apart([list(g.members) for g in groups], _managers(ctx, found))
        placed = {p for c in new for p in c}
        notes = [
            f"{c.person_id}:too few left to form a group" for c in rest if c.person_id not in placed
        ]
    circles = [*pinned, *kept, *new]
    notes += [_swap_note(made) for made in swaps]
    ctx.uow.proposals.save(cohort.id, command.circles, circles, notes, ctx.now)
    return [show_proposal(ctx, cohort, command.circles, circles, notes, dropped)]


def _ending(
    ctx: Scope, cohort: Cohort, kind: str, circles: Sequence[Sequence[int]]
) -> tuple[list[Partnership | LearningGroup], list[Partnership | LearningGroup]]:
    """The confirmed circles that `circles` keep (the same members) and those it ends."""
    wanted = {frozenset(c) for c in circles}
    kept: list[Partnership | LearningGroup] = []
    ending: list[Partnership | LearningGroup] = []
    for standing in _standing(ctx, cohort, kind):
        (kept if frozenset(standing.members) in wanted else ending).append(standing)
    return kept, ending


def ends_some(scope: Scope, cohort: Cohort, kind: str, circles: Sequence[Sequence[int]]) -> bool:
    """Whether confirming `circles` would end a confirmed partnership or group."""
    return bool(_ending(scope, cohort, kind, circles)[1])


def show_proposal(
    ctx: Context,
    cohort: Cohort,
    kind: str,
    circles: list[list[int]],
    notes: list[str],
    dropped: Sequence[str] = (),
) -> Reply:
    kept, ending = _ending(ctx, cohort, kind, circles)
    confirmed = {frozenset(c.members) for c in kept}
    swapped = {frozenset(c) for made in _swapped(notes) for c in made}
    lines = []
    for i, circle in enumerate(circles, start=1):
        line = f"{i}. {_names(ctx, circle)}"
        if frozenset(circle) in confirmed:
            line += " " + _("(confirmed: kept)")
        elif frozenset(circle) in swapped:
            line += " " + _("(your swap)")
        lines.append(line)
    left = _unplaced(notes)
    unmatched = ctx.uow.people.get_many(p for p, _why in left)
    title = (
        _("Proposed pairs for {cohort}") if kind == "pairs" else _("Proposed groups for {cohort}")
    )
    sections = [Section(title=title.format(cohort=cohort.name), text="\n".join(lines))]
    if left:
        sections.append(
            Section(
                title=_("Not placed"),
                text="\n".join(
                    f"{unmatched[p].display_name}: {_(UNPLACED[why]) if why in UNPLACED else why}"
                    for p, why in left
                    if p in unmatched
                ),
            )
        )
    if ending:
        sections.append(
            Section(
                title=(
                    _("Confirming ends these confirmed partnerships")
                    if kind == "pairs"
                    else _("Confirming ends these confirmed groups")
                ),
                text="\n".join(_names(ctx, c.members) for c in ending)
                + "\n"
                + _("Their members are told, and their history stays."),
            )
        )
    if dropped:
        sections.append(Section(title=_("Swaps dropped"), text="\n".join(dropped)))
    confirm = f"`/learn cohort confirm {kind}" + (" --replace`" if ending else "`")
    summary = _summary(kind, circles, kept, ending, cohort.name)
    if circles and len(kept) == len(circles) and not ending:
        return Reply(text=summary, sections=tuple(sections))
    swap = "`/learn cohort swap @a @b" + (" --groups`" if kind == "groups" else "`")
    return Reply(
        text=_("{proposed}. Adjust with {swap}, then {confirm}.").format(
            proposed=summary.removesuffix("."), swap=swap, confirm=confirm
        ),
        sections=tuple(sections),
    )


def proposal_summary(ctx: Scope, cohort: Cohort, kind: str, circles: list[list[int]]) -> str:
    """What a proposal comes to, as a sentence: `3 pairs proposed, 2 of them confirmed
    already and kept; confirming ends 1 partnership.`"""
    kept, ending = _ending(ctx, cohort, kind, circles)
    return _summary(kind, circles, kept, ending, cohort.name)


def _summary(
    kind: str,
    circles: Sequence[Sequence[int]],
    kept: Sequence[object],
    ending: Sequence[object],
    cohort: str = "",
) -> str:
    if circles and len(kept) == len(circles) and not ending:
        still = (
            _(
                "Every confirmed partnership in {cohort} still fits, and no one is waiting: "
                "confirming changes nothing. `/learn cohort pair --fresh` proposes anew for "
                "everyone."
            )
            if kind == "pairs"
            else _(
                "Every confirmed group in {cohort} still fits, and no one is waiting: "
                "confirming changes nothing. `/learn cohort groups --fresh` proposes anew for "
                "everyone."
            )
        )
        return still.format(cohort=cohort)
    n = len(circles)
    if kind == "pairs":
        said = ngettext("{n} pair proposed", "{n} pairs proposed", n).format(n=n)
    else:
        said = ngettext("{n} group proposed", "{n} groups proposed", n).format(n=n)
    if kept:
        said += ", " + ngettext(
            "{n} of them confirmed already and kept",
            "{n} of them confirmed already and kept",
            len(kept),
        ).format(n=len(kept))
    if ending:
        said += "; " + _("confirming ends {ending}").format(ending=_ended_count(kind, len(ending)))
    return said + "."


def swap(ctx: Context, command: SwapInProposal) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    stored = ctx.uow.proposals.get(cohort.id, command.circles)
    if stored is None:
        raise UserError(
            _("There is no proposal of {circles} to change. Make one first.").format(
                circles=_circles(command.circles)
            )
        )
    circles, notes = stored
    first, second = people.known(ctx, command.first), people.known(ctx, command.second)
    where = {p: i for i, circle in enumerate(circles) for p in circle}
    if first.id not in where or second.id not in where:
        raise UserError(_("Both must be in the proposal; `/learn cohort pair` shows it."))
    a, b = where[first.id], where[second.id]
    if a == b:
        raise UserError(_("They are together already."))
    circles[a] = [second.id if p == first.id else p for p in circles[a]]
    circles[b] = [first.id if p == second.id else p for p in circles[b]]
    if _breaks_a_rule(ctx, [circles[a], circles[b]]):
        # Not whose rule, nor which: that would tell who excluded or manages whom.
        raise UserError(_("That swap breaks a rule of the pairing; try another."))
    # The two circles the swap made are the facilitator's: a re-run keeps them.
    changed = set(circles[a]) | set(circles[b])
    notes = [
        n
        for n in notes
        if not (n.startswith(SWAPPED) and {p for c in _swapped([n])[0] for p in c} & changed)
    ]
    notes.append(_swap_note([circles[a], circles[b]]))
    ctx.uow.proposals.save(cohort.id, command.circles, circles, notes, ctx.now)
    return [show_proposal(ctx, cohort, command.circles, circles, notes)]


def confirm(ctx: Context, command: ConfirmProposal) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    stored = ctx.uow.proposals.get(cohort.id, command.circles)
    if stored is None:
        raise UserError(
            _("There is no proposal of {circles} to confirm.").format(
                circles=_circles(command.circles)
            )
        )
    circles, _notes = stored
    if any(ctx.asker.id in circle for circle in circles):
        raise UserError(
            _(
                "You are in this proposal yourself: another facilitator confirms it, so no one "
                "gives themselves a circle."
            )
        )
    circles = [[p for p in circle if _active_learner(ctx, cohort, p)] for circle in circles]
    circles = [c for c in circles if len(c) >= 2]
    # Grouping keeps not-with where it can (a preference); managers stay apart always.
    if _breaks_a_rule(ctx, circles, not_with=command.circles == "pairs"):
        raise UserError(
            _(
                "The proposal of {circles} breaks a rule of the pairing now (something "
                "changed since it was made). Make a new one: {command}."
            ).format(
                circles=_circles(command.circles), command=f"`/learn cohort {command.circles}`"
            )
        )
    kept, ending = _ending(ctx, cohort, command.circles, circles)
    if ending and not command.replace:
        names = "; ".join(_names(ctx, c.members) for c in ending)
        raise UserError(
            _(
                "Confirming this proposal ends {ending} confirmed before: {names}. To end them, "
                "{replace}; to keep them, make a new proposal: {propose}."
            ).format(
                ending=_ended_count(command.circles, len(ending)),
                names=names,
                replace=f"`/learn cohort confirm {command.circles} --replace`",
                propose=f"`/learn cohort {'pair' if command.circles == 'pairs' else 'groups'}`",
            )
        )
    # The ended circles' members are told by the handlers of those events (the old ones
    # first, then the introductions); a kept circle stays the same row, with its history.
    same = {frozenset(c.members) for c in kept}
    fresh = [c for c in circles if frozenset(c) not in same]
    if command.circles == "pairs":
        for old in ending:
            assert isinstance(old, Partnership)
            end_partnership(ctx, old, Ending.REPLACED, ctx.asker.id)
        for circle in fresh:
            start_partnership(ctx, cohort.id, circle)
    else:
        for old in ending:
            assert isinstance(old, LearningGroup)
            end_group(ctx, old, Ending.REPLACED, ctx.asker.id)
        used = {g.name for g in kept if isinstance(g, LearningGroup)}
        number = 0
        for circle in fresh:
            number += 1
            while f"{cohort.name} group {number}" in used:
                number += 1
            form_group(ctx, cohort.id, f"{cohort.name} group {number}", circle)
    ctx.uow.proposals.drop(cohort.id, command.circles)
    n = len(circles)
    if command.circles == "pairs":
        said = ngettext("Confirmed {n} pair in {cohort}", "Confirmed {n} pairs in {cohort}", n)
    else:
        said = ngettext("Confirmed {n} group in {cohort}", "Confirmed {n} groups in {cohort}", n)
    said = said.format(n=n, cohort=cohort.name)
    if kept:
        said += " " + ngettext(
            "({n} kept as they were)", "({n} kept as they were)", len(kept)
        ).format(n=len(kept))
    if ending:
        said += "; " + _("ended {ending}").format(ending=_ended_count(command.circles, len(ending)))
    if fresh or ending:
        return [Reply(text=_("{confirmed}; each was told.").format(confirmed=said))]
    return [Reply(text=f"{said}.")]


def _active_learner(ctx: Context, cohort: Cohort, person_id: int) -> bool:
    assert cohort.id is not None
    return any(
        m.person_id == person_id and m.role is Role.LEARNER and m.standing
        for m in ctx.uow.memberships.members(cohort.id)
    )


def _managers(ctx: Context, found: Sequence[Candidate]) -> dict[int, frozenset[int]]:
    return {c.person_id: privacy.managers_of(ctx.uow, c.person_id) for c in found}


def _breaks_a_rule(
    ctx: Context, circles: Sequence[Sequence[int]], *, not_with: bool = True
) -> bool:
    """True if a circle holds someone together with one of their managers (roles kept
    apart), or, with `not_with`, with a person they will not be with."""
    everyone = [p for c in circles for p in c]
    excluded = ctx.uow.proposals.exclusions(everyone) if not_with else {}
    for circle in circles:
        members = set(circle)
        for p in circle:
            if excluded.get(p, set()) & members or privacy.managers_of(ctx.uow, p) & members:
                return True
    return False


def _apart(circles: list[list[int]], managers: dict[int, frozenset[int]]) -> list[list[int]]:
    """Groups with no one in a group with their manager: swap members between groups
    until none is (grouping treats not_with as a preference; a manager is a hard rule).
    If no swap resolves it, the report is left out of the proposal, never with them."""

    def clash(group: list[int]) -> bool:
        return any(managers.get(p, frozenset()) & set(group) for p in group) or any(
            p in managers.get(q, frozenset()) for p in group for q in group
        )

    for i, group in enumerate(circles):
        while clash(group):
            bad = next(
                p
                for p in group
                if managers.get(p, frozenset()) & set(group)
                or any(p in managers.get(q, frozenset()) for q in group)
            )
            done = False
            for j, other in enumerate(circles):
                if j == i:
                    continue
                for q in other:
                    a = [q if x == bad else x for x in group]
                    b = [bad if x == q else x for x in other]
                    if not clash(a) and not clash(b):
                        circles[i], circles[j] = group, other = a, b
                        done = True
                        break
                if done:
                    break
            if not done:
                group.remove(bad)
                circles[i] = group
    return [g for g in circles if len(g) >= 2]


def tell_partnership_ended(event: PartnershipEnded, scope: Scope) -> None:
    """Every ended partnership: its members hear why, and what it means for reading (the
    one who left, and a person being erased, hear nothing)."""
    _tell_ended(scope, event.cohort_id, "partnership", event.members, event.why, event.by)


def tell_group_ended(event: GroupEnded, scope: Scope) -> None:
    """Every ended learning group: its members hear why, and what it means for reading."""
    _tell_ended(scope, event.cohort_id, "group", event.members, event.why, event.by)


def _why_ended(scope: Scope, kind: str, why: Ending, by: int | None, me: int) -> str:
    """Why a circle ended, as its member `me` is told it. Who left is not named (they may
    be being erased); who re-paired or closed the cohort is."""
    who = scope.uow.people.get(by) if by is not None else None
    name = who.display_name if who is not None else _("the facilitator")
    if why is Ending.REPLACED:
        if kind == "partnership":
            return _("{name} re-paired the cohort and confirmed new learning partnerships").format(
                name=name
            )
        return _("{name} regrouped the cohort and confirmed new learning groups").format(name=name)
    if why is Ending.MEMBER_LEFT:
        if kind == "partnership" and scope.uow.partnerships.of(me) is None:
            return _("your partner left the cohort. The facilitator can pair you again")
        return _("your partner left the cohort") if kind == "partnership" else _("a member left")
    if why is Ending.RESHAPED:
        return _("the partner of someone who left the cohort joins you: you go on as a trio")
    if why is Ending.ROLES_APART:
        return _("roles changed in the cohort, and a manager is never in their report's circles")
    return _("{name} closed the cohort").format(name=name)


def _tell_ended(
    scope: Scope,
    cohort_id: int,
    kind: str,
    members: Sequence[int],
    why: Ending,
    by: int | None,
) -> None:
    cohort = scope.uow.cohorts.get(cohort_id)
    persons = scope.uow.people.get_many(members)
    left = why is Ending.MEMBER_LEFT
    for person_id in members:
        if person_id not in persons or (left and person_id == by):
            continue
        others = ", ".join(
            persons[p].display_name
            for p in members
            if p != person_id and p in persons and not (left and p == by)
        )

        def ended(person_id: int = person_id, others: str = others) -> Reply:
            reason = _why_ended(scope, kind, why, by, person_id)
            name = cohort.name if cohort is not None else _("your cohort")
            if kind == "partnership" and others:
                text = _(
                    "Your learning partnership with {others} in {cohort} has ended: {reason}. "
                    "They no longer read what you shared with your partner, and a new partner "
                    "will not read it either; your co-coaching history stays yours."
                )
            elif kind == "partnership":
                text = _(
                    "Your learning partnership in {cohort} has ended: {reason}. "
                    "They no longer read what you shared with your partner, and a new partner "
                    "will not read it either; your co-coaching history stays yours."
                )
            else:
                text = _(
                    "Your learning group in {cohort} ({others}) has ended: {reason}. Its "
                    "members no longer read what you shared with the group, and a new group "
                    "will not read it either; the rounds you held stay in your history."
                )
            return Reply(
                text=text.format(others=others or _("no one else"), cohort=name, reason=reason)
            )

        scope.notify(
            person_id,
            ended,
            key=f"{kind}:ended:{cohort_id}:{scope.now.isoformat()}:{person_id}:{members[0]}",
        )


def introduce_partners(event: PartnershipStarted, scope: Scope) -> None:
    """A partnership started: each member hears who their partner is, and what they see."""
    persons = scope.uow.people.get_many(event.members)
    for person_id in event.members:
        others = [persons[p] for p in event.members if p != person_id]

        def introduction(others: list[Person] = others) -> Reply:
            return _introduction(scope, others)

        scope.notify(
            person_id,
            introduction,
            key=f"partnership:{event.partnership_id}:intro:{person_id}",
        )


def _introduction(ctx: Scope, partners: list[Person]) -> Reply:
    """Who one's learning partner is, with their goals and plan (partners see both)."""
    names = together([p.display_name for p in partners])
    sections = []
    for partner in partners:
        assert partner.id is not None
        goals = [g for g in ctx.uow.goals.for_learner(partner.id) if g.status is GoalStatus.OPEN]
        plan = ctx.uow.plans.get(partner.id)
        goal_text = (
            "\n".join(f"• {describe(g, ctx.policy.competences)}" for g in goals)
            if ctx.policy.competences
            else ngettext("{n} goal", "{n} goals", len(goals)).format(n=len(goals))
        )
        plan_text = "\n".join(
            f"• {pattern(m.due_on, MILESTONE_DAY)}: {m.title}" for m in plan.milestones[:5]
        )
        none_yet = _("(none yet)")
        sections.append(
            Section(
                title=partner.display_name,
                text=_("Goals:\n{goals}\nPlan:\n{plan}").format(
                    goals=goal_text or none_yet, plan=plan_text or none_yet
                ),
            )
        )
    return Reply(
        text=_(
            "Your learning partner: {names}. Every two weeks you get a co-coaching prompt; "
            "meet for half an hour and coach each other."
        ).format(names=names),
        sections=(
            *sections,
            Section(
                text=_(
                    "{names} can now see your development goals and your learning plan, and "
                    "the diary entries you share with your partner (`--share partner`) from now "
                    "on; nothing you wrote before."
                ).format(names=names)
            ),
        ),
    )


def _others(persons: dict[int, Person], members: Sequence[int], me: int) -> str:
    return ", ".join(persons[p].display_name for p in members if p != me and p in persons)


def introduce_group(event: GroupFormed, scope: Scope) -> None:
    """A learning group was formed: each member hears who is in it, and what they see."""
    cohort = scope.uow.cohorts.get(event.cohort_id)
    assert cohort is not None
    _introduce_group(scope, cohort, event.group_id, event.members)


def _introduce_group(ctx: Scope, cohort: Cohort, group_id: int, members: Sequence[int]) -> None:
    persons = ctx.uow.people.get_many(members)
    names = ", ".join(persons[p].display_name for p in members)
    for person_id in members:
        others = _others(persons, members, person_id)

        def introduction(others: str = others) -> Reply:
            return Reply(
                text=_("Your learning group in {cohort}: {names}.").format(
                    cohort=cohort.name, names=names
                ),
                sections=(
                    Section(
                        text=_(
                            "Your group meets for colleague advice: one brings a case, the "
                            "others advise (`/learn advice <case>`). `/learn group` shows it "
                            "again."
                        )
                    ),
                    Section(
                        text=_(
                            "From now on {others} can read the diary entries you share with "
                            "your group (`--share group`) and the summaries of your advice "
                            "rounds there; nothing you wrote before."
                        ).format(others=others)
                    ),
                ),
            )

        ctx.notify(person_id, introduction, key=f"group:{group_id}:intro:{person_id}")


def repair_partners(event: LeftCohort, scope: Scope) -> None:
    """Someone left the cohort: re-pair their partner(s) with the cohort's other learners."""
    cohort = scope.uow.cohorts.get(event.cohort_id)
    assert cohort is not None and cohort.id is not None
    leaving = event.person_id
    active = [p for p in scope.uow.partnerships.in_cohort(cohort.id) if p.ended_at is None]
    mine = [p for p in active if leaving in p.members]
    if not mine:
        return
    pairs = tuple(
        ProposedPair((p.members[0], p.members[1]), 0.0) for p in active if len(p.members) == 2
    )
    triad = None
    if threes := [p.members for p in active if len(p.members) == 3]:
        a, b, extra = threes[0]
        triad = ProposedTriad((a, b, extra), extra, 0.0)
    current = PairingProposal(pairs, triad, (), 0.0)
    everyone = candidates(scope, cohort)
    ids = [c.person_id for c in everyone] + [leaving]
    repaired = repair_after_leaving(current, leaving, everyone, _history(scope, ids), now=scope.now)
    new_circles = {tuple(sorted(p.members)) for p in repaired.pairs}
    if repaired.triad is not None:
        new_circles.add(tuple(sorted(repaired.triad.members)))
    for old in active:
        if tuple(sorted(old.members)) not in new_circles and old.id is not None:
            # Theirs ends because they left; a pair an orphan joins goes on as a trio.
            why = Ending.MEMBER_LEFT if leaving in old.members else Ending.RESHAPED
            end_partnership(scope, old, why, leaving)
    kept = {tuple(sorted(p.members)) for p in active if leaving not in p.members}
    for circle in sorted(new_circles - kept):
        start_partnership(scope, cohort.id, list(circle))


def keep_roles_apart(event: ManagerNamed, scope: Scope) -> None:
    """Someone was named a learner's manager: no circle holds both. A partnership of the
    two ends (a trio goes on as the other two); in a learning group the manager is taken
    out, and the group goes on (it ends if one is left). Those concerned are told; the
    facilitators' digest says who did it."""
    pair = {event.learner_id, event.manager_id}
    for partnership in _partnerships_of(scope, pair):
        if partnership.ended_at is not None or not pair <= set(partnership.members):
            continue
        end_partnership(scope, partnership, Ending.ROLES_APART, event.by)
        rest = [p for p in partnership.members if p != event.manager_id]
        if len(rest) >= 2:
            start_partnership(scope, partnership.cohort_id, rest)
    for group in _groups_of(scope, pair):
        assert group.id is not None
        rest = [p for p in group.members if p != event.manager_id]
        if len(rest) < 2:
            end_group(scope, group, Ending.ROLES_APART, event.by)
            continue
        scope.uow.groups.leave(group.cohort_id, event.manager_id, scope.now)
        scope.publish(LeftGroup(group.id, event.manager_id))
        scope.publish(GroupMembersChanged(group.id, leaving=event.manager_id))
        persons = scope.uow.people.get_many(group.members)
        manager = persons.get(event.manager_id)
        for person_id in group.members:

            def apart(
                person_id: int = person_id,
                group_name: str = group.name,
                manager_id: int = event.manager_id,
                manager: Person | None = manager,
            ) -> Reply:
                if person_id == manager_id:
                    return Reply(
                        text=_(
                            "You are no longer in {group}: roles changed in the cohort, and a "
                            "manager is never in their report's circles. You read nothing more "
                            "through it."
                        ).format(group=group_name)
                    )
                gone = manager.display_name if manager is not None else _("someone")
                return Reply(
                    text=_(
                        "{gone} is no longer in your learning group {group}: roles changed "
                        "in the cohort, and a manager is never in their report's circles. They "
                        "read nothing more of what you shared with the group."
                    ).format(gone=gone, group=group_name)
                )

            scope.notify(
                person_id,
                apart,
                key=f"group:{group.id}:apart:{event.manager_id}:{person_id}:{scope.now.isoformat()}",
            )


def _groups_of(scope: Scope, pair: set[int]) -> list[LearningGroup]:
    """The standing learning groups that hold both of `pair` now."""
    found = []
    for person_id in pair:
        for membership in scope.uow.memberships.of(person_id):
            for group in scope.uow.groups.in_cohort(membership.cohort_id):
                if group.ended_at is None and pair <= set(group.members) and group not in found:
                    found.append(group)
    return found


def _partnerships_of(scope: Scope, pair: set[int]) -> list[Partnership]:
    """The standing partnerships that hold both of `pair`."""
    found = []
    cohorts = {m.cohort_id for p in pair for m in scope.uow.memberships.of(p)}
    for cohort_id in sorted(cohorts):
        for partnership in scope.uow.partnerships.in_cohort(cohort_id):
            if partnership.ended_at is None and pair <= set(partnership.members):
                found.append(partnership)
    return found
