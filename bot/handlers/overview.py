"""`/learn help`: what the asker can do, for the roles they hold."""

from __future__ import annotations

from bot.commands import PLANNED_WORDS, Help, NotYetAvailable
from bot.domain import Role
from bot.handlers.context import Context
from bot.replies import Field, Reply, Section

_LEARNER_COMMANDS = (
    Field(
        label="/learn diary <text>",
        value="write a diary entry; `#tags` link competences; "
        "`--share partner|group|tutor` widens who sees it (private by default)",
    ),
    Field(
        label="/learn diary",
        value="your latest entries, numbered, ten to a page; `diary --page 2` the ten before",
    ),
    Field(
        label="/learn diary show <n>",
        value="entry n in full; `diary edit <n> <text>` corrects it (who sees it stays), "
        "`diary delete <n>` deletes it after you confirm",
    ),
    Field(
        label="/learn diary --of @name",
        value="entries someone has shared with you; `diary show <n> --of @name` one in full",
    ),
    Field(label="/learn checkin", value="your check-in schedule and the next three times"),
    Field(
        label="/learn checkin every mon,thu 09:00",
        value="check-ins at your local time; `pause 2w`, `pause until 2027-01-07`, `resume`, "
        "`off`, `now`, `tz Europe/Berlin`",
    ),
    Field(
        label="/learn checkin answer <text>",
        value="answer the open check-in (or just reply in the DM); `skip`, `snooze 2h`",
    ),
    Field(
        label="/learn assess",
        value="rate yourself on each value and competence, five at a time; go on later",
    ),
    Field(
        label="/learn goals",
        value="your development goals; `comment <n> <text>`, `reached <n>`, `drop <n> <why>`; "
        "`goals add <competence> 2→4 <why> [--by 2027-06-30]`",
    ),
    Field(
        label="/learn agree @manager <task>",
        value="propose a practical task serving your goals to your manager; "
        "`/learn agree` lists yours, `agree revise <n> <task>` changes one",
    ),
    Field(label="/learn progress", value="your assessments against your goals, with a chart"),
    Field(
        label="/learn plan",
        value="your milestones; `plan add 2027-02-15 <milestone> | <how you will know> "
        "[--goal 1]`, `plan commit`, `plan done <n> <what you learned>`",
    ),
    Field(
        label="/learn advice <case>",
        value="a colleague-advice round in your learning group's thread; in a round: "
        "`advice say <idea>`, `next`, `moderator`, `key <question>`, `method`, "
        "`helped 2,5 <takeaway>`, `pause`, `cancel`, `file`",
    ),
    Field(
        label="/learn partner / group",
        value="who you learn with; `partner not-with @name` keeps you apart from someone",
    ),
    Field(
        label="/learn cop",
        value="communities of practice; `cop join <name>`, `cop leave <name>`, "
        "`cop share <name> <title> | <experience>` (posted there, filed in your diary), "
        "`cop posts <name>`",
    ),
    Field(label="/learn privacy", value="who sees what; `export` your data or `forget` it"),
    Field(label="/learn help", value="this overview"),
)

_ROLE_NOTES = {
    Role.TUTOR: "As a tutor you read the entries your learners share with their tutor; "
    "`/learn goals --of @learner` shows their goals and assessments, `goals add @learner ...` "
    "records a goal with them, `progress --of @learner` their progress, `cohort report` "
    "how each of them is doing.",
    Role.MANAGER: "As a manager you answer practical tasks with Agree, Ask for changes or "
    "Decline (`/learn agree` lists them); you never see anyone's diary.",
    Role.FACILITATOR: "As a facilitator you run cohorts: `/learn cohort open <name>`, "
    "`cohort invite @a @b`, `cohort add @person learner|tutor|manager [--of @learner]`, "
    "`cohort pair`, `cohort groups`, `cohort swap @a @b`, `cohort confirm pairs|groups`, "
    "`cohort report`, `cohort kickoff`, `cohort close`; `/learn cop open <name>` in a "
    "channel (on Discord a forum) opens a community of practice there.",
}


def show_help(ctx: Context, command: Help) -> list[Reply]:
    roles = ctx.roles()
    ordered = [r.value for r in Role if r in roles]
    sections = [Section(title="What you can do", text="", fields=_LEARNER_COMMANDS)]
    notes = [note for role, note in _ROLE_NOTES.items() if role in roles]
    if notes:
        sections.append(Section(title="Your roles", text="\n".join(notes)))
    if PLANNED_WORDS:
        sections.append(
            Section(
                title="Coming in later versions", text=", ".join(f"`{w}`" for w in PLANNED_WORDS)
            )
        )
    return [
        Reply(
            text=f"Tandem helps you learn in your work. Your roles: {', '.join(ordered)}.",
            sections=tuple(sections),
        )
    ]


def not_yet_available(ctx: Context, command: NotYetAvailable) -> list[Reply]:
    return [
        Reply(
            text=f"`/learn {command.word}` is not available in this version yet. "
            "Type `/learn help` to see what works today."
        )
    ]
