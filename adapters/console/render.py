"""Render the core's neutral replies as terminal text, in the language being spoken
(`bot.i18n.speaking`: the reader's, set by whoever calls)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from adapters.chart_files import write_chart_file
from adapters.charts import save_png
from adapters.invites import filename, ics_bytes
from adapters.report import filename as report_filename
from adapters.report import render as render_report
from bot.i18n import N_, _
from bot.replies import Audience, Reply

_WHO = {
    Audience.ASKER: N_("only you see this"),
    Audience.CHANNEL: N_("to the channel"),
    Audience.DM: N_("direct message"),
    Audience.THREAD: N_("in the thread"),
    Audience.POST: N_("a new post,"),
    Audience.SPACE: N_("the space"),
}


def who(audience: Audience) -> str:
    """Who reads a reply, as the console says it in front of the text."""
    return _(_WHO[audience])


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
    mode 0600, whose path is printed (the console removes it when it exits); a calendar
    invite is written the same way, as an .ics file."""
    thread = reply.thread.name if reply.thread is not None else ""
    audience = who(reply.audience)
    if space is not None:  # a learning group's space: its members read it
        readers = _("{who} {thread} in {space}").format(who=audience, thread=thread, space=space)
    elif reply.audience in (Audience.THREAD, Audience.POST):  # everyone in the space reads it
        readers = f"{audience} {thread}"
    elif recipient:
        readers = _("{who} to {recipient}").format(who=audience, recipient=recipient)
    else:
        readers = audience
    lines = [f"tandem ({readers}): {'! ' if reply.is_error else ''}{reply.text}"]
    for section in reply.sections:
        if section.title:
            lines.append(f"  ▸ {section.title}")
        for paragraph in section.text.splitlines():
            lines.extend(
                textwrap.wrap(paragraph, width, initial_indent="    ", subsequent_indent="    ")
                or [""]
            )
        if section.place is not None:  # where it is: the console's post of that name
            lines.append(f"    → {section.place.name}")
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
        lines.append(
            _("  [{label}]  type: /learn {command}").format(
                label=button.label, command=button.command
            )
        )
    if reply.attachment is not None:
        lines.append(f"  --- {reply.attachment.filename} ---")
        lines.append(reply.attachment.content)
        lines.append(_("  --- end of {filename} ---").format(filename=reply.attachment.filename))
    if reply.chart is not None:
        path = save_png(reply.chart, owner, chart_dir)
        lines.append(_("  picture: {path}").format(path=path))
    if reply.invite is not None:  # kept like a picture: the reader's own, erased by forget
        path = write_chart_file(owner, filename(reply.invite), ics_bytes(reply.invite), chart_dir)
        lines.append(_("  calendar invite: {path}").format(path=path))
    if reply.report is not None:  # the HTML report, a file of the reader's (mode 0600)
        data = render_report(reply.report, "html")
        name = report_filename(reply.report, "html")
        report = write_chart_file(owner, name, data, chart_dir)
        lines.append(_("  report: {path}").format(path=report))
    return "\n".join(lines)
