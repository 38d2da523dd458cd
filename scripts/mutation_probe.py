"""The mutation probe: plant small bugs one at a time and see whether the tests catch them.

Each bug (a `Mutant`) is one exact edit of one file: a WHERE clause dropped, a column not
written, a lock not taken, a bound off by one. The probe copies the tree (the files git
knows, tracked or not ignored) into a temporary directory once, checks that the tests it
will run pass there unchanged (the baseline), then for each bug: applies the edit, runs
the tests that should catch it (`pytest -x`, with the copy first on PYTHONPATH, so the
processes the tests start run the planted bug too), restores the file, and says caught or
survived. A summary and the total come last; the exit status is 1 if any bug survived.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/mutation_probe.py
    .venv/bin/python scripts/mutation_probe.py --list
    .venv/bin/python scripts/mutation_probe.py -k outbox      # only bugs whose id has "outbox"

Without a PostgreSQL server in DATABASE_URL, the bugs only PostgreSQL can show (locks) are
reported as skipped, not as survivors. Not collected by pytest (it lives outside tests/).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    id: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    needs_postgres: bool = False


REPOSITORIES = "tests/integration/test_repositories.py"
BOUNDARIES = "tests/service/test_boundaries.py"

MUTANTS = (
    # -- the SQL methods no test executed before (issue 15, item 7) ----------------------------
    Mutant(
        "goals.update-where",
        "SqlGoals.update drops its WHERE: every goal gets the status",
        "storage/goals.py",
        "            update(goals)\n            .where(goals.c.id == goal.id)\n",
        "            update(goals)\n",
        (REPOSITORIES, "tests/service/test_goals_agreements.py"),
    ),
    Mutant(
        "goals.update-note",
        "SqlGoals.update does not write the status note",
        "storage/goals.py",
        ".values(status=goal.status.value, status_note=goal.status_note)",
        ".values(status=goal.status.value)",
        (REPOSITORIES, "tests/service/test_goals_agreements.py"),
    ),
    Mutant(
        "plans.commit-where",
        "SqlPlans.commit deletes every learner's plan before writing this one",
        "storage/plans.py",
        "        self._c.execute(delete(learning_plans).where(learning_plans.c.learner_id"
        " == learner_id))\n        self._c.execute(insert(learning_plans)",
        "        self._c.execute(delete(learning_plans))\n"
        "        self._c.execute(insert(learning_plans)",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "plans.commit-time",
        "SqlPlans.commit stores no time",
        "storage/plans.py",
        '{"learner_id": learner_id, "committed_at": at}',
        '{"learner_id": learner_id, "committed_at": None}',
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "plans.update_milestone-where",
        "SqlPlans.update_milestone drops its WHERE: every milestone is marked done",
        "storage/plans.py",
        "            update(milestones)\n            .where(milestones.c.id == milestone.id)\n",
        "            update(milestones)\n",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "plans.update_milestone-reflection",
        "SqlPlans.update_milestone does not write the reflection",
        "storage/plans.py",
        ".values(done_at=milestone.done_at, reflection=milestone.reflection)",
        ".values(done_at=milestone.done_at)",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "cocoaching.get-none",
        "SqlCoCoaching.get returns None",
        "storage/plans.py",
        "            if row\n            else None\n        )\n\n    def update(self, record: Co",
        "            if False\n            else None\n        )\n\n    def update(self, record: Co",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "cocoaching.get-fields",
        "SqlCoCoaching.get reads the outcome into the answer time and back",
        "storage/plans.py",
        "CoCoaching(row.partnership_id, row.prompted_at, row.outcome, row.answered_at, row.id)",
        "CoCoaching(row.partnership_id, row.prompted_at, row.answered_at, row.outcome, row.id)",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "cocoaching.update-where",
        "SqlCoCoaching.update drops its WHERE: every prompt gets the answer",
        "storage/plans.py",
        "            update(cocoaching)\n            .where(cocoaching.c.id == record.id)\n",
        "            update(cocoaching)\n",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "outbox.mark_failed-holder",
        "SqlOutbox.mark_failed fails a row whoever holds it",
        "storage/outbox.py",
        "            .where(outbox.c.id == message_id, outbox.c.claimed_by == worker)\n"
        "            .values(status=OutboxStatus.FAILED.value",
        "            .where(outbox.c.id == message_id)\n"
        "            .values(status=OutboxStatus.FAILED.value",
        (REPOSITORIES, "tests/service/test_delivery.py"),
    ),
    Mutant(
        "outbox.mark_failed-reason",
        "SqlOutbox.mark_failed keeps no reason",
        "storage/outbox.py",
        ".values(status=OutboxStatus.FAILED.value, last_error=error, claimed_until=None)",
        ".values(status=OutboxStatus.FAILED.value, claimed_until=None)",
        (REPOSITORIES, "tests/service/test_delivery.py"),
    ),
    Mutant(
        "partnerships.end-where",
        "SqlPartnerships.end (was SqlCohorts.end_partnership) ends every partnership",
        "storage/cohorts.py",
        "            update(partnerships).where(partnerships.c.id == partnership_id)"
        ".values(ended_at=at)",
        "            update(partnerships).values(ended_at=at)",
        (REPOSITORIES, "tests/service/test_kickoff.py"),
    ),
    Mutant(
        "groups.leave-cohort",
        "SqlGroups.leave (was leave_groups) takes the person out of every cohort's groups",
        "storage/cohorts.py",
        "                group_members.c.person_id == person_id,\n"
        "                group_members.c.group_id.in_(theirs),\n",
        "                group_members.c.person_id == person_id,\n",
        (REPOSITORIES, "tests/service/test_advice_wiring.py"),
    ),
    Mutant(
        "groups.set_space-where",
        "SqlGroups.set_space (was set_group_space) sets every group's space",
        "storage/cohorts.py",
        "            update(learning_groups).where(learning_groups.c.id == group_id)"
        ".values(space=space)",
        "            update(learning_groups).values(space=space)",
        (REPOSITORIES, "tests/integration/test_trust_spaces.py"),
    ),
    Mutant(
        "advice.delete-where",
        "SqlAdvice.delete drops its WHERE: every round goes",
        "storage/advice.py",
        "self._c.execute(delete(advice_rounds).where(advice_rounds.c.id == record_id))",
        "self._c.execute(delete(advice_rounds))",
        (REPOSITORIES, "tests/service/test_advice_wiring.py"),
    ),
    # -- the boundaries that survived -------------------------------------------------------
    Mutant(
        "threshold-invited",
        "the figures count invited and left learners as if they had joined",
        "bot/handlers/report.py",
        "if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE",
        "if m.role is Role.LEARNER and m.status is not MembershipStatus.DECLINED",
        (BOUNDARIES, "tests/service/test_trust_circles.py"),
    ),
    Mutant(
        "threshold-off-by-one",
        "figures are shown from six learners, not five",
        "bot/handlers/report.py",
        "    if learners < MIN_GROUP:\n",
        "    if learners <= MIN_GROUP:\n",
        (BOUNDARIES,),
    ),
    Mutant(
        "former-partner-reads",
        "an ended partnership still counts as a circle (SQL)",
        "storage/cohorts.py",
        "    return partnerships.c.id.in_(mine) & partnerships.c.ended_at.is_(None)",
        "    return partnerships.c.id.in_(mine)",
        (BOUNDARIES, "tests/service/test_trust_circles.py"),
    ),
    Mutant(
        "late-chosen-quiet",
        "a late check-in at a quiet time the person chose is skipped",
        "bot/scheduling.py",
        "                and is_quiet(now.astimezone(zone).time())\n"
        "                and not schedule.chose_quiet_hours\n",
        "                and is_quiet(now.astimezone(zone).time())\n",
        (BOUNDARIES, "tests/service/test_checkins.py"),
    ),
    Mutant(
        "slack-retry-second-dm",
        "a retried Slack event is recorded as a new request (and answered twice)",
        "adapters/slack/listeners/events.py",
        "    return f\"slack:event:{body.get('event_id') or event.get('client_msg_id') or"
        " event.get('ts')}\"",
        "    return f\"slack:event:{__import__('uuid').uuid4()}\"",  # a new key each time
        ("tests/integration/test_slack.py::test_an_event_retried_by_slack_changes_nothing",),
    ),
    Mutant(
        "six-attempts",
        "delivery gives up after five attempts, not the documented six",
        "bot/delivery.py",
        "    max_attempts: int = 6\n",
        "    max_attempts: int = 5\n",
        ("tests/service/test_delivery.py",),
    ),
    Mutant(
        "skip-locked-outbox",
        "the outbox claim waits for rows another replica holds (no SKIP LOCKED)",
        "storage/outbox.py",
        "            .limit(limit)\n            .with_for_update(skip_locked=True)\n",
        "            .limit(limit)\n            .with_for_update()\n",
        ("tests/integration/test_outbox_storage.py::test_replicas_skip_the_rows_another_holds_and_never_wait_for_it",),
        needs_postgres=True,
    ),
    Mutant(
        "skip-locked-timers",
        "the due timers are read waiting for another replica's (no SKIP LOCKED)",
        "storage/plans.py",
        "            .with_for_update(skip_locked=True)\n",
        "            .with_for_update()\n",
        ("tests/integration/test_outbox_storage.py::test_replicas_skip_the_rows_another_holds_and_never_wait_for_it",),
        needs_postgres=True,
    ),
    Mutant(
        "advice-concurrent-move",
        "an advice round is read without a lock: a concurrent move is lost",
        "storage/advice.py",
        "select(advice_rounds).where(advice_rounds.c.id == record_id).with_for_update()",
        "select(advice_rounds).where(advice_rounds.c.id == record_id)",
        (BOUNDARIES,),
        needs_postgres=True,
    ),
    # -- other SQL repository bugs the fakes alone would not show --------------------------
    Mutant(
        "diary.by_author-offset",
        "SqlDiary.by_author ignores the offset: page 2 repeats page 1",
        "storage/repositories.py",
        "            .limit(limit)\n            .offset(offset or None)\n",
        "            .limit(limit)\n",
        ("tests/service/test_what_stays.py",),
    ),
    Mutant(
        "checkins.update-expected",
        "SqlCheckins.update overwrites a check-in whatever its status now",
        "storage/checkins.py",
        ".where(checkins.c.id == checkin.id, checkins.c.status.in_([s.value for s in expected]))",
        ".where(checkins.c.id == checkin.id)",
        (
            "tests/integration/test_outbox_storage.py::"
            "test_a_check_in_answered_meanwhile_is_not_overwritten",
            "tests/service/test_checkins.py",
        ),
    ),
    Mutant(
        "memberships.end-person",
        "SqlMemberships.end ends everyone's membership when one person leaves",
        "storage/cohorts.py",
        "        if person_id is not None:\n"
        "            where.append(memberships.c.person_id == person_id)\n",
        "",
        ("tests/service/test_kickoff.py", BOUNDARIES),
    ),
    Mutant(
        "agreements.update-responses",
        "SqlAgreements.update stores no new response",
        "storage/goals.py",
        "        new = [r for r in agreement.responses if r.version not in stored]",
        "        new = []",
        ("tests/service/test_goals_agreements.py",),
    ),
    Mutant(
        "schedules.save-pause",
        "SqlSchedules.save does not store a pause",
        "storage/checkins.py",
        '            "paused_until": schedule.paused_until,\n',
        '            "paused_until": None,\n',
        ("tests/service/test_checkins.py",),
    ),
)


def tree_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def copy_tree(target: Path) -> None:
    for name in tree_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(copy), env.get("PYTHONPATH")) if p)
    env.setdefault("TANDEM_HYPOTHESIS_EXAMPLES", "5")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_tests(copy: Path, tests: tuple[str, ...], env: dict[str, str]) -> tuple[int, str]:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    tail = (done.stdout.strip().splitlines() or [""])[-1]
    return done.returncode, tail


def has_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgresql", "postgres:"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="only", help="only the bugs whose id contains this")
    parser.add_argument("--list", action="store_true", help="list the bugs and stop")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unchanged run")
    options = parser.parse_args()
    mutants = [m for m in MUTANTS if not options.only or options.only in m.id]
    if options.list:
        for m in mutants:
            print(f"{m.id:34} {m.path:38} {m.what}")
        return 0
    postgres = has_postgres()
    with tempfile.TemporaryDirectory(prefix="tandem-probe-") as folder:
        copy = Path(folder)
        copy_tree(copy)
        env = environment(copy)
        where = subprocess.run(
            [sys.executable, "-c", "import storage, bot, adapters; print(storage.__file__)"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert where.startswith(str(copy)), f"the copy is not what runs: {where}"
        for m in mutants:  # every edit must still apply to today's code
            count = (copy / m.path).read_text().count(m.old)
            if count != 1:
                print(f"{m.id}: its text is found {count} times in {m.path}; update the probe")
                return 2
        if not options.no_baseline:
            selected = sorted({t for m in mutants for t in m.tests})
            started = time.monotonic()
            status, tail = run_tests(copy, tuple(selected), env)
            print(f"baseline (unchanged tree): {tail}  [{time.monotonic() - started:.0f} s]")
            if status != 0:
                print("the tests fail without any bug planted: fix that first")
                return 2
        results: list[tuple[Mutant, str, str]] = []
        for m in mutants:
            if m.needs_postgres and not postgres:
                results.append((m, "skipped", "needs PostgreSQL in DATABASE_URL"))
                print(f"{'skipped':9} {m.id}")
                continue
            path = copy / m.path
            original = path.read_text()
            path.write_text(original.replace(m.old, m.new, 1))
            started = time.monotonic()
            try:
                status, tail = run_tests(copy, m.tests, env)
            finally:
                path.write_text(original)
            verdict = {0: "SURVIVED", 1: "caught"}.get(status, f"error {status}")
            results.append((m, verdict, tail))
            print(f"{verdict:9} {m.id:34} {tail}  [{time.monotonic() - started:.0f} s]")
    caught = sum(v == "caught" for _, v, _ in results)
    survived = [m for m, v, _ in results if v == "SURVIVED"]
    errors = [m for m, v, _ in results if v.startswith("error")]
    skipped = sum(v == "skipped" for _, v, _ in results)
    print()
    print(f"caught {caught} of {len(results) - skipped} planted bugs", end="")
    print(f" ({skipped} skipped without PostgreSQL)" if skipped else "")
    for m in survived:
        print(f"  survived: {m.id}: {m.what} ({m.path})")
    for m in errors:
        print(f"  error (not a test failure; the run broke): {m.id}")
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main())
