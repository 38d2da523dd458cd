"""The core's neutral replies as Matrix message content: a plain `body` and an HTML
`formatted_body` (`org.matrix.custom.html`), in the language being spoken.

Matrix has no buttons: a reply's buttons become numbered reactions. The message lists
them ("1️⃣ Agree"), carries their commands in `CHOICES` (only the bot's own messages are
ever read for it), and the bot adds the reactions itself so a click is one tap; the
first reaction of a person acts, once.
"""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import _
from bot.replies import Reply

CHOICES = "org.tandem.choices"  # the commands of a message's numbered reactions
THREAD = "org.tandem.thread"  # Tandem's name for the thread a message starts
KEYCAPS = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 10))  # 1️⃣ .. 9️⃣
LIMIT = 30_000  # characters of one message's body; Synapse refuses events over 64 KiB


def content(reply: Reply) -> dict[str, Any]:
    """One reply as the content of an `m.room.message` (msgtype `m.notice`: a bot's)."""
    plain: list[str] = [("⚠ " if reply.is_error else "") + reply.text]
    rich: list[str] = [_html(plain[0])]
    for section in reply.sections:
        if section.title:
            plain.append(f"\n{section.title}")
            rich.append(f"<h4>{_html(section.title)}</h4>")
        if section.text:
            plain.append(section.text)
            rich.append(f"<p>{_html(section.text)}</p>")
        if section.fields:
            plain.extend(f"• {field.label}: {field.value}" for field in section.fields)
            rich.append(
                "<ul>"
                + "".join(
                    f"<li><b>{_html(field.label)}</b>: {_html(field.value)}</li>"
                    for field in section.fields
                )
                + "</ul>"
            )
    if reply.next_step:
        plain.append(reply.next_step)
        rich.append(f"<p><i>{_html(reply.next_step)}</i></p>")
    buttons = reply.buttons[: len(KEYCAPS)]
    if buttons:
        plain.append(_("React with a number to choose:"))
        lines = [f"{KEYCAPS[n]} {button.label}" for n, button in enumerate(buttons)]
        plain.extend(lines)
        rich.append(
            f"<p>{_html(_('React with a number to choose:'))}<br>"
            + "<br>".join(_html(line) for line in lines)
            + "</p>"
        )
    if reply.attachment is not None:
        plain.append(f"--- {reply.attachment.filename} ---\n{reply.attachment.content}")
        rich.append(
            f"<p>{_html(reply.attachment.filename)}</p>"
            f"<pre><code>{html.escape(reply.attachment.content)}</code></pre>"
        )
    if reply.chart is not None:  # the picture's words; the picture itself is not uploaded
        plain.append(reply.chart.alt_text)
        rich.append(f"<p>{_html(reply.chart.alt_text)}</p>")
    body = "\n".join(plain)
    formatted = "".join(rich)
    if len(body) > LIMIT:
        body, formatted = body[:LIMIT] + " …", _html(body[:LIMIT] + " …")
    message: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }
    if buttons:
        message[CHOICES] = [button.command for button in buttons]
    return message


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
