"""Development goals with their comments, and the practical tasks agreed with managers."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, update

from bot.goals import (
    Agreement,
    AgreementResponse,
    AgreementStatus,
    Decision,
    Goal,
    GoalComment,
    GoalStatus,
)
from storage.numbers import next_number
from storage.tables import agreement_responses, agreements, goal_comments, goals, people


class SqlGoals:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, goal: Goal) -> Goal:
        goal.number = next_number(self._c, goals, "learner_id", goal.learner_id, people)
        goal.id = self._c.execute(
            insert(goals).returning(goals.c.id),
            {
                "learner_id": goal.learner_id,
                "trait_id": goal.trait_id,
                "current_level": goal.current_level,
                "target_level": goal.target_level,
                "why": goal.why,
                "set_by": goal.set_by,
                "created_at": goal.created_at,
                "due_by": goal.due_by,
                "status": goal.status.value,
                "status_note": goal.status_note,
                "number": goal.number,
            },
        ).scalar_one()
        return goal

    def get(self, goal_id: int) -> Goal | None:
        found = self._load(goals.c.id == goal_id)
        return found[0] if found else None

    def for_learner(self, learner_id: int) -> list[Goal]:
        return self._load(goals.c.learner_id == learner_id)

    def _load(self, where: ColumnElement[bool]) -> list[Goal]:
        rows = self._c.execute(select(goals).where(where).order_by(goals.c.id)).all()
        loaded = [
            Goal(
                id=r.id,
                learner_id=r.learner_id,
                trait_id=r.trait_id,
                current_level=r.current_level,
                target_level=r.target_level,
                why=r.why,
                set_by=r.set_by,
                created_at=r.created_at,
                due_by=r.due_by,
                status=GoalStatus(r.status),
                status_note=r.status_note,
                number=r.number,
            )
            for r in rows
        ]
        by_id = {g.id: g for g in loaded}
        if by_id:
            for c in self._c.execute(
                select(goal_comments)
                .where(goal_comments.c.goal_id.in_(list(by_id)))
                .order_by(goal_comments.c.id)
            ):
                by_id[c.goal_id].comments.append(GoalComment(c.author_id, c.text, c.at))
        return loaded

    def update(self, goal: Goal) -> None:
        self._c.execute(
            update(goals)
            .where(goals.c.id == goal.id)
            .values(status=goal.status.value, status_note=goal.status_note)
        )

    def comment(self, goal_id: int, comment: GoalComment) -> None:
        self._c.execute(
            insert(goal_comments),
            {
                "goal_id": goal_id,
                "author_id": comment.author_id,
                "text": comment.text,
                "at": comment.at,
            },
        )

    def comments_by(self, author_id: int) -> list[tuple[int, GoalComment]]:
        rows = self._c.execute(
            select(goal_comments)
            .where(goal_comments.c.author_id == author_id)
            .order_by(goal_comments.c.id)
        )
        return [(r.goal_id, GoalComment(r.author_id, r.text, r.at)) for r in rows]

    def delete_for_person(self, person_id: int) -> int:
        mine = select(goals.c.id).where(goals.c.learner_id == person_id)
        removed = self._c.execute(
            delete(goal_comments).where(
                or_(goal_comments.c.goal_id.in_(mine), goal_comments.c.author_id == person_id)
            )
        ).rowcount
        # A goal a tutor recorded stays the learner's; the tutor's name on it goes.
        self._c.execute(
            update(goals)
            .where(goals.c.set_by == person_id, goals.c.learner_id != person_id)
            .values(set_by=goals.c.learner_id)
        )
        return (
            removed + self._c.execute(delete(goals).where(goals.c.learner_id == person_id)).rowcount
        )


class SqlAgreements:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, agreement: Agreement) -> Agreement:
        agreement.number = next_number(
            self._c, agreements, "learner_id", agreement.learner_id, people
        )
        agreement.id = self._c.execute(
            insert(agreements).returning(agreements.c.id),
            {**self._values(agreement), "number": agreement.number},
        ).scalar_one()
        return agreement

    @staticmethod
    def _values(agreement: Agreement) -> dict[str, object]:
        return {
            "learner_id": agreement.learner_id,
            "manager_id": agreement.manager_id,
            "task": agreement.task,
            "goal_ids": list(agreement.goal_ids),
            "version": agreement.version,
            "status": agreement.status.value,
            "created_at": agreement.created_at,
            "updated_at": agreement.updated_at,
        }

    def get(self, agreement_id: int) -> Agreement | None:
        found = self._load(agreements.c.id == agreement_id)
        return found[0] if found else None

    def for_learner(self, learner_id: int) -> list[Agreement]:
        return self._load(agreements.c.learner_id == learner_id)

    def for_manager(self, manager_id: int) -> list[Agreement]:
        return self._load(agreements.c.manager_id == manager_id)

    def _load(self, where: ColumnElement[bool]) -> list[Agreement]:
        rows = self._c.execute(select(agreements).where(where).order_by(agreements.c.id)).all()
        loaded = [
            Agreement(
                id=r.id,
                learner_id=r.learner_id,
                manager_id=r.manager_id,
                task=r.task,
                goal_ids=tuple(r.goal_ids),
                version=r.version,
                status=AgreementStatus(r.status),
                created_at=r.created_at,
                updated_at=r.updated_at,
                number=r.number,
            )
            for r in rows
        ]
        by_id = {a.id: a for a in loaded}
        if by_id:
            for r in self._c.execute(
                select(agreement_responses)
                .where(agreement_responses.c.agreement_id.in_(list(by_id)))
                .order_by(agreement_responses.c.version)
            ):
                by_id[r.agreement_id].responses.append(
                    AgreementResponse(r.version, Decision(r.decision), r.reason, r.at)
                )
        return loaded

    def update(self, agreement: Agreement) -> None:
        values = self._values(agreement)
        del values["created_at"]
        self._c.execute(update(agreements).where(agreements.c.id == agreement.id).values(values))
        stored = set(
            self._c.execute(
                select(agreement_responses.c.version).where(
                    agreement_responses.c.agreement_id == agreement.id
                )
            ).scalars()
        )
        new = [r for r in agreement.responses if r.version not in stored]
        if new:
            self._c.execute(
                insert(agreement_responses),
                [
                    {
                        "agreement_id": agreement.id,
                        "version": r.version,
                        "decision": r.decision.value,
                        "reason": r.reason,
                        "at": r.at,
                    }
                    for r in new
                ],
            )

    def delete_for_person(self, person_id: int) -> int:
        theirs = select(agreements.c.id).where(
            or_(agreements.c.learner_id == person_id, agreements.c.manager_id == person_id)
        )
        self._c.execute(
            delete(agreement_responses).where(agreement_responses.c.agreement_id.in_(theirs))
        )
        return self._c.execute(
            delete(agreements).where(
                or_(agreements.c.learner_id == person_id, agreements.c.manager_id == person_id)
            )
        ).rowcount
