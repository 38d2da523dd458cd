"""The schema, as SQLAlchemy Core tables. Alembic migrations (storage/migrations) create it;
this module is what the repositories query and what `alembic check` compares against."""

from __future__ import annotations

from typing import TypedDict, Unpack

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


class _PersonFlags(TypedDict, total=False):
    nullable: bool
    index: bool
    primary_key: bool


def _person(name: str, **kwargs: Unpack[_PersonFlags]) -> Column:
    return Column(name, Id, ForeignKey("people.id"), **kwargs)


people = Table(
    "people",
    metadata,
    _id(),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("locale", String(32), nullable=False),
    Column("is_facilitator", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("timezone_chosen", Boolean, nullable=False, default=False, server_default=false()),
    # The language the person chose (`/learn language`); NULL: their platform's, or the default.
    Column("language", String(8), nullable=True),
    # The last number given to one of the person's diary entries (never given again).
    Column("diary_numbered", Integer, nullable=False, default=0, server_default="0"),
    # xAPI consent (`/learn privacy lrs on|off`): off until the person says yes.
    Column("lrs", Boolean, nullable=False, default=False, server_default=false()),
    Column("lrs_results", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("platform", "workspace", "user_id", name="uq_people_identity"),
)

cohorts = Table(
    "cohorts",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("space", String(200), nullable=True),  # the channel its groups' threads go in
    # When the facilitator proposed sending learning events to the LRS (a proposal only).
    Column("lrs_proposed_at", UtcDateTime, nullable=True),
    # The learners the cohort's figures are over, fixed at kickoff (person ids), and the
    # anonymous share of the figures of roster members who erased their data since.
    Column("roster", JSON, nullable=True),
    Column("former_figures", JSON, nullable=True),
)

memberships = Table(
    "memberships",
    metadata,
    _id(),
    Column("cohort_id", Id, ForeignKey("cohorts.id"), nullable=False),
    _person("person_id", nullable=False, index=True),
    Column("role", String(16), nullable=False),
    _person("accompanies", nullable=True, index=True),  # a tutor's learner
    Column("joined_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("team", String(100), nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),  # left, or the cohort closed
)

partnerships = Table(
    "partnerships",
    metadata,
    _id(),
    Column("cohort_id", Id, ForeignKey("cohorts.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
)

partnership_members = Table(
    "partnership_members",
    metadata,
    Column("partnership_id", Id, ForeignKey("partnerships.id"), primary_key=True),
    _person("person_id", primary_key=True, index=True),
)

learning_groups = Table(
    "learning_groups",
    metadata,
    _id(),
    Column("cohort_id", Id, ForeignKey("cohorts.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("space", String(200), nullable=True),  # the platform's thread or channel
    Column("ended_at", UtcDateTime, nullable=True),  # regrouped, or the cohort closed
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", Id, ForeignKey("learning_groups.id"), primary_key=True),
    _person("person_id", primary_key=True, index=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),  # left the group (or the cohort)
)

diary_entries = Table(
    "diary_entries",
    metadata,
    _id(),
    _person("author_id", nullable=False),
    Column("text", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("number", Integer, nullable=False),  # the author's own count, 1 = their first
    Index("ix_diary_entries_author_created", "author_id", "created_at"),
    UniqueConstraint("author_id", "number", name="uq_diary_entries_author_id_number"),
)

# Who an entry shared with a circle was written for: the people in that circle then,
# and the circle (partnership, learning group, tutor membership) they read it through.
entry_readers = Table(
    "entry_readers",
    metadata,
    Column("entry_id", Id, ForeignKey("diary_entries.id"), primary_key=True),
    _person("person_id", primary_key=True, index=True),
    Column("kind", String(16), nullable=False),
    Column("circle_id", Id, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    _person("recipient_id", nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("kind", String(32), nullable=False, server_default="message"),
    Index("ix_outbox_status_due_id", "status", "due_at", "id"),
    Index("ix_outbox_recipient_kind_due", "recipient_id", "kind", "due_at"),
)

checkin_schedules = Table(
    "checkin_schedules",
    metadata,
    Column("person_id", Id, ForeignKey("people.id"), primary_key=True),
    Column("weekdays", String(20), nullable=False),  # "0,3": Monday and Thursday
    Column("wall_time", String(5), nullable=False),  # "09:00", local to the person
    Column("enabled", Boolean, nullable=False),
    Column("paused_until", UtcDateTime, nullable=True),
    Column("next_due_at", UtcDateTime, nullable=True, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

checkins = Table(
    "checkins",
    metadata,
    _id(),
    _person("person_id", nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("questions", JSON, nullable=False),
    Column("requested", Boolean, nullable=False),
    Column("asked_at", UtcDateTime, nullable=True),
    Column("remind_at", UtcDateTime, nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("reminded_at", UtcDateTime, nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("entry_id", Id, ForeignKey("diary_entries.id"), nullable=True),
    Column("skip_reason", Text, nullable=True),
    UniqueConstraint("person_id", "due_at", name="uq_checkins_person_due"),
    Index("ix_checkins_status_remind", "status", "remind_at"),
    Index("ix_checkins_status_expires", "status", "expires_at"),
)

inbound_events = Table(
    "inbound_events",
    metadata,
    Column("key", String(255), primary_key=True),  # e.g. "slack:event:Ev123"
    Column("received_at", UtcDateTime, nullable=False, index=True),
)

# Incoming work recorded before the ack (storage/inbox.py). `key` is a digest of the
# request's own key, so the row names nobody; the payload is cleared once done.
inbox = Table(
    "inbox",
    metadata,
    _id(),
    Column("key", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    UniqueConstraint("key", name="uq_inbox_key"),
    Index("ix_inbox_status_created", "status", "created_at"),
    sqlite_autoincrement=True,
)

replicas = Table(
    "replicas",
    metadata,
    Column("name", String(200), primary_key=True),  # host:pid
    Column("seen_at", UtcDateTime, nullable=False),
)

# Where a platform's event stream was read to (the Matrix sync token, per bot account).
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("account", String(300), primary_key=True),
    Column("token", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

assessments = Table(
    "assessments",
    metadata,
    _id(),
    _person("person_id", nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
)

assessment_ratings = Table(
    "assessment_ratings",
    metadata,
    Column("assessment_id", Id, ForeignKey("assessments.id"), primary_key=True),
    Column("trait_id", String(40), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("rated_at", UtcDateTime, nullable=False),
)

goals = Table(
    "goals",
    metadata,
    _id(),
    _person("learner_id", nullable=False, index=True),
    Column("trait_id", String(40), nullable=False),
    Column("current_level", Integer, nullable=False),
    Column("target_level", Integer, nullable=False),
    Column("why", Text, nullable=False),
    _person("set_by", nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_by", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("status_note", Text, nullable=False, default=""),
    # The learner's own number for it (1, 2, 3), max + 1 at insert, kept for good; the
    # server default is only what the migration added the column with.
    Column("number", Integer, nullable=False, server_default="0"),
    Index("uq_goals_learner_number", "learner_id", "number", unique=True),
)

goal_comments = Table(
    "goal_comments",
    metadata,
    _id(),
    Column("goal_id", Id, ForeignKey("goals.id"), nullable=False, index=True),
    _person("author_id", nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

agreements = Table(
    "agreements",
    metadata,
    _id(),
    _person("learner_id", nullable=False, index=True),
    _person("manager_id", nullable=False, index=True),
    Column("task", Text, nullable=False),
    Column("goal_ids", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(24), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The learner's own number for it (1, 2, 3), max + 1 at insert, kept for good; the
    # server default is only what the migration added the column with.
    Column("number", Integer, nullable=False, server_default="0"),
    Index("uq_agreements_learner_number", "learner_id", "number", unique=True),
)

agreement_responses = Table(
    "agreement_responses",
    metadata,
    Column("agreement_id", Id, ForeignKey("agreements.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

person_exclusions = Table(
    "person_exclusions",
    metadata,
    _person("person_id", primary_key=True),
    _person("other_id", primary_key=True),
)

timers = Table(
    "timers",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("subject", String(100), primary_key=True),
    Column("due_at", UtcDateTime, nullable=False, index=True),
)

learning_plans = Table(
    "learning_plans",
    metadata,
    Column("learner_id", Id, ForeignKey("people.id"), primary_key=True),
    Column("committed_at", UtcDateTime, nullable=True),
)

milestones = Table(
    "milestones",
    metadata,
    _id(),
    _person("learner_id", nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("goal_id", Id, nullable=True),
    Column("evidence", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    Column("reflection", Text, nullable=True),
    # The learner's own number for it (1, 2, 3), max + 1 at insert, kept for good; the
    # server default is only what the migration added the column with.
    Column("number", Integer, nullable=False, server_default="0"),
    Index("uq_milestones_learner_number", "learner_id", "number", unique=True),
)

proposals = Table(
    "proposals",
    metadata,
    Column("cohort_id", Id, ForeignKey("cohorts.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("circles", JSON, nullable=False),
    Column("notes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

cocoaching = Table(
    "cocoaching",
    metadata,
    _id(),
    Column("partnership_id", Id, ForeignKey("partnerships.id"), nullable=False),
    Column("prompted_at", UtcDateTime, nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
    UniqueConstraint("partnership_id", "prompted_at", name="uq_cocoaching_partnership_id"),
    # The partnership's own number for it (1, 2, 3), max + 1 at insert, kept for good; the
    # server default is only what the migration added the column with.
    Column("number", Integer, nullable=False, server_default="0"),
    Index("uq_cocoaching_partnership_number", "partnership_id", "number", unique=True),
)

# A co-coaching session partners set with `/learn partner meet`, or a learning group's live
# colleague-advice round (`/learn group meet`): its invite's UID is made of the id, each
# change is one more `sequence` (bot/handlers/meetings.py).
meetings = Table(
    "meetings",
    metadata,
    _id(),
    Column("partnership_id", Id, ForeignKey("partnerships.id"), nullable=True, index=True),
    # or a learning group's live colleague-advice round (`/learn group meet`)
    Column("group_id", Id, ForeignKey("learning_groups.id"), nullable=True, index=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
)

advice_rounds = Table(
    "advice_rounds",
    metadata,
    _id(),
    Column("group_id", Id, ForeignKey("learning_groups.id"), nullable=False, index=True),
    _person("case_giver_id", nullable=False),
    Column("state", JSON, nullable=False),  # bot.advice.AdviceRound.to_dict()
    Column("status", String(16), nullable=False),
    Column("space", String(200), nullable=True),  # the channel its thread is in
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

communities = Table(
    "communities",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("space", String(200), nullable=True),  # the channel (a Discord forum) it lives in
    Column("created_at", UtcDateTime, nullable=False),
)

community_members = Table(
    "community_members",
    metadata,
    Column("community_id", Id, ForeignKey("communities.id"), primary_key=True),
    _person("person_id", primary_key=True),
    Column("joined_at", UtcDateTime, nullable=False),
    Index("ix_community_members_person", "person_id"),
)

community_posts = Table(
    "community_posts",
    metadata,
    _id(),
    Column("community_id", Id, ForeignKey("communities.id"), nullable=False),
    Column("entry_id", Id, ForeignKey("diary_entries.id"), nullable=False, unique=True),
    _person("author_id", nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_community_posts_community_created", "community_id", "created_at"),
)

asks = Table(
    "asks",
    metadata,
    _id(),
    Column("kind", String(32), nullable=False),
    _person("person_id", nullable=False, index=True),  # who answers
    _person("about_id", nullable=True, index=True),  # whom it concerns (a task's addressee)
    Column("group_id", Id, ForeignKey("learning_groups.id"), nullable=True, index=True),
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    sqlite_autoincrement=True,  # an id is never handed out twice (a button names it)
)

# Ids are never reused: on SQLite an INTEGER PRIMARY KEY takes max(id) + 1, so the id of
# the newest person, once erased, would go to the next newcomer (and a pending proposal
# naming it would bind to them). AUTOINCREMENT never hands an id out twice. PostgreSQL's
# sequences never do anyway. Every table with an integer surrogate id gets it, new ones too.
for _table in metadata.tables.values():
    if [c.name for c in _table.primary_key.columns] == ["id"]:
        _table.dialect_options["sqlite"]["autoincrement"] = True


# The LRS lane of the outbox: xAPI statements waiting for (or sent to) the learning
# record store, claimed by their own worker so that person messages never wait behind
# them. `person_id` is NULL for voiding statements (sent after their person is erased).
lrs_statements = Table(
    "lrs_statements",
    metadata,
    _id(),
    Column("statement_id", String(36), nullable=False, unique=True),
    _person("person_id", nullable=True, index=True),
    Column("body", Text, nullable=False),
    Column("voids", String(36), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(128), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_lrs_statements_status_due", "status", "due_at"),
    sqlite_autoincrement=True,
)
