"""Render the core's neutral replies as Block Kit, inside Slack's limits.

Built with slack_sdk's block models, whose `to_dict()` checks Slack's limits (text of a
section at most 3,000 characters, 10 fields, 25 elements an actions block, ...); on top
of that a message carries at most 50 blocks and a modal or Home tab 100.

The words Tandem adds itself (notes, "Cancel", "part 2") are in the language being
spoken (`bot.i18n.speaking`: the reader's); a modal keeps that language in its
`private_metadata`, so its submission is checked and answered in it too.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import _, current, ngettext, normalize
from bot.replies import ButtonStyle, Form, Reply

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS = 10
BUTTONS = 25
RUN_ACTION = "tandem:run"  # action_id prefix of every button that runs a /learn command
FORM_CALLBACK = "tandem:form:"  # callback_id prefix of a modal showing a core form


def escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped; everything else shows as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(text: str, limit: int) -> list[str]:
    return [text[i : i + limit] for i in range(0, len(text), limit)] or [""]


def reply_blocks(reply: Reply, limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    blocks: list[Block] = []
    for part in _chunks(escape(reply.text), SECTION_TEXT):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=part)))
    for section in reply.sections:
        body = escape(section.text)
        if section.title:
            title = escape(section.title)
            if section.url:  # a link to where it is (a community's post)
                title = f"<{section.url}|{title.replace('|', '¦')}>"
            body = f"*{title}*\n{body}" if body else f"*{title}*"
        if body.strip():
            blocks.extend(
                SectionBlock(text=MarkdownTextObject(text=part))
                for part in _chunks(body, SECTION_TEXT)
            )
        fields = [
            MarkdownTextObject(text=clip(f"*{escape(f.label)}*\n{escape(f.value)}", FIELD_TEXT))
            for f in section.fields
        ]
        for start in range(0, len(fields), FIELDS):
            blocks.append(SectionBlock(fields=fields[start : start + FIELDS]))
    if reply.next_step:
        step = clip(escape(reply.next_step), SECTION_TEXT)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=step)]))
    if reply.chart is not None:
        note = _("The picture of this is in your direct messages with Tandem.")
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    if reply.attachment is not None:
        name = escape(reply.attachment.filename)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*{name}*")]))
        blocks.extend(_code_blocks(reply.attachment.content))
    buttons = [
        ButtonElement(
            text=PlainTextObject(text=clip(button.label, 75)),
            action_id=f"{RUN_ACTION}:{i}",
            value=clip(button.command, 2000),
            style=None if button.style is ButtonStyle.DEFAULT else button.style.value,
        )
        for i, button in enumerate(reply.buttons)
    ]
    actions = [
        ActionsBlock(elements=buttons[i : i + BUTTONS]) for i in range(0, len(buttons), BUTTONS)
    ]
    room = limit - len(actions)
    if len(blocks) > room:
        dropped = len(blocks) - room + 1
        blocks = blocks[: room - 1]
        more = ngettext(
            "… {n} more part did not fit in one message.",
            "… {n} more parts did not fit in one message.",
            dropped,
        ).format(n=dropped)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return [block.to_dict() for block in [*blocks, *actions]]


def _code_blocks(content: str) -> list[Block]:
    """`content` as code sections: escaped first, then cut, so no section outgrows 3,000
    characters and no escape (`&amp;`) is cut in half."""
    escaped, parts, limit = escape(content), [], SECTION_TEXT - 6
    start = 0
    while start < len(escaped):
        end = min(start + limit, len(escaped))
        cut = escaped.rfind("&", end - 5, end)  # never split inside &amp; &lt; &gt;
        if cut > start and end < len(escaped) and ";" not in escaped[cut:end]:
            end = cut
        parts.append(escaped[start:end])
        start = end
    return [SectionBlock(text=MarkdownTextObject(text=f"```{part}```")) for part in parts or [""]]


def message_pages(reply: Reply) -> list[dict[str, Any]]:
    """A reply with an attachment as as many messages as it takes (each within 50
    blocks): the text first, then the attachment's code sections, page by page."""
    first = reply.model_copy(update={"attachment": None})
    pages = [message(first)]
    assert reply.attachment is not None
    code = [block.to_dict() for block in _code_blocks(reply.attachment.content)]
    per_page = MESSAGE_BLOCKS - 1
    part = _("{filename}, part {number}")
    for number, start in enumerate(range(0, len(code), per_page), 1):
        name = f"*{escape(reply.attachment.filename)}*"
        header = ContextBlock(
            elements=[MarkdownTextObject(text=part.format(filename=name, number=number))]
        ).to_dict()
        pages.append(
            {
                "text": part.format(filename=reply.attachment.filename, number=number),
                "blocks": [header, *code[start : start + per_page]],
            }
        )
    return pages


def message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / respond: fallback text and blocks."""
    return {"text": clip(reply.text, SECTION_TEXT), "blocks": reply_blocks(reply)}


def home_view(reply: Reply) -> dict[str, Any]:
    blocks = [HeaderBlock(text=PlainTextObject(text=clip(reply.text, 150))).to_dict()]
    body = reply.model_copy(update={"text": " "}) if reply.text else reply
    blocks += reply_blocks(body, VIEW_BLOCKS - 1)[1:]
    return View(type="home", blocks=blocks).to_dict()


def modal_view(form: Form) -> dict[str, Any]:
    inputs: list[Block] = []
    for field in form.inputs:
        element: Any
        if field.options:
            # an optional choice starts at its first option (sharing: private); a
            # required one (a level) starts empty, so nothing is suggested
            first = Option(text=PlainTextObject(text=field.options[0]), value=field.options[0])
            element = StaticSelectElement(
                action_id="value",
                options=[Option(text=PlainTextObject(text=o), value=o) for o in field.options],
                initial_option=None if field.required else first,
            )
        else:
            element = PlainTextInputElement(
                action_id="value", multiline=field.multiline, max_length=field.max_length
            )
        inputs.append(
            InputBlock(
                block_id=field.name,
                label=PlainTextObject(text=clip(field.label, 2000)),
                element=element,
                optional=not field.required,
            )
        )
    return View(
        type="modal",
        callback_id=f"{FORM_CALLBACK}{form.form_id}",
        title=PlainTextObject(text=clip(form.title, 24)),
        submit=PlainTextObject(text=clip(form.submit_label, 24)),
        close=PlainTextObject(text=_("Cancel")),
        blocks=inputs,
        private_metadata=current(),  # the language it speaks: its errors speak it too
    ).to_dict()


def modal_language(view: dict[str, Any]) -> str | None:
    """The language a submitted modal was shown in (None for one shown before)."""
    return normalize(str(view.get("private_metadata") or ""))


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """The values of a submitted modal, by input name."""
    values: dict[str, str] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        state = actions.get("value", {})
        selected = state.get("selected_option") or {}
        values[block_id] = state.get("value") or selected.get("value") or ""
    return values
