"""`/learn language`: the language Tandem speaks with a person. Chosen, it comes before
the platform's locale (Slack's user setting, Discord's client, the console's `--lang`),
which comes before the deployment's default (`TANDEM_LOCALE`)."""

from __future__ import annotations

from bot.commands import Language
from bot.handlers.context import Context
from bot.i18n import _, language_name, normalize, speaking
from bot.replies import Reply


def _choices() -> str:
    return _("Choose with `/learn language de` (Deutsch) or `/learn language en` (English).")


def language(ctx: Context, command: Language) -> list[Reply]:
    """`/learn language`: shows; `/learn language de|en`: chooses."""
    return show(ctx) if command.language is None else choose(ctx, command.language)


def show(ctx: Context) -> list[Reply]:
    """Which language the asker reads, where it comes from, and how to change it."""
    language = ctx.policy.language_of(ctx.asker)
    name = language_name(language)
    if normalize(ctx.asker.language) == language:
        said = _("Tandem speaks {language} with you: you chose it.").format(language=name)
    elif normalize(ctx.asker.locale) == language:
        said = _("Tandem speaks {language} with you, the language of your platform.").format(
            language=name
        )
    else:
        said = _("Tandem speaks {language} with you, the default here.").format(language=name)
    return [Reply(text=f"{said} {_choices()}")]


def choose(ctx: Context, chosen: str) -> list[Reply]:
    """The asker's language from now on; the answer is in it already."""
    ctx.asker.language = chosen
    ctx.uow.people.update(ctx.asker)
    with speaking(chosen):
        return [
            Reply(
                text=_("From now on Tandem speaks {language} with you.").format(
                    language=language_name(chosen)
                )
                + " "
                + _choices()
            )
        ]
