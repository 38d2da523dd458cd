"""The application service: the one entry point adapters call.

`Tandem.handle` parses a line (with the command table, bot/grammar/table.py), opens a
unit of work, finds or registers the asker, runs the use case, lets the message bus
handle the domain events it published (in the same transaction) and commits; after the
commit it wakes delivery if the outbox was written and runs the erasure hooks. Bad input
is answered before the database is touched; a refused request (`UserError`, from the use
case or any event handler) rolls back, so it changes nothing either. Each call returns
an `Outcome`: the replies, and the events committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from bot.clock import Clock
from bot.commands import Command, CommandError, Help, ShowNext
from bot.delivery import SpaceState
from bot.domain import Identity, Incoming, Person, Profile, Thread
from bot.events import Event, PersonErased
from bot.forms import FormCommand, command_from_form
from bot.grammar.table import HANDLERS, parse
from bot.handlers import advice, checkin, cockpit, dashboard, guide, privacy
from bot.handlers.context import Context, UserError
from bot.i18n import speaking
from bot.messagebus import MessageBus
from bot.outcome import Outcome
from bot.policy import Policy
from bot.ports import OutboxListener, UnitOfWork, UnitOfWorkFactory
from bot.reactions import message_bus
from bot.replies import Reply, private_error
from bot.report_figures import cohort_figures
from bot.report_model import CohortFigures

# Which handler runs which command is declared in the command table (bot/grammar/table.py).
__all__ = ["HANDLERS", "NOTHING_PENDING", "Tandem", "UnknownCohort", "UnknownPerson"]

NOTHING_PENDING = "Type `/learn help` to see what you can do, or `/learn diary <text>` to write."


class UnknownPerson(LookupError):
    """No one with that reference is stored."""


class UnknownCohort(LookupError):
    """No cohort with that number is stored."""


class Tandem:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: Policy,
        listener: OutboxListener | None = None,
        bus: MessageBus | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.policy = policy
        self.listener = listener
        self.bus = bus or message_bus()
        # Called with a person's reference once their erasure is committed, for what lies
        # outside the database (the composition root adds e.g. the removal of chart files).
        self.on_erased: list[Callable[[str], None]] = []

    # `event`: the platform's incoming event (Slack's event_id, a button click), recorded
    # in the transaction of the change it causes, under a unique constraint; a retry or a
    # double click is answered with nothing and changes nothing. Commands that only read
    # or show are not guarded: a second "open the form" is meant.

    # `mentioned`: what the platform says of people the line mentions (by user id), so
    # someone named before they ever used Tandem is stored with their name.

    def handle(
        self,
        identity: Identity,
        line: str,
        profile: Profile | None = None,
        event: Incoming | None = None,
        mentioned: Mapping[str, Profile] | None = None,
        where: str | None = None,
    ) -> Outcome:
        """Run one `/learn` line typed by `identity`; return what to say. `where`: the
        platform's channel the line was typed in, where it matters (`cohort space`)."""
        # Parsed in the language the platform says (no database touched for it); refused,
        # the refusal is said in the asker's own language, chosen or not.
        guess = self.policy.language_for(None, profile)
        try:
            with speaking(guess):
                command = parse(line)
        except CommandError as error:
            language = self.language_for(identity, profile)
            refusal = str(error)
            if language != guess:
                with speaking(language):
                    try:
                        parse(line)
                    except CommandError as again:
                        refusal = str(again)
            with speaking(language):
                return Outcome([private_error(refusal)])
        return self.execute(identity, command, profile, event, mentioned, where)

    def language_for(self, identity: Identity, profile: Profile | None = None) -> str:
        """The language to say something to `identity` in before their request runs: the
        one they chose, else what their platform says now (`profile`), else the locale
        stored, else the default (`Policy.language_for`). Only reads."""
        with self._uow_factory() as uow:
            person = uow.people.by_identity(identity)
        return self.policy.language_for(person, profile)

    def execute(
        self,
        identity: Identity,
        command: Command,
        profile: Profile | None = None,
        event: Incoming | None = None,
        mentioned: Mapping[str, Profile] | None = None,
        where: str | None = None,
    ) -> Outcome:
        """Run an already parsed command (adapters with typed options build these directly)."""
        handler = HANDLERS[type(command)]
        guided = not isinstance(command, Help | ShowNext)  # those show the way themselves

        def use_case(context: Context) -> list[Reply]:
            replies = handler(context, command)
            if not guided:
                return replies
            # in the asker's language as it is now (`/learn language de` has just changed it)
            with speaking(self.policy.language_of(context.asker)):
                return guide.with_next_step(context, replies)

        return self._run(
            identity,
            profile,
            use_case,
            event,
            mentioned,
            where,
            dedup=command.changes_state(),
        )

    def message(
        self,
        identity: Identity,
        text: str,
        profile: Profile | None = None,
        event: Incoming | None = None,
    ) -> Outcome:
        """A plain message to the bot in a DM: the answer to a waiting check-in, if any, or
        a late answer to the one just missed (kept in the diary, marked late)."""

        def answer_or_hint(context: Context) -> list[Reply]:
            return (
                checkin.answer(context, text)
                or checkin.late_answer(context, text)
                or [Reply(text=NOTHING_PENDING)]
            )

        return self._run(identity, profile, answer_or_hint, event)

    def thread_message(
        self,
        identity: Identity,
        thread: Thread,
        text: str,
        profile: Profile | None = None,
        event: Incoming | None = None,
    ) -> Outcome:
        """A message written in a thread Tandem started (`thread`, as the adapter found it
        named with the thread's first post): a contribution to the round it belongs to, if
        any. Replies are for the writer only."""

        def contribute(context: Context) -> list[Reply]:
            return advice.contribute_in_thread(context, thread, text)

        return self._run(identity, profile, contribute, event)

    def submit(
        self,
        identity: Identity,
        form_id: str,
        values: dict[str, str],
        profile: Profile | None = None,
        event: Incoming | None = None,
    ) -> Outcome:
        """A submitted form. Refused values raise `FormError` (before anything is stored),
        so the platform can show the message at the field; it is said in the asker's
        language."""
        with speaking(self.language_for(identity, profile)):
            command = self.check_form(form_id, values)
        return self.execute(identity, command, profile, event)

    @staticmethod
    def check_form(form_id: str, values: dict[str, str]) -> FormCommand:
        """The command a form's values make, or `FormError`; touches nothing (platforms
        that must answer a submission at once, like Slack's modals, call it first)."""
        return command_from_form(form_id, values)

    def home(self, identity: Identity, profile: Profile | None = None) -> Reply:
        """The person's dashboard (Slack's App Home): their own data, and for a tutor the
        cockpit of their learners, for a facilitator their cohorts (bot/handlers/cockpit.py).
        Someone not (or no longer) stored gets a welcome and stays unstored: opening
        the Home tab must not bring back a person who asked to be forgotten."""
        with self._uow_factory() as uow:
            person = uow.people.by_identity(identity)
            if person is None:
                with speaking(self.policy.language_for(None, profile)):
                    return dashboard.welcome()
            context = Context(uow=uow, asker=person, now=self._clock.now(), policy=self.policy)
            with speaking(self.policy.language_of(person)):
                return cockpit.home(context, dashboard.show(context))

    def _run(
        self,
        identity: Identity,
        profile: Profile | None,
        use_case: Callable[[Context], list[Reply]],
        event: Incoming | None = None,
        mentioned: Mapping[str, Profile] | None = None,
        where: str | None = None,
        dedup: bool = True,
    ) -> Outcome:
        with self._uow_factory() as uow:
            now = self._clock.now()
            claim = event.inbox if event is not None else None
            if claim is not None and not uow.inbox.finish(claim.item_id, claim.worker, now):
                return Outcome()  # the inbox row is done, or another worker took it over
            # Work whose inbox row is keyed by the event itself is deduplicated by the
            # inbox (the row's unique key, and the done flag set above in this
            # transaction); the inbound record remains for what one request cannot show
            # (a double click within its window, a form sent twice) and for events
            # handled without an inbox row.
            if (
                dedup
                and event is not None
                and not (claim is not None and event.keyed_by_inbox)
                and not uow.inbound.record(event.key, now, event.window)
            ):
                uow.commit()  # the inbox row is done: the click was a double click
                if claim is not None:
                    claim.finished = True
                return Outcome()  # seen before: a platform retry or a double click
            asker = self._register(uow, identity, profile)
            context = Context(
                uow=uow,
                asker=asker,
                now=now,
                policy=self.policy,
                mentioned=mentioned or {},
                where=where,
                bus=self.bus,
            )
            try:
                with speaking(self.policy.language_of(asker)):
                    replies = use_case(context)
                    self.bus.handle(context)  # what follows from it, in this transaction
            except UserError as error:
                uow.rollback()  # nothing of the refused work stays; the inbox row is done
                if claim is not None and uow.inbox.finish(claim.item_id, claim.worker, now):
                    uow.commit()
                    claim.finished = True
                with speaking(self.policy.language_of(asker)) as language:
                    return Outcome([private_error(str(error))], language=language)
            uow.commit()
            if claim is not None:
                claim.finished = True
        self._committed(context.handled)
        return Outcome(replies, context.handled, self.policy.language_of(asker))

    def export(self, identity: Identity) -> str:
        """Everything stored about `identity`, as JSON (for `tandem export`, an operator's tool)."""
        with self._uow_factory() as uow:
            person = uow.people.by_identity(identity)
            if person is None:
                raise UnknownPerson(identity.ref)
            document = privacy.export_document(uow, person, self._clock.now())
            return json.dumps(document, indent=2, ensure_ascii=False)

    def cohort_report(self, cohort_id: int, language: str | None = None) -> CohortFigures:
        """The personnel-development report of cohort `cohort_id` in `language` (for
        `tandem report`, an operator's tool: whoever runs it holds the database anyway,
        and gets no more than a facilitator: the same figures under the same rules). It
        fixes the cohort's roster as `/learn cohort report` does."""
        with self._uow_factory() as uow:
            cohort = uow.cohorts.get(cohort_id)
            if cohort is None:
                raise UnknownCohort(cohort_id)
            with speaking(language or self.policy.default_language()):
                figures = cohort_figures(uow, cohort, self.policy, self._clock.now())
            uow.commit()
        return figures

    def space_of(self, group_id: int) -> SpaceState:
        """A learning group's stored space and its present members (for the adapter that
        keeps the group's private channel or thread)."""
        with self._uow_factory() as uow:
            group = uow.groups.get(group_id)
            if group is None:
                return SpaceState(None, ())
            members = uow.people.get_many(group.members)
            return SpaceState(
                group.space, tuple(members[p].identity for p in group.members if p in members)
            )

    def keep_space(self, group_id: int, space: str) -> str:
        """Store the space an adapter made for the group, unless another process stored
        one first; return the one to use."""
        with self._uow_factory() as uow:
            kept = uow.groups.claim_space(group_id, space)
            uow.commit()
        return kept

    def forget(self, identity: Identity, rehearse: bool = False) -> dict[str, int]:
        """Erase everything about `identity` (for `tandem forget`, an operator's tool);
        how many records of each kind went. `rehearse`: only count what would go (the
        erasure runs and is undone; no one is told)."""
        with self._uow_factory() as uow:
            person = uow.people.by_identity(identity)
            if person is None:
                raise UnknownPerson(identity.ref)
            context = Context(
                uow=uow, asker=person, now=self._clock.now(), policy=self.policy, bus=self.bus
            )
            if rehearse:
                with context.rehearse():
                    return privacy.erase(context, person)
            counts = privacy.erase(context, person)
            self.bus.handle(context)
            uow.commit()
        self._committed(context.handled)  # the partner is told at once
        return counts

    def _committed(self, events: list[Event]) -> None:
        """After the commit: wake delivery if the outbox was written; hand the references
        of erased people to the `on_erased` hooks."""
        if self.listener is not None and Outcome(events=events).outbox_written:
            self.listener.outbox_written()
        for event in events:
            if isinstance(event, PersonErased):
                for hook in self.on_erased:
                    hook(event.ref)

    def _register(self, uow: UnitOfWork, identity: Identity, profile: Profile | None) -> Person:
        """Find the person behind `identity`, creating them on first contact and keeping
        their name, time zone and locale as fresh as the platform's profile."""
        person = uow.people.by_identity(identity)
        if person is None:
            first = self.policy.first_person_is_facilitator and uow.people.count() == 0
            return uow.people.add(
                Person(
                    identity=identity,
                    display_name=(profile.display_name if profile else None) or identity.user_id,
                    timezone=(profile.timezone if profile else None)
                    or self.policy.default_timezone,
                    # what the platform says, else nothing: the default (TANDEM_LOCALE)
                    # then applies as it is at each answer, not as it was at the first
                    locale=(profile.locale if profile else None) or "",
                    created_at=self._clock.now(),
                    is_facilitator=first,
                )
            )
        if profile is not None:
            changed = False
            attributes = ["display_name", "locale"]
            if not person.timezone_chosen:
                attributes.append("timezone")
            for attribute in attributes:
                value = getattr(profile, attribute)
                if value and value != getattr(person, attribute):
                    setattr(person, attribute, value)
                    changed = True
            if changed:
                uow.people.update(person)
                schedule = uow.schedules.get(person.id) if person.id is not None else None
                if schedule is not None:  # the zone may have changed: keep the wall time
                    schedule.advance(person.zone, self._clock.now())
                    uow.schedules.save(schedule)
        return person
