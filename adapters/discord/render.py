"""Render the core's neutral replies as Discord messages, within Discord's limits.

A message holds at most 2,000 characters of content and 10 embeds, whose text together
stays under 6,000 characters; an embed has at most 25 fields (name 256, value 1,024),
a title of 256 and a description of 4,096; 5 rows of 5 buttons, a custom_id of at most
100 characters. Longer replies are split across messages, never cut off by Discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from adapters.invites import filename, ics_bytes
from bot.replies import Button, ButtonStyle, Reply, Section

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
DESCRIPTION = 4096
TITLE = 256
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
BUTTONS = 25
CUSTOM_ID = 100
RUN_PREFIX = "tandem:run:"  # custom_id of a button that runs the /learn command after it


@dataclass
class DiscordMessage:
    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    file: tuple[str, bytes] | None = None  # filename, content

    def embed_chars(self) -> int:
        return sum(len(e) for e in self.embeds)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, a line or a space where
    one is near, so words stay whole; nothing is dropped."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(
            text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit)
        )
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ") if cut < limit else text[cut:]
    return [*pieces, text] if text or not pieces else pieces


def custom_id(button: Button) -> str | None:
    """The button's persistent id: the command itself, so no state is kept; None if the
    command is too long to fit (such a button is left out)."""
    value = RUN_PREFIX + button.command
    return value if len(value) <= CUSTOM_ID else None


def _embeds(section: Section) -> list[discord.Embed]:
    """The section as embeds: its text in descriptions of at most 4,096 characters, its
    fields 25 at most to an embed, and no embed over the 6,000 a message allows."""
    title = (section.title or "")[:TITLE] or None
    texts = split_text(section.text, DESCRIPTION) if section.text else [""]
    embeds = [discord.Embed(title=title, description=text or None) for text in texts]
    if section.url and title:  # the title links to where it is (a community's post)
        embeds[0].url = section.url
    # The last embed's field count and length, kept here: discord.py's `len(embed)` and
    # `embed.fields` walk (and wrap) every field, which made a long section quadratic.
    count, length = 0, len(embeds[-1])
    for item in section.fields:
        name = item.label[:FIELD_NAME] or "-"
        value = (
            item.value if len(item.value) <= FIELD_VALUE else item.value[: FIELD_VALUE - 1] + "…"
        ) or "-"
        if count == FIELDS or length + len(name) + len(value) > EMBED_TOTAL:
            embeds.append(discord.Embed())
            count, length = 0, 0
        embeds[-1].add_field(name=name, value=value, inline=False)
        count, length = count + 1, length + len(name) + len(value)
    return embeds


def messages(
    reply: Reply, chart_png: bytes | None = None, report: tuple[str, bytes] | None = None
) -> list[DiscordMessage]:
    """The reply as the messages it takes: text first, then embeds packed within limits,
    the attachment as a file, the chart (drawn as `chart_png`) as a picture, the cohort
    report (its file name and bytes) as a file, a calendar invite as an .ics file, the
    buttons on the last message."""
    out = [DiscordMessage(content=part) for part in split_text(reply.text, CONTENT)]
    current, chars = out[-1], 0  # the current message's embed characters
    for section in reply.sections:
        for embed in _embeds(section):
            size = len(embed)
            if len(current.embeds) == EMBEDS or chars + size > EMBED_TOTAL:
                current, chars = DiscordMessage(), 0
                out.append(current)
            current.embeds.append(embed)
            chars += size
    if reply.next_step:  # last: the last embed's footer, or the end of the text
        last = out[-1]
        if last.embeds and last.embed_chars() + len(reply.next_step) <= EMBED_TOTAL:
            last.embeds[-1].set_footer(text=reply.next_step[:2048])
        elif len(last.content or "") + len(reply.next_step) + 2 <= CONTENT:
            last.content = (
                f"{last.content}\n\n{reply.next_step}" if last.content else reply.next_step
            )
        else:
            out.append(DiscordMessage(content=reply.next_step[:CONTENT]))
    if reply.attachment is not None:
        out[-1].file = (reply.attachment.filename, reply.attachment.content.encode())
    if reply.chart is not None and chart_png is not None:
        if out[-1].file is not None:
            out.append(DiscordMessage(content=reply.chart.title))
        out[-1].file = (reply.chart.filename, chart_png)
    if reply.invite is not None:  # the calendar invite as an .ics file
        if out[-1].file is not None:
            out.append(DiscordMessage(content=reply.invite.summary[:CONTENT]))
        out[-1].file = (filename(reply.invite), ics_bytes(reply.invite))
    if reply.report is not None and report is not None:
        if out[-1].file is not None:
            out.append(DiscordMessage(content=reply.report.cohort_name))
        out[-1].file = report
    out[-1].buttons = [b for b in reply.buttons if custom_id(b) is not None][:BUTTONS]
    return out


def view_for(buttons: list[Button]) -> discord.ui.View | None:
    """A persistent view (no timeout) with the buttons; call inside the bot's event loop."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    styles = {
        ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
        ButtonStyle.DANGER: discord.ButtonStyle.danger,
        ButtonStyle.DEFAULT: discord.ButtonStyle.secondary,
    }
    for i, button in enumerate(buttons):
        view.add_item(
            discord.ui.Button(
                label=button.label[:80],
                custom_id=custom_id(button),
                style=styles[button.style],
                row=i // 5,
            )
        )
    return view
