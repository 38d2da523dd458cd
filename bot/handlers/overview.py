"""What is not a use case of its own: a word planned for a later version. (`/learn help`
is made from the command table itself: bot/grammar/helptext.py.)"""

from __future__ import annotations

from bot.commands import NotYetAvailable
from bot.handlers.context import Context
from bot.i18n import _
from bot.replies import Reply


def not_yet_available(ctx: Context, command: NotYetAvailable) -> list[Reply]:
    return [
        Reply(
            text=_(
                "`/learn {word}` is not available in this version yet. "
                "Type `/learn help` to see what works today."
            ).format(word=command.word)
        )
    ]
