"""Self-assessments and their ratings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.assessments import Assessment
from storage.tables import assessment_ratings, assessments


class SqlAssessments:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, assessment: Assessment) -> Assessment:
        assessment.id = self._c.execute(
            insert(assessments).returning(assessments.c.id),
            {
                "person_id": assessment.person_id,
                "kind": assessment.kind,
                "started_at": assessment.started_at,
                "completed_at": assessment.completed_at,
            },
        ).scalar_one()
        return assessment

    def open_for(self, person_id: int) -> Assessment | None:
        found = [a for a in self.for_person(person_id) if a.completed_at is None]
        return found[-1] if found else None

    def rate(self, assessment_id: int, ratings: dict[str, int], at: datetime) -> None:
        self._c.execute(
            delete(assessment_ratings).where(
                assessment_ratings.c.assessment_id == assessment_id,
                assessment_ratings.c.trait_id.in_(list(ratings)),
            )
        )
        self._c.execute(
            insert(assessment_ratings),
            [
                {"assessment_id": assessment_id, "trait_id": trait, "level": level, "rated_at": at}
                for trait, level in ratings.items()
            ],
        )

    def complete(self, assessment_id: int, at: datetime) -> None:
        self._c.execute(
            update(assessments).where(assessments.c.id == assessment_id).values(completed_at=at)
        )

    def for_person(self, person_id: int) -> list[Assessment]:
        rows = self._c.execute(
            select(assessments)
            .where(assessments.c.person_id == person_id)
            .order_by(assessments.c.id)
        ).all()
        result = [
            Assessment(
                id=r.id,
                person_id=r.person_id,
                kind=r.kind,
                started_at=r.started_at,
                completed_at=r.completed_at,
            )
            for r in rows
        ]
        by_id = {a.id: a for a in result}
        if by_id:
            for rating in self._c.execute(
                select(assessment_ratings).where(
                    assessment_ratings.c.assessment_id.in_(list(by_id))
                )
            ):
                by_id[rating.assessment_id].ratings[rating.trait_id] = rating.level
        return result

    def delete_for_person(self, person_id: int) -> int:
        mine = select(assessments.c.id).where(assessments.c.person_id == person_id)
        self._c.execute(
            delete(assessment_ratings).where(assessment_ratings.c.assessment_id.in_(mine))
        )
        return self._c.execute(
            delete(assessments).where(assessments.c.person_id == person_id)
        ).rowcount
