"""xAPI: learning events as statements for the company's learning record store (LRS),
only for people who said yes (`/learn privacy lrs on`), never with words people wrote.

The core builds each statement as a plain dict from a domain event (bot/events.py) and
writes it to the LRS lane of the outbox (`uow.lrs`, table `lrs_statements`) in the
transaction of the event; its own worker (`LrsDelivery`) sends the lane in batches
through the adapter's `LrsSender` (adapters/xapi.py: HTTP, basic auth). A person's
messages never wait behind it: they are another table and another worker.

- Consent: `Person.lrs` (off until the person says yes; a cohort's proposal changes
  nothing by itself), `Person.lrs_results` (assessment and goal levels go too).
- Deterministic ids: uuid5 over `NAMESPACE` and the event's identity (the person's
  reference, the kind, the ids), so a retry, or the same event seen twice, is the same
  statement; the LRS keeps one.
- Never words: no diary text, no advice words, no case, no names. A community post
  goes as its title only (what its author chose to show), a diary entry as its
  competence tags only (ids of the model, not free tags: those are words people wrote).
- Forget (`void_all`): a voiding statement for every statement of the person that may
  have left (sent, or tried), sent on Tandem's own behalf; then the person's rows go.
  `privacy lrs off`: nothing new is written, and what has not left yet is dropped.

The profile (verbs, activity types, extensions) is in the README, "The enabling space".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.delivery import DeliveryReport, Outcome, SendResult
from bot.domain import LrsStatement, OutboxStatus, Person, Platform
from bot.events import (
    AdviceRoundClosed,
    AssessmentCompleted,
    CoCoachingMet,
    DiaryWritten,
    ExperienceShared,
    GoalReached,
    GoalSet,
    MilestoneReached,
    PlanCommitted,
)
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.scope import Scope

VERSION = "1.0.3"  # the xAPI version Tandem speaks (header X-Experience-API-Version)
NAMESPACE = uuid.UUID("6f2b6a3e-4d1c-5b7e-9a1f-2c8d0e4b7a19")  # Tandem's statement ids
TANDEM = "urn:tandem:xapi"  # Tandem's own terms, where the ADL vocabulary has none

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_TYPE = "http://adlnet.gov/expapi/activities/"

# verb key -> (IRI, English display)
VERBS: dict[str, tuple[str, str]] = {
    "completed": (ADL_VERB + "completed", "completed"),
    "defined": ("http://id.tincanapi.com/verb/defined", "defined"),
    "satisfied": ("https://w3id.org/xapi/adl/verbs/satisfied", "satisfied"),
    "registered": (ADL_VERB + "registered", "registered"),
    "attended": (ADL_VERB + "attended", "attended"),
    "shared": (ADL_VERB + "shared", "shared"),
    "wrote": (f"{TANDEM}:verb:wrote", "wrote"),
    "voided": (ADL_VERB + "voided", "voided"),
}

TYPES: dict[str, str] = {
    "assessment": ADL_TYPE + "assessment",
    "goal": ADL_TYPE + "objective",
    "plan": f"{TANDEM}:activity-type:learning-plan",
    "milestone": f"{TANDEM}:activity-type:milestone",
    "co-coaching": ADL_TYPE + "meeting",
    "advice-round": ADL_TYPE + "meeting",
    "experience": f"{TANDEM}:activity-type:experience",
    "community": "http://id.tincanapi.com/activitytype/community-site",
    "diary-entry": f"{TANDEM}:activity-type:diary-entry",
    "competence": f"{TANDEM}:activity-type:competence",
}

EXTENSIONS: dict[str, str] = {
    "levels": f"{TANDEM}:extension:levels",  # result: {competence id: level 1-5}
    "competences": f"{TANDEM}:extension:competences",  # context: [competence id, ...]
    "current-level": f"{TANDEM}:extension:current-level",  # result of a goal set
    "target-level": f"{TANDEM}:extension:target-level",
    "milestones": f"{TANDEM}:extension:milestones",  # context: how many in the plan
    "role": f"{TANDEM}:extension:role",  # context: case-giver, moderator or advisor
    "method": f"{TANDEM}:extension:method",  # context: the consultation method's id
    "mode": f"{TANDEM}:extension:mode",  # context: live or written
}

# The account home page of each platform's people: an actor is its platform account.
HOME_PAGES: dict[Platform, str] = {
    Platform.SLACK: "https://slack.com",
    Platform.DISCORD: "https://discord.com",
    Platform.CONSOLE: "https://tandem.invalid/console",
}
TANDEM_AGENT: dict[str, Any] = {  # the actor of voiding statements (sent on Tandem's behalf)
    "objectType": "Agent",
    "account": {"homePage": "https://tandem.invalid", "name": "tandem"},
}


def statement_id(*identity: object) -> str:
    """The statement id of an event: the same identity, the same id."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in identity)))


def actor(person: Person) -> dict[str, Any]:
    home = HOME_PAGES.get(person.identity.platform, f"https://{person.identity.platform.value}")
    return {"objectType": "Agent", "account": {"homePage": home, "name": person.identity.ref}}


def activity(kind: str, *ids: object, name: str | None = None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": TYPES[kind]}
    if name is not None:
        definition["name"] = {"und": name}
    return {
        "objectType": "Activity",
        "id": ":".join((TANDEM, "activity", kind, *(str(i) for i in ids))),
        "definition": definition,
    }


def verb(key: str) -> dict[str, Any]:
    iri, display = VERBS[key]
    return {"id": iri, "display": {"en-US": display}}


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(
    person: Person,
    identity: tuple[object, ...],
    verb_key: str,
    obj: dict[str, Any],
    at: datetime,
    *,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    parents: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """One statement about `person`, its id made from `identity`."""
    statement: dict[str, Any] = {
        "id": statement_id(person.identity.ref, *identity),
        "actor": actor(person),
        "verb": verb(verb_key),
        "object": obj,
        "timestamp": iso(at),
        "version": "1.0.0",
    }
    if result:
        statement["result"] = result
    extensions = {EXTENSIONS[k]: v for k, v in (context or {}).items()}
    ctx: dict[str, Any] = {"platform": "Tandem"}
    if extensions:
        ctx["extensions"] = extensions
    parent_list = list(parents)
    if parent_list:
        ctx["contextActivities"] = {"parent": parent_list}
    statement["context"] = ctx
    return statement


def voiding(voided: str, at: datetime) -> dict[str, Any]:
    """The statement that voids statement `voided`, sent on Tandem's own behalf."""
    return {
        "id": statement_id("void", voided),
        "actor": TANDEM_AGENT,
        "verb": verb("voided"),
        "object": {"objectType": "StatementRef", "id": voided},
        "timestamp": iso(at),
        "version": "1.0.0",
    }


def queue(uow: UnitOfWork, person_id: int | None, statement: dict[str, Any], now: datetime) -> bool:
    """Write `statement` to the LRS lane, due now; False if its id is there already."""
    voided = statement["object"]["id"] if statement["verb"]["id"] == VERBS["voided"][0] else None
    return uow.lrs.add(
        LrsStatement(
            statement_id=statement["id"],
            person_id=person_id,
            body=json.dumps(statement, sort_keys=True, ensure_ascii=False),
            due_at=now,
            created_at=now,
            voids=voided,
        )
    )


def record(
    scope: Scope,
    person: Person,
    identity: tuple[object, ...],
    verb_key: str,
    obj: dict[str, Any],
    at: datetime,
    **parts: Any,
) -> bool:
    """Build the person's statement of an event and write it to the LRS lane."""
    statement = build(person, identity, verb_key, obj, at, **parts)
    return queue(scope.uow, person.id, statement, scope.now)


# -- consent ---------------------------------------------------------------------------


def consenting(scope: Scope, person_id: int) -> Person | None:
    """The person, if their learning events go to the LRS (one is connected, and they
    said yes)."""
    if not scope.policy.lrs_enabled:
        return None
    person = scope.uow.people.get(person_id)
    return person if person is not None and person.lrs else None


def consent(uow: UnitOfWork, person: Person, on: bool, results: bool, now: datetime) -> int:
    """Store the person's choice; switched off, what has not left yet is dropped (it
    would be new to the LRS). How many statements were dropped."""
    person.lrs, person.lrs_results = on, on and results
    uow.people.update(person)
    if on or person.id is None:
        return 0
    unsent = [
        row.id
        for row in uow.lrs.of_person(person.id)
        if row.status is OutboxStatus.PENDING and row.attempts == 0 and row.id is not None
    ]
    return uow.lrs.delete(unsent)


def void_all(uow: UnitOfWork, person_id: int, now: datetime) -> int:
    """Forget reaches the LRS: a voiding statement for each of the person's statements
    that may have left (sent, or tried at least once), then the person's rows are gone
    (the link between them and their statements is dropped). How many were voided."""
    rows = uow.lrs.of_person(person_id)
    voided = 0
    for row in rows:
        if row.status is OutboxStatus.PENDING and row.attempts == 0:
            continue  # never left: it goes with the rest, nothing to void
        voided += queue(uow, None, voiding(row.statement_id, now), now)
    uow.lrs.delete(row.id for row in rows if row.id is not None)
    return voided


# -- the events ------------------------------------------------------------------------


def assessment_completed(event: AssessmentCompleted, scope: Scope) -> None:
    person = consenting(scope, event.person_id)
    if person is None:
        return
    found = scope.uow.assessments.for_person(event.person_id)
    assessment = next((a for a in found if a.id == event.assessment_id), None)
    if assessment is None:
        return
    result: dict[str, Any] = {"completion": True}
    if person.lrs_results:
        result["extensions"] = {EXTENSIONS["levels"]: dict(sorted(assessment.ratings.items()))}
    record(
        scope,
        person,
        ("assessment", event.assessment_id),
        "completed",
        activity("assessment", event.assessment_id),
        scope.now,
        result=result,
        context={"competences": sorted(assessment.ratings)},
    )


def _goal(scope: Scope, event: GoalSet | GoalReached, verb_key: str) -> None:
    person = consenting(scope, event.learner_id)
    goal = scope.uow.goals.get(event.goal_id)
    if person is None or goal is None:
        return
    result: dict[str, Any] | None = None
    if person.lrs_results:
        result = {
            "extensions": {
                EXTENSIONS["current-level"]: goal.current_level,
                EXTENSIONS["target-level"]: goal.target_level,
            }
        }
    if verb_key == "satisfied":
        result = {**(result or {}), "success": True, "completion": True}
    record(
        scope,
        person,
        ("goal", verb_key, event.goal_id),
        verb_key,
        activity("goal", event.goal_id),
        scope.now,
        result=result,
        context={"competences": [goal.trait_id]},
        parents=[activity("competence", goal.trait_id)],
    )


def goal_set(event: GoalSet, scope: Scope) -> None:
    _goal(scope, event, "defined")


def goal_reached(event: GoalReached, scope: Scope) -> None:
    _goal(scope, event, "satisfied")


def plan_committed(event: PlanCommitted, scope: Scope) -> None:
    person = consenting(scope, event.person_id)
    if person is None:
        return
    plan = scope.uow.plans.get(event.person_id)
    record(
        scope,
        person,
        ("plan", iso(event.at)),
        "registered",
        activity("plan", event.person_id),
        scope.now,
        context={"milestones": len(plan.milestones)},
    )


def milestone_reached(event: MilestoneReached, scope: Scope) -> None:
    person = consenting(scope, event.person_id)
    milestone = scope.uow.plans.milestone(event.milestone_id)
    if person is None or milestone is None:
        return
    goal = scope.uow.goals.get(milestone.goal_id) if milestone.goal_id is not None else None
    record(
        scope,
        person,
        ("milestone", event.milestone_id),
        "completed",
        activity("milestone", event.milestone_id),
        scope.now,
        result={"completion": True},
        context={"competences": [goal.trait_id]} if goal is not None else None,
        parents=[activity("plan", event.person_id)],
    )


def cocoaching_met(event: CoCoachingMet, scope: Scope) -> None:
    for member in event.members:
        person = consenting(scope, member)
        if person is None:
            continue
        record(
            scope,
            person,
            ("co-coaching", event.record_id),
            "attended",
            activity("co-coaching", event.record_id),
            scope.now,
        )


def advice_round_closed(event: AdviceRoundClosed, scope: Scope) -> None:
    for member, role in event.roles:
        person = consenting(scope, member)
        if person is None:
            continue
        context: dict[str, Any] = {"role": role, "mode": event.mode}
        if event.method is not None:
            context["method"] = event.method
        record(
            scope,
            person,
            ("advice-round", event.round_id),
            "attended",
            activity("advice-round", event.round_id),
            scope.now,
            context=context,
        )


def experience_shared(event: ExperienceShared, scope: Scope) -> None:
    person = consenting(scope, event.person_id)
    if person is None:
        return
    posts = scope.uow.communities.posts_by(event.person_id)
    post = next((p for p in posts if p.id == event.post_id), None)
    if post is None:
        return
    record(
        scope,
        person,
        ("experience", event.post_id),
        "shared",
        activity("experience", event.post_id, name=post.title),
        scope.now,
        parents=[activity("community", post.community_id)],
    )


def diary_written(event: DiaryWritten, scope: Scope) -> None:
    person = consenting(scope, event.person_id)
    if person is None:
        return
    model = scope.policy.competences
    known = {t.id for t in model.traits()} if model is not None else set()
    competences = sorted({tag for tag in event.tags if tag in known})  # never free tags
    record(
        scope,
        person,
        ("diary-entry", event.entry_id),
        "wrote",
        activity("diary-entry", event.entry_id),
        scope.now,
        context={"competences": competences} if competences else None,
    )


# -- delivery: the LRS lane ------------------------------------------------------------


class LrsSender(Protocol):
    """The adapter's side: post a batch of statements to the LRS. An LRS keeps one
    statement per id (a repeated post of the same statement changes nothing), so a
    batch is sent again as it was after a timeout."""

    def send(self, statements: list[dict[str, Any]]) -> SendResult: ...


@dataclass(frozen=True)
class LrsRules:
    batch: int = 50
    lease: timedelta = timedelta(minutes=2)  # well over the sender's timeout
    max_attempts: int = 60  # with the backoff below: about two and a half days
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)

    def backoff(self, attempt: int) -> timedelta:
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, attempt - 1))


class LrsDelivery:
    """Claim due statements, post them in batches, record the outcome. Several workers
    may run at once (the claim is atomic, as the outbox's). A 429 or 5xx is obeyed
    (Retry-After, else backoff; a 429 counts no attempt); a batch the LRS refuses
    (4xx) is tried one statement at a time, so one bad statement holds up no other."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        worker: str,
        rules: LrsRules | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.worker = worker
        self.rules = rules or LrsRules()

    def run_once(self, sender: LrsSender) -> DeliveryReport:
        now = self._clock.now()
        with self._uow_factory() as uow:
            rows = uow.lrs.claim(self.worker, now, now + self.rules.lease, self.rules.batch)
            uow.commit()
        report = DeliveryReport(claimed=len(rows))
        if not rows:
            return report
        outcomes = self._send(sender, rows)
        self._record(outcomes, report)
        return report

    def drain(self, sender: LrsSender, max_batches: int = 100) -> DeliveryReport:
        """Send until nothing is due (or `max_batches` batches ran)."""
        total = DeliveryReport()
        for _ in range(max_batches):
            report = self.run_once(sender)
            total.add(report)
            if report.claimed == 0 or report.sent == 0:
                break  # nothing due, or the LRS is not taking any: wait for the next turn
        return total

    def _send(
        self, sender: LrsSender, rows: list[LrsStatement]
    ) -> list[tuple[list[LrsStatement], SendResult]]:
        result = self._post(sender, rows)
        if result.outcome is not Outcome.FAILED or len(rows) == 1:
            return [(rows, result)]
        return [([row], self._post(sender, [row])) for row in rows]  # find the bad one

    @staticmethod
    def _post(sender: LrsSender, rows: list[LrsStatement]) -> SendResult:
        try:
            return sender.send([json.loads(row.body) for row in rows])
        except Exception as error:  # a sender bug or an unexpected transport error
            return SendResult.retry(f"{type(error).__name__}: {error}"[:500])

    def _record(
        self, outcomes: list[tuple[list[LrsStatement], SendResult]], report: DeliveryReport
    ) -> None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            for rows, result in outcomes:
                ids = [row.id for row in rows if row.id is not None]
                if result.outcome is Outcome.SENT:
                    report.sent += uow.lrs.mark_sent(ids, self.worker, now)
                    continue
                reason = (result.reason or result.outcome.value)[:500]
                report.errors.append(reason)
                attempts = max(row.attempts for row in rows)
                if not result.counts_as_attempt:
                    attempts -= 1
                if result.outcome is Outcome.FAILED or attempts >= self.rules.max_attempts:
                    uow.lrs.mark_failed(ids, self.worker, reason)
                    report.failed += len(ids)
                else:
                    wait = result.retry_after or self.rules.backoff(attempts)
                    uow.lrs.release(ids, self.worker, now + wait, reason, result.counts_as_attempt)
                    report.retried += len(ids)
            uow.commit()
