"""The unit of work: one connection, one transaction, rolled back unless committed; it
collects the domain events published in it (bot.events.EventLog)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from bot.events import EventLog
from storage.advice import SqlAdvice
from storage.asks import SqlAsks
from storage.assessments import SqlAssessments
from storage.checkins import SqlCheckins, SqlSchedules
from storage.cohorts import SqlCohorts, SqlGroups, SqlMemberships, SqlPartnerships, SqlProposals
from storage.communities import SqlCommunities
from storage.goals import SqlAgreements, SqlGoals
from storage.inbox import SqlInbox
from storage.lrs import SqlLrs
from storage.outbox import SqlOutbox
from storage.plans import SqlCoCoaching, SqlMeetings, SqlPlans, SqlTimers
from storage.repositories import SqlDiary, SqlInboundEvents, SqlPeople


class SqlUnitOfWork(EventLog):
    people: SqlPeople
    diary: SqlDiary
    cohorts: SqlCohorts
    memberships: SqlMemberships
    partnerships: SqlPartnerships
    groups: SqlGroups
    proposals: SqlProposals
    outbox: SqlOutbox
    schedules: SqlSchedules
    checkins: SqlCheckins
    inbound: SqlInboundEvents
    inbox: SqlInbox
    assessments: SqlAssessments
    goals: SqlGoals
    agreements: SqlAgreements
    plans: SqlPlans
    timers: SqlTimers
    cocoaching: SqlCoCoaching
    meetings: SqlMeetings
    advice: SqlAdvice
    communities: SqlCommunities
    asks: SqlAsks
    lrs: SqlLrs

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        self.discard()
        self._connection = self._engine.connect()
        self._connection.begin()
        self.people = SqlPeople(self._connection)
        self.diary = SqlDiary(self._connection)
        self.cohorts = SqlCohorts(self._connection)
        self.memberships = SqlMemberships(self._connection)
        self.partnerships = SqlPartnerships(self._connection)
        self.groups = SqlGroups(self._connection)
        self.proposals = SqlProposals(self._connection)
        self.outbox = SqlOutbox(self._connection)
        self.schedules = SqlSchedules(self._connection)
        self.checkins = SqlCheckins(self._connection)
        self.inbound = SqlInboundEvents(self._connection)
        self.inbox = SqlInbox(self._connection)
        self.assessments = SqlAssessments(self._connection)
        self.goals = SqlGoals(self._connection)
        self.agreements = SqlAgreements(self._connection)
        self.plans = SqlPlans(self._connection)
        self.timers = SqlTimers(self._connection)
        self.cocoaching = SqlCoCoaching(self._connection)
        self.meetings = SqlMeetings(self._connection)
        self.advice = SqlAdvice(self._connection)
        self.communities = SqlCommunities(self._connection)
        self.asks = SqlAsks(self._connection)
        self.lrs = SqlLrs(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            self.rollback()  # a no-op after commit(); otherwise nothing half-done survives
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None, "commit() outside `with`"
        self._connection.commit()

    def rollback(self) -> None:
        assert self._connection is not None, "rollback() outside `with`"
        self._connection.rollback()
        self.discard()  # what the undone changes said happened did not happen

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        assert self._connection is not None, "rehearsal() outside `with`"
        with self._events_kept():
            savepoint = self._connection.begin_nested()
            try:
                yield
            finally:
                savepoint.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use case; the core calls it as `uow_factory()`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
