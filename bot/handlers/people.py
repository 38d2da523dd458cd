"""Finding the person a command names (`@ana`), and who accompanies whom."""

from __future__ import annotations

import re

from bot import privacy
from bot.domain import Identity, Person, Platform
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _
from bot.replies import Reply
from bot.wording import together

# What a platform's own user id looks like, as an adapter puts it in a line: a mention of
# someone who never used Tandem yet still names them, so they can be asked (a manager).
_USER_ID = {
    Platform.SLACK: re.compile(r"[UW][A-Z0-9]{2,20}"),
    Platform.DISCORD: re.compile(r"\d{15,21}"),
    Platform.CONSOLE: re.compile(r"[^\s:@]{1,64}"),  # a console name is its own id
    Platform.MATRIX: re.compile(r"@[^\s:@]{1,255}:[^\s@]{1,255}"),  # @user:server
}


def find(ctx: Context, wanted: str) -> Person | None:
    """The one person in the asker's workspace with that user id or display name."""
    found = ctx.uow.people.find_in_workspace(ctx.asker.identity, wanted)
    if len(found) > 1:
        raise UserError(
            _("Several people are called {name}; mention the one you mean.").format(
                name=wanted[:40]
            )
        )
    return found[0] if found else None


def named(ctx: Context, wanted: str, newcomers: list[str] | None = None) -> Person:
    """The person `wanted` names; someone the platform's mention identifies but who never
    used Tandem is registered, so a message can reach them.

    On the console a name is its own id and there is no directory to ask: a name never
    seen before is registered too (so one person can try the journey alone), and its
    display name is added to `newcomers` for the answer to say so (`newcomers_note`),
    so a typo shows at once. A name no console name can be is refused."""
    profile = ctx.mentioned.get(wanted)
    person = find(ctx, wanted)
    if person is not None:
        if profile is not None and person.display_name == person.identity.user_id:
            person.display_name = profile.display_name  # named by a mention before: now known
            ctx.uow.people.update(person)
        return person
    platform = ctx.asker.identity.platform
    if not _USER_ID[platform].fullmatch(wanted):
        if platform is Platform.CONSOLE:
            raise UserError(
                _(
                    "No one can be called @{name} here: a console name is one word "
                    "without spaces, ':' or '@'."
                ).format(name=wanted[:40])
            )
        raise UserError(
            _("I can't find {name}. Mention them with @ so I know who you mean.").format(
                name=wanted[:40]
            )
        )
    person = ctx.uow.people.add(
        Person(
            identity=Identity(platform, ctx.asker.identity.workspace, wanted),
            display_name=(profile.display_name if profile else None) or wanted,
            timezone=(profile.timezone if profile else None) or ctx.policy.default_timezone,
            # none said: "" (the deployment's language then, also after TANDEM_LOCALE changes)
            locale=(profile.locale if profile else None) or "",
            created_at=ctx.now,
        )
    )
    if platform is Platform.CONSOLE and newcomers is not None:
        newcomers.append(person.display_name)
    return person


def newcomers_note(names: list[str]) -> str:
    """What an answer says of console names Tandem had never seen (`named`)."""
    if not names:
        return ""
    if len(names) == 1:
        return _("{name} is new to Tandem here: they join by typing `/as {name}`.").format(
            name=names[0]
        )
    return _(
        "{names} are new to Tandem here: each joins by typing `/as` and their name, "
        "e.g. `/as {first}`."
    ).format(names=together(names), first=names[0])


def with_newcomers(replies: list[Reply], names: list[str]) -> list[Reply]:
    """The replies, the first saying which console names are new (`newcomers_note`)."""
    note = newcomers_note(names)
    if not note or not replies:
        return replies
    first = replies[0]
    return [first.model_copy(update={"text": f"{first.text} {note}"}), *replies[1:]]


def no_one_called(wanted: str) -> str:
    name = wanted.removeprefix("@")[:40]
    return _(
        "I know no one called @{name} here. Mention them with @ so the platform says who "
        "they are, or ask them to write to me first."
    ).format(name=name)


def known(ctx: Context, wanted: str) -> Person:
    """The person `wanted` names, where a command needs someone already there (the
    learner a tutor accompanies, people in a proposal): someone who has used Tandem, or
    whom the platform's mention identifies (its profile, then registered as `named`
    does). A name neither knows (a typo: `--of @nobody`) creates no one."""
    if find(ctx, wanted) is None and wanted not in ctx.mentioned:
        raise UserError(no_one_called(wanted))
    return named(ctx, wanted)


def tutors_learner(ctx: Context, learner_id: int) -> bool:
    """True if the asker accompanies `learner_id` as their tutor in some cohort."""
    return ctx.asker.id in privacy.relations(ctx.uow, learner_id).tutors


NOT_YOUR_LEARNER = N_(
    "You see the goals, assessments and progress of the learners you accompany as their "
    "tutor, and only theirs."
)


def not_your_learner() -> str:
    """The refusal of a learner's goals to anyone not their tutor, in the asker's
    language: the same whether or not the learner exists (every path gives this one)."""
    return _(NOT_YOUR_LEARNER)


def learner_for_tutor(ctx: Context, wanted: str) -> Person:
    """The learner `wanted` names, if the asker is their tutor; otherwise the same refusal
    whether or not such a person exists, so a question reveals nothing."""
    learner = find(ctx, wanted)
    if learner is None or learner.id is None or not tutors_learner(ctx, learner.id):
        raise UserError(not_your_learner())
    return learner
