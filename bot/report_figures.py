"""Figures for personnel development: the rules that keep them anonymous, and the
cohort report computed under them (data only; adapters/report/ draws it).

The rules (README, "Figures for personnel development"):
- Figures are over a roster fixed at kickoff (`fix_roster`): a leaver stays counted,
  late joiners enter five at a time, so two reports never differ by one person's
  joining or leaving.
- Every figure comes from `tally`: summed counts over the roster, keyed by what they
  count (and, for trends, by week or day). An erasure moves the person's share into the
  cohort's `former_figures`, in no one's name, so a report after it equals the one
  before, trends and distributions included.
- Nothing is shown over fewer than five (`MIN_GROUP`) on either side: a count of one to
  four, or a share whose complement is one to four, is withheld (`withheld`). Rows that
  add up to a shown total (weeks, methods, the bins of a distribution) are merged with
  their neighbours until every row passes (`merge_rows`), so no withheld row can be
  recovered by subtracting the others from the total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.assessments import Assessment
from bot.competences import CompetenceModel
from bot.domain import Cohort, CohortStatus, MembershipStatus, Role, Visibility
from bot.goals import GoalStatus
from bot.i18n import _, current, format_date, ngettext, pgettext
from bot.plans import CoCoachingOutcome
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.report_model import ChartKind, CohortFigures, Figure, FigureRow

MIN_GROUP = 5  # figures over fewer people could point at someone
ACTIVE_DAYS = 14  # "active": wrote, answered, met or reached something in this many days
MAX_WEEKS = 52  # the longest trend shown
# Change between the first and the latest completed self-assessment, in levels (rounded
# mean over the competences of a group): the bins a distribution starts from.
CHANGE_BINS = (-2, -1, 0, 1, 2)  # -2: two or more down; 2: two or more up


def withheld(part: int, whole: int | None = None) -> bool:
    """True when `part` (of `whole`) would point at one to four people or things: the
    part itself, or what is left of the whole."""
    if 0 < part < MIN_GROUP:
        return True
    return whole is not None and 0 < whole - part < MIN_GROUP


def shown(part: int, whole: int | None = None) -> int | None:
    """`part`, or None where it is withheld."""
    return None if withheld(part, whole) else part


# --- the roster and the counts ------------------------------------------------------


def fix_roster(uow: UnitOfWork, cohort: Cohort) -> tuple[int, ...]:
    """The learners the cohort's figures are over, admitting those waiting to be counted.

    Only learners who joined themselves (an active learner membership: invited people who
    never answered do not count) are admitted; once admitted, they stay (a leaver is still
    counted, so a report after someone leaves equals the one before). Late joiners wait
    until five wait together, or until the figures first reach five: a report before and
    after an admission then differs by five people or more, never by one. Kickoff fixes the
    roster; a closed cohort admits no one.
    """
    assert cohort.id is not None
    roster = tuple(cohort.roster or ())
    if cohort.status is CohortStatus.CLOSED and cohort.roster is not None:
        return roster
    waiting = sorted(
        {
            m.person_id
            for m in uow.memberships.members(cohort.id)
            if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE
        }
        - set(roster)
    )
    # Those counted include erased members, whose share stays in the totals: a roster
    # thinned by erasure still shows figures, so it admits no one below five at a time.
    counted = len(roster) + int((cohort.former_figures or {}).get("learners", 0))
    if waiting and (len(waiting) >= MIN_GROUP or counted < MIN_GROUP):
        roster = (*roster, *waiting)
    if cohort.roster is None or roster != tuple(cohort.roster):
        cohort.roster = roster
        uow.cohorts.update(cohort)
    return roster


def week_of(moment: datetime | date) -> date:
    """The Monday (UTC) of the week `moment` is in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _change_bin(change: float) -> int:
    rounded = int(round(change))
    return max(CHANGE_BINS[0], min(CHANGE_BINS[-1], rounded))


def tally(
    uow: UnitOfWork,
    cohort: Cohort,
    roster: Sequence[int],
    model: CompetenceModel | None = None,
) -> dict[str, int]:
    """The figures' raw counts over the roster, with the share of members who erased their
    data (kept in no one's name, so a report after an erasure equals the one before).

    Keys: plain totals (`learners`, `goals`, ...), and per week `<key>@<Monday>` (trends),
    per day `active@<day>` (learners active in the 14 days up to that day), per method
    `advice:<method>`, per competence group `change:<group>:<bin>` and
    `change_sum:<group>` (hundredths of a level). `model` maps competences to their
    groups (without it there is no re-assessment figure)."""
    assert cohort.id is not None
    counts: Counter[str] = Counter(cohort.former_figures or {})
    on_roster = set(roster)
    group_of = {c.id: c.group for c in model.competences} if model is not None else {}
    partnerships = [
        p
        for p in uow.partnerships.in_cohort(cohort.id)
        if p.id is not None and p.members and set(p.members) <= on_roster
    ]
    records = uow.cocoaching.for_partnerships(p.id for p in partnerships if p.id)
    met_days: dict[int, list[date]] = {}
    by_partnership = {p.id: p for p in partnerships}
    for record in records:
        if record.outcome is None:
            continue
        week = week_of(record.prompted_at).isoformat()
        counts["cocoaching_answered"] += 1
        counts[f"cocoaching_answered@{week}"] += 1
        if record.outcome == CoCoachingOutcome.MET:
            counts["cocoaching_met"] += 1
            counts[f"cocoaching_met@{week}"] += 1
        if record.answered_at is not None:
            for member in by_partnership[record.partnership_id].members:
                met_days.setdefault(member, []).append(_utc_day(record.answered_at))
    joined = {
        m.person_id: m.joined_at
        for m in uow.memberships.members(cohort.id)
        if m.role is Role.LEARNER and m.person_id in on_roster
    }
    reassessed: list[tuple[datetime, int, Assessment, Assessment]] = []
    for person_id in roster:
        if uow.people.get(person_id) is None:
            continue
        counts["learners"] += 1
        if person_id in joined:
            counts[f"joined@{week_of(joined[person_id]).isoformat()}"] += 1
        days: list[date] = list(met_days.get(person_id, ()))
        assessments = sorted(
            (a for a in uow.assessments.for_person(person_id) if a.completed_at is not None),
            key=lambda a: a.completed_at or a.started_at,
        )
        counts["assessed"] += bool(assessments)
        if len(assessments) >= 2:
            counts["reassessed"] += 1
            second = assessments[1]
            reassessed.append(
                (second.completed_at or second.started_at, person_id, assessments[0], second)
            )
        goals = uow.goals.for_learner(person_id)
        counts["goals"] += len(goals)
        counts["goals_reached"] += sum(g.status is GoalStatus.REACHED for g in goals)
        counts["with_goals"] += bool(goals)
        plan = uow.plans.get(person_id)
        counts["plans_committed"] += plan.committed_at is not None
        counts["milestones"] += len(plan.milestones)
        for milestone in plan.milestones:
            if milestone.done_at is None:
                continue
            counts["milestones_done"] += 1
            counts["milestones_on_time"] += _utc_day(milestone.done_at) <= milestone.due_on
            days.append(_utc_day(milestone.done_at))
        for checkin in uow.checkins.for_person(person_id):
            status = checkin.status.value
            if status not in ("answered", "missed"):
                continue
            week = week_of(checkin.due_at).isoformat()
            counts["checkins"] += 1
            counts[f"checkins@{week}"] += 1
            if status == "answered":
                counts["checkins_answered"] += 1
                counts[f"checkins_answered@{week}"] += 1
                if checkin.answered_at is not None:
                    days.append(_utc_day(checkin.answered_at))
        days += [
            _utc_day(e.created_at) for e in uow.diary.by_author(person_id, Visibility, limit=None)
        ]
        posts = uow.communities.posts_by(person_id)
        counts["community_posts"] += len(posts)
        counts["community_posters"] += bool(posts)
        for post in posts:
            counts[f"community_posts@{week_of(post.created_at).isoformat()}"] += 1
        for day in sorted(_active_window(days)):
            counts[f"active@{day.isoformat()}"] += 1
    for learning_group in uow.groups.in_cohort(cohort.id):
        members = set(learning_group.members)
        if learning_group.id is None or not members or not members <= on_roster:
            continue
        for advice_round in uow.advice.in_group(learning_group.id):
            if advice_round.status != "finished":
                continue
            # A round counts if all who held it are counted: the group's present members
            # say nothing of one who left it since (their going must not add the round).
            held = advice_round.state.get("round", {})
            if not {advice_round.case_giver_id, *held.get("members", ())} <= on_roster:
                continue
            method = held.get("method_id") or "none"
            counts["advice"] += 1
            counts[f"advice:{method}"] += 1
            counts[f"advice@{week_of(advice_round.updated_at).isoformat()}"] += 1
    # The change from the first self-assessment to the second, counted five learners at a
    # time in the order they re-assessed: a report taken after one more re-assessment (or a
    # third one) equals the one before, so two reports never differ by one person's rating.
    counted = sorted(reassessed, key=lambda r: (r[0], r[1]))
    for _when, _who, first_one, second_one in counted[: len(counted) // MIN_GROUP * MIN_GROUP]:
        first, then = first_one.ratings, second_one.ratings
        changes: dict[str, list[int]] = {}
        for trait, level in then.items():
            if trait in first and trait in group_of:
                changes.setdefault(group_of[trait], []).append(level - first[trait])
        for group, deltas in changes.items():
            mean = sum(deltas) / len(deltas)
            counts[f"change:{group}:{_change_bin(mean)}"] += 1
            counts[f"change_sum:{group}"] += round(mean * 100)
            counts[f"change_n:{group}"] += 1
    return dict(counts)


def _active_window(days: Iterable[date]) -> set[date]:
    """The days on which someone active on `days` counts as active in the last 14."""
    return {day + timedelta(days=n) for day in set(days) for n in range(ACTIVE_DAYS)}


# --- rows that add up to a total ------------------------------------------------------


@dataclass
class _Bin:
    labels: list[str]
    keys: list[str]
    count: int
    whole: int | None
    week: date | None = None
    mean_sum: int = 0
    mean_n: int = 0

    def size(self) -> int:
        return self.count if self.whole is None else self.whole

    def ok(self) -> bool:
        return not withheld(self.count, self.whole)

    def absorb(self, other: _Bin) -> None:
        self.labels += other.labels
        self.keys += other.keys
        self.count += other.count
        self.whole = None if self.whole is None else self.whole + (other.whole or 0)
        self.week = (
            min(w for w in (self.week, other.week) if w is not None)
            if (self.week or other.week)
            else None
        )
        self.mean_sum += other.mean_sum
        self.mean_n += other.mean_n


def merge_rows(bins: list[_Bin], joiner: str) -> list[FigureRow]:
    """Rows that add up to a total, merged with a neighbour until none is withheld: a
    withheld row beside shown ones could be had by subtracting them from the total. If
    even all of them together are withheld, that one row is withheld."""
    merged = list(bins)
    while len(merged) > 1:
        bad = next((i for i, b in enumerate(merged) if not b.ok()), None)
        if bad is None:
            break
        if bad == 0:
            other = 1
        elif bad == len(merged) - 1:
            other = bad - 1
        else:  # the smaller neighbour with something in it, so little is hidden
            left, right = merged[bad - 1].size(), merged[bad + 1].size()
            other = bad - 1 if (left and (left <= right or not right)) else bad + 1
        low, high = sorted((bad, other))
        merged[low].absorb(merged[high])
        del merged[high]
    rows = []
    for b in merged:
        label = b.labels[0] if len(b.labels) == 1 else joiner.format(b.labels[0], b.labels[-1])
        rows.append(
            FigureRow(
                category=label,
                category_key="+".join(b.keys),
                week=b.week,
                count=b.count if b.ok() else None,
                whole=(b.whole if b.ok() else None),
                mean=(b.mean_sum / 100 / b.mean_n if b.ok() and b.mean_n else None),
            )
        )
    return rows


# --- the report ----------------------------------------------------------------------


def _weeks(cohort: Cohort, now: datetime) -> list[date]:
    first, last = week_of(cohort.created_at), week_of(now)
    weeks: list[date] = []
    week = last
    while week >= first and len(weeks) < MAX_WEEKS:
        weeks.append(week)
        week -= timedelta(days=7)
    return weeks[::-1]


def _share(key: str, label: str, part: int, whole: int) -> FigureRow:
    if withheld(part, whole):
        return FigureRow(category=label, category_key=key)
    return FigureRow(category=label, category_key=key, count=part, whole=whole)


def _total(key: str, label: str, n: int) -> FigureRow:
    return FigureRow(category=label, category_key=key, count=shown(n))


def _week_label(week: date) -> str:
    return _("week of {day}").format(day=format_date(week, "medium"))


def cohort_status_word(status: CohortStatus) -> str:
    """A cohort's status in one word of the current language (the value is stored)."""
    return {
        CohortStatus.PREPARATION: pgettext("cohort status", "preparation"),
        CohortStatus.LEARNING: pgettext("cohort status", "learning"),
        CohortStatus.CLOSED: pgettext("cohort status", "closed"),
    }[status]


def cohort_figures(uow: UnitOfWork, cohort: Cohort, policy: Policy, now: datetime) -> CohortFigures:
    """The report of `cohort` in the current language, over its fixed roster (fixing it
    first, as `/learn cohort report` does)."""
    assert cohort.id is not None
    roster = fix_roster(uow, cohort)
    counts = tally(uow, cohort, roster, policy.competences)
    learners = counts.get("learners", 0)
    base = {
        "cohort_id": cohort.id,
        "cohort_name": cohort.name,
        "status": cohort_status_word(cohort.status),
        "made_at": now,
        "language": current(),
        "learners": learners,
    }
    if learners < MIN_GROUP:
        return CohortFigures(shown=False, **base)
    weeks = _weeks(cohort, now)
    c = counts.get
    figures = [
        _summary(counts, learners, now),
        _participation(counts, learners, weeks, now),
        _weekly_share(
            "checkins",
            _("Check-ins answered per week"),
            _(
                "Scheduled check-ins that were answered, of those that were answered or "
                "missed, by the week they were due in. Skipped check-ins (a pause, quiet "
                "days) are not counted."
            ),
            counts,
            "checkins_answered",
            "checkins",
            weeks,
        ),
        _weekly_share(
            "cocoaching",
            _("Co-coaching met per week"),
            _(
                "Co-coaching prompts a partnership answered with \u201cwe met\u201d, of "
                "the prompts answered at all, by the week of the prompt."
            ),
            counts,
            "cocoaching_met",
            "cocoaching_answered",
            weeks,
        ),
        _milestones(counts),
        _goals(counts),
    ]
    figures += _changes(counts, learners, policy.competences)
    figures.append(_advice(counts, policy))
    figures.append(_community(counts, learners, weeks))
    notes = []
    if c("reassessed", 0) and policy.competences is None:
        notes.append(_("No competence model is configured: no re-assessment figure."))
    return CohortFigures(shown=True, notes=tuple(notes), figures=tuple(figures), **base)


def _summary(counts: dict[str, int], learners: int, now: datetime) -> Figure:
    c = counts.get
    active = c(f"active@{now.date().isoformat()}", 0)
    rows = (
        _total("learners", _("Learners counted"), learners),
        _share("active", _("Active in the last 14 days"), active, learners),
        _share("assessed", _("Self-assessed"), c("assessed", 0), learners),
        _share("reassessed", _("Re-assessed"), c("reassessed", 0), learners),
        _share("plans_committed", _("Plans committed"), c("plans_committed", 0), learners),
        _share("checkins", _("Check-ins answered"), c("checkins_answered", 0), c("checkins", 0)),
        _share(
            "cocoaching",
            _("Co-coaching met"),
            c("cocoaching_met", 0),
            c("cocoaching_answered", 0),
        ),
        _total("goals", _("Goals set"), c("goals", 0)),
        _share("goals_reached", _("Goals reached"), c("goals_reached", 0), c("goals", 0)),
        _share(
            "milestones_done",
            _("Milestones reached"),
            c("milestones_done", 0),
            c("milestones", 0),
        ),
        _share(
            "milestones_on_time",
            _("Milestones reached on time"),
            c("milestones_on_time", 0),
            c("milestones_done", 0),
        ),
        _total("advice", _("Advice rounds held"), c("advice", 0)),
        _total("community_posts", _("Community posts"), c("community_posts", 0)),
    )
    return Figure(
        key="summary",
        title=_("The cohort at a glance"),
        explanation=_(
            "Each figure over the learners counted: those who joined the cohort themselves, "
            "fixed at kickoff (a learner who left stays counted; who joined later is counted "
            "once five wait). \u201cActive\u201d means a diary entry, an answered check-in, "
            "a co-coaching answer or a reached milestone in the last 14 days."
        ),
        rows=rows,
    )


def _participation(
    counts: dict[str, int], learners: int, weeks: list[date], now: datetime
) -> Figure:
    rows = []
    joined_before = sum(
        n
        for k, n in counts.items()
        if k.startswith("joined@") and date.fromisoformat(k[7:]) < weeks[0]
    )
    cumulative = joined_before
    joined_label, active_label = _("joined"), _("active in the last 14 days")
    for week in weeks:
        cumulative += counts.get(f"joined@{week.isoformat()}", 0)
        end = min(week + timedelta(days=6), now.date())
        active = counts.get(f"active@{end.isoformat()}", 0)
        rows.append(
            FigureRow(
                category=joined_label,
                category_key="joined",
                week=week,
                count=shown(cumulative, learners),
                whole=learners if not withheld(cumulative, learners) else None,
            )
        )
        rows.append(
            FigureRow(
                category=active_label,
                category_key="active",
                week=week,
                count=shown(active, learners),
                whole=learners if not withheld(active, learners) else None,
            )
        )
    return Figure(
        key="participation",
        title=_("Participation over time"),
        explanation=_(
            "Per week: how many of the counted learners had joined by its end, and how "
            "many were active in the 14 days up to its last day (today for this week). A "
            "week's value is withheld where it, or the rest of the learners, is one to four."
        ),
        chart=ChartKind.WEEKS,
        rows=tuple(rows),
        alt_text=_alt_weeks(_("Participation over time"), rows),
    )


def _weekly_share(
    key: str,
    title: str,
    explanation: str,
    counts: dict[str, int],
    part_key: str,
    whole_key: str,
    weeks: list[date],
) -> Figure:
    bins = [
        _Bin(
            labels=[_week_label(w)],
            keys=[w.isoformat()],
            count=counts.get(f"{part_key}@{w.isoformat()}", 0),
            whole=counts.get(f"{whole_key}@{w.isoformat()}", 0),
            week=w,
        )
        for w in weeks
    ]
    # Weeks before the trend's first (a long cohort) are one more row at the start.
    earlier = [
        k
        for k in counts
        if k.startswith(f"{whole_key}@") and k[len(whole_key) + 1 :] < weeks[0].isoformat()
    ]
    if earlier:
        bins.insert(
            0,
            _Bin(
                labels=[_("earlier")],
                keys=["earlier"],
                count=sum(counts.get(f"{part_key}@{k.split('@')[1]}", 0) for k in earlier),
                whole=sum(counts[k] for k in earlier),
            ),
        )
    rows = merge_rows(bins, _("{} to {}"))
    merged = _(
        "Weeks with one to four on either side are merged with a neighbouring week, so "
        "none can be worked out from the total."
    )
    return _shares(key, title, f"{explanation} {merged}", ChartKind.WEEKS, rows)


def _shares(
    key: str, title: str, explanation: str, chart: ChartKind, rows: Sequence[FigureRow]
) -> Figure:
    """A figure whose chart shows each row as a share of its whole."""
    return Figure(
        key=key,
        title=title,
        explanation=explanation,
        chart=chart,
        rows=tuple(rows),
        alt_text=_alt_counts(title, rows),
        shares=True,
    )


def _milestones(counts: dict[str, int]) -> Figure:
    c = counts.get
    title = _("Milestones reached on time")
    rows = (
        _share("milestones_done", _("reached"), c("milestones_done", 0), c("milestones", 0)),
        _share(
            "milestones_on_time",
            _("reached on time"),
            c("milestones_on_time", 0),
            c("milestones_done", 0),
        ),
    )
    explanation = _(
        "Milestones of the learning plans reached, of all milestones; and of those "
        "reached, how many by their due date."
    )
    return _shares("milestones", title, explanation, ChartKind.BARS, rows)


def _goals(counts: dict[str, int]) -> Figure:
    c = counts.get
    title = _("Goals set and reached")
    rows = (
        _total("goals", _("set"), c("goals", 0)).model_copy(update={"in_chart": False}),
        _share("goals_reached", _("reached"), c("goals_reached", 0), c("goals", 0)),
    )
    explanation = _(
        "Development goals recorded with the learners (by a tutor or themselves), and how "
        "many of them are marked reached. Never the words of a goal."
    )
    return _shares("goals", title, explanation, ChartKind.BARS, rows)


def _change_label(change: int) -> str:
    if change <= CHANGE_BINS[0]:
        return _("{n} or more levels down").format(n=-CHANGE_BINS[0])
    if change >= CHANGE_BINS[-1]:
        return _("{n} or more levels up").format(n=CHANGE_BINS[-1])
    if change == 0:
        return _("unchanged")
    return (
        ngettext("{n} level up", "{n} levels up", change).format(n=change)
        if change > 0
        else ngettext("{n} level down", "{n} levels down", -change).format(n=-change)
    )


def _changes(counts: dict[str, int], learners: int, model: CompetenceModel | None) -> list[Figure]:
    if model is None:
        return []
    figures = []
    for group in model.groups:
        n = counts.get(f"change_n:{group.id}", 0)
        name = group.name.text()
        title = _("Re-assessment change: {group}").format(group=name)
        explanation = _(
            "For each learner with two completed self-assessments: the mean change over "
            "this group's competences from the first to the second, rounded to whole "
            "levels; the rows are how many learners changed by how much. Learners are "
            "counted here five at a time, in the order they re-assessed, so that no two "
            "reports differ by one person's ratings. Neighbouring rows with one to four "
            "learners are merged."
        )
        if withheld(n, learners) or n == 0:
            rows: list[FigureRow] = [
                FigureRow(
                    category=_("learners re-assessed"),
                    category_key="reassessed",
                    count=shown(n, learners),
                    whole=None if withheld(n, learners) else learners,
                )
            ]
        else:
            bins = [
                _Bin(
                    labels=[_change_label(b)],
                    keys=[str(b)],
                    count=counts.get(f"change:{group.id}:{b}", 0),
                    whole=None,
                    mean_sum=0,
                )
                for b in CHANGE_BINS
            ]
            rows = merge_rows(bins, _("{} to {}"))
            mean = counts.get(f"change_sum:{group.id}", 0) / 100 / n
            rows.append(
                FigureRow(
                    category=_("mean change in levels"),
                    category_key="mean",
                    count=n,
                    mean=round(mean, 2),
                    in_chart=False,
                )
            )
        figures.append(
            Figure(
                key=f"change:{group.id}",
                title=title,
                explanation=explanation,
                chart=ChartKind.BARS if len(rows) > 1 else ChartKind.NONE,
                rows=tuple(rows),
                alt_text=_alt_counts(title, [r for r in rows if r.category_key != "mean"]),
                group=name,
            )
        )
    return figures


def _advice(counts: dict[str, int], policy: Policy) -> Figure:
    title = _("Advice rounds held by method")
    names = {m.id: m.name.text() for m in policy.advice.methods}
    used = sorted(
        ((k.split(":", 1)[1], n) for k, n in counts.items() if k.startswith("advice:")),
        key=lambda kn: (-kn[1], kn[0]),
    )
    bins = [
        _Bin(labels=[names.get(method, method)], keys=[method], count=n, whole=None)
        for method, n in used
    ]
    rows = merge_rows(bins, _("{} and others")) if bins else []
    return Figure(
        key="advice",
        title=title,
        explanation=_(
            "Finished colleague-advice rounds (kollegiale Beratung) in the cohort's "
            "learning groups, by the consultation method chosen. Methods used fewer than "
            "five times are merged."
        ),
        chart=ChartKind.BARS,
        rows=tuple(rows),
        alt_text=_alt_counts(title, rows),
    )


def _community(counts: dict[str, int], learners: int, weeks: list[date]) -> Figure:
    title = _("Community activity")
    bins = [
        _Bin(
            labels=[_week_label(w)],
            keys=[w.isoformat()],
            count=counts.get(f"community_posts@{w.isoformat()}", 0),
            whole=None,
            week=w,
        )
        for w in weeks
    ]
    earlier = sum(
        n
        for k, n in counts.items()
        if k.startswith("community_posts@") and k.split("@")[1] < weeks[0].isoformat()
    )
    if earlier:
        bins.insert(0, _Bin(labels=[_("earlier")], keys=["earlier"], count=earlier, whole=None))
    rows = [
        _share(
            "community_posters",
            _("learners who posted"),
            counts.get("community_posters", 0),
            learners,
        ).model_copy(update={"in_chart": False}),
        *merge_rows(bins, _("{} to {}")),
    ]
    return Figure(
        key="community",
        title=title,
        explanation=_(
            "Posts the counted learners shared into communities of practice, per week, and "
            "how many learners posted at all. Only counts: never a title or a text."
        ),
        chart=ChartKind.WEEKS,
        rows=tuple(rows),
        alt_text=_alt_counts(title, rows),
    )


# --- text alternatives ---------------------------------------------------------------


def _value(row: FigureRow) -> str:
    if row.count is None:
        return _("withheld")
    if row.mean is not None:
        return _("{mean} (over {n})").format(mean=f"{row.mean:+.2f}", n=row.count)
    if row.whole is not None:
        return _("{part} of {whole}").format(part=row.count, whole=row.whole)
    return str(row.count)


def _alt_counts(title: str, rows: Sequence[FigureRow]) -> str:
    if not rows:
        return _("{title}: none yet.").format(title=title)
    return f"{title}: " + "; ".join(f"{r.category}: {_value(r)}" for r in rows) + "."


def _alt_weeks(title: str, rows: Sequence[FigureRow]) -> str:
    parts = [
        f"{_week_label(r.week)}, {r.category}: {_value(r)}" for r in rows if r.week is not None
    ]
    return f"{title}: " + "; ".join(parts) + "."
