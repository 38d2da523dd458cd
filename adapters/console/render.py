"""Render the core's neutral replies as terminal text."""

from __future__ import annotations

import textwrap
from pathlib import Path

from adapters.charts import save_png
from bot.replies import Audience, Reply

_WHO = {
    Audience.ASKER: "only you see this",
    Audience.CHANNEL: "to the channel",
    Audience.DM: "direct message",
    Audience.THREAD: "in the thread",
    Audience.POST: "a new post,",
    Audience.SPACE: "the space",
}


def render(
    reply: Reply,
    width: int = 88,
    recipient: str | None = None,
    chart_dir: Path | None = None,
    owner: str = "console:",
    space: str | None = None,
) -> str:
    """One reply as readable text: who sees it, the text, sections, buttons, attachment;
    a chart is drawn into a new PNG file of `owner` (the reader's person reference),
    mode 0600, whose path is printed (the console removes it when it exits)."""
    thread = reply.thread.name if reply.thread is not None else ""
    if space is not None:  # a learning group's space: its members read it
        who = f"{_WHO[reply.audience]} {thread} in {space}"
    elif reply.audience in (Audience.THREAD, Audience.POST):  # everyone in the space reads it
        who = f"{_WHO[reply.audience]} {thread}"
    else:
        who = _WHO[reply.audience] + (f" to {recipient}" if recipient else "")
    lines = [f"tandem ({who}): {'! ' if reply.is_error else ''}{reply.text}"]
    for section in reply.sections:
        if section.title:
            lines.append(f"  ▸ {section.title}")
        for paragraph in section.text.splitlines():
            lines.extend(
                textwrap.wrap(paragraph, width, initial_indent="    ", subsequent_indent="    ")
                or [""]
            )
        for field in section.fields:
            lines.append(f"    {field.label}")
            lines.extend(
                textwrap.wrap(
                    field.value, width, initial_indent="        ", subsequent_indent="        "
                )
            )
    if reply.next_step:
        lines.extend(
            textwrap.wrap(reply.next_step, width, initial_indent="    ", subsequent_indent="    ")
        )
    for button in reply.buttons:
        lines.append(f"  [{button.label}]  type: /learn {button.command}")
    if reply.attachment is not None:
        lines.append(f"  --- {reply.attachment.filename} ---")
        lines.append(reply.attachment.content)
        lines.append(f"  --- end of {reply.attachment.filename} ---")
    if reply.chart is not None:
        path = save_png(reply.chart, owner, chart_dir)
        lines.append(f"  picture: {path}")
    return "\n".join(lines)
