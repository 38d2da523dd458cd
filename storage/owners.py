"""One owner per table that holds a person key: the repository method that erases a
person's rows there, and the keys of `privacy export` that show them.

tests/service/test_trust_forget.py walks `storage.tables.metadata` and fails when a table has a
person key (a foreign key to people.id, a column listed in PERSON_ID_COLUMNS, or a row
hanging off such a table by foreign key) and no owner here, or when a JSON column or an
`*_id` column without a foreign key is in neither PERSON_ID_COLUMNS nor NO_PERSON_COLUMNS.
A new table therefore has to say who erases and exports it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Owner:
    erased_by: tuple[str, ...]  # "repository.method" on the unit of work (bot/ports.py)
    exported_as: tuple[str, ...]  # top-level keys of bot.handlers.privacy.export_document


# Columns without a foreign key that hold person ids (JSON lists, or ids kept as values).
PERSON_ID_COLUMNS: dict[str, str] = {
    "cohorts.roster": "the learners a cohort's figures are over",
    "proposals.circles": "the people placed in a proposal of pairs or groups",
    "advice_rounds.state": "members, moderator and contributors of a round",
}

# JSON columns and `*_id` columns without a foreign key that hold no person id.
NO_PERSON_COLUMNS: dict[str, str] = {
    "cohorts.former_figures": "summed counts, in no one's name",
    "asks.data": "the asked person's own task text and goal ids (the row is theirs)",
    "diary_entries.tags": "competence ids",
    "checkins.questions": "the questions asked",
    "agreements.goal_ids": "goal ids",
    "proposals.notes": "texts about a proposal; it goes with the people it places",
    "assessment_ratings.trait_id": "a competence id",
    "goals.trait_id": "a competence id",
    "milestones.goal_id": "a goal id (the goal is the same learner's)",
    "outbox.idempotency_key": "a key made of row ids",
    "entry_readers.circle_id": "the partnership, learning group or tutor membership read through",
    "inbox.payload": "a request as the platform sent it, with its sender's platform id (not a"
    " people.id); emptied once done, and erased with its sender (inbox.erase_mentioning)",
    "people.user_id": "the platform's id of the person: the people row itself",
    "lrs_statements.statement_id": "a uuid5 of the event, no person id",
}

OWNERS: dict[str, Owner] = {
    "people": Owner(("people.delete",), ("person",)),
    "memberships": Owner(("memberships.delete_person",), ("memberships",)),
    "partnership_members": Owner(("partnerships.delete_person",), ("relations",)),
    "group_members": Owner(("groups.delete_person",), ("relations",)),
    "person_exclusions": Owner(("proposals.delete_person",), ("not_to_be_paired_with",)),
    "proposals": Owner(("proposals.drop",), ("pairing_proposals",)),
    "cohorts": Owner(("cohorts.update",), ("counted_in_figures_of_cohorts",)),
    "cocoaching": Owner(("cocoaching.delete_for_partnerships",), ("co_coaching",)),
    "meetings": Owner(("meetings.delete_for_partnerships",), ("co_coaching_meetings",)),
    "diary_entries": Owner(("diary.delete_by_author", "diary.rewrite"), ("diary",)),
    # Who an entry was written for: hers as author go with her entries, hers as a reader of
    # others' entries go with her (both in diary.delete_by_author); export shows each own
    # entry's audience.
    "entry_readers": Owner(("diary.delete_by_author",), ("diary",)),
    "inbox": Owner(("inbox.erase_mentioning",), ("requests_not_yet_done",)),
    "outbox": Owner(
        ("outbox.delete_for_recipient", "outbox.delete"),
        ("messages", "messages_to_others_about_you"),
    ),
    "checkin_schedules": Owner(("schedules.delete",), ("checkin_schedule",)),
    "checkins": Owner(("checkins.delete_for_person",), ("checkins",)),
    "assessments": Owner(("assessments.delete_for_person",), ("assessments",)),
    "assessment_ratings": Owner(("assessments.delete_for_person",), ("assessments",)),
    "goals": Owner(("goals.delete_for_person",), ("goals",)),
    "goal_comments": Owner(("goals.delete_for_person",), ("goals", "comments_on_goals")),
    "agreements": Owner(
        ("agreements.delete_for_person",),
        ("practical_tasks_proposed", "practical_tasks_asked_to_agree"),
    ),
    "agreement_responses": Owner(
        ("agreements.delete_for_person",),
        ("practical_tasks_proposed", "practical_tasks_asked_to_agree"),
    ),
    "learning_plans": Owner(("plans.delete_for_person",), ("learning_plan",)),
    "milestones": Owner(("plans.delete_for_person",), ("learning_plan",)),
    "advice_rounds": Owner(("advice.delete", "advice.update"), ("colleague_advice",)),
    "community_members": Owner(("communities.delete_person",), ("communities_of_practice",)),
    "community_posts": Owner(("communities.delete_person",), ("communities_of_practice",)),
    "asks": Owner(("asks.delete_for_person",), ("questions_asked",)),
    # A person's xAPI statements: voided at the LRS on forget, then deleted here (the
    # voiding statements that stay are no one's: person_id NULL, Tandem's own actor).
    "lrs_statements": Owner(("lrs.delete",), ("learning_record_store",)),
}

# Tables that hold no person key at all, and why (checked by the same test).
NOT_PERSONAL: dict[str, str] = {
    "inbound_events": "keys are SHA-256 digests of event ids (storage/repositories.py)",
    "replicas": "host:pid of running processes",
    "timers": "subjects are ids of rows owned above (partnerships, rounds, milestones, "
    "communities) or a tutor's person id (their weekly digest: `forget` cancels it)",
    "partnerships": "no person key: its members are in partnership_members",
    "learning_groups": "no person key: its members are in group_members",
    "communities": "no person key: its members are in community_members",
    "sync_cursors": "the bot account's own sync token (Matrix), no one else's",
}
