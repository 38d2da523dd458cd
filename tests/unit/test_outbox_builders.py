"""What is queued for someone else is built in their language: every call that puts a
message in the outbox (`Scope.notify`, `Scope.send_later`, and `bot.outbox`'s own
`notify` and `queue`) passes a builder (a lambda or a local function), which the scope
runs inside `speaking(<the recipient's language>)`. A prebuilt `Reply` was made in the
language of whoever acted, so a German learner's action would tell an English partner
in German. Checked on the syntax tree of `bot/` and `adapters/`.

A reply without words (a space's membership update: `Reply(text="")`) has no language.
`LEFT_FOR_THE_MERGE` are the modules other helpers changed at the same time (issue 17);
they build their texts inside `speaking(...)` of the recipient and move to builders at
the merge, which empties that list."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = {"bot/scope.py", "bot/outbox.py"}
LEFT_FOR_THE_MERGE: set[str] = set()  # none left: every module builds for its reader
# The colleague-advice round builds each message inside `speaking(<its reader's language>)`
# (a thread post in the group's language, a direct message in its reader's) and hands
# the finished reply to its two local helpers; tests/service/test_german_advice.py's mixed
# group checks each reader's language.
BUILT_IN_THE_READERS_LANGUAGE = {"bot/handlers/advice.py"}
# where the message is, by the call: (positional index, keyword)
METHODS = {"notify": (1, "reply"), "send_later": (0, "reply")}
FUNCTIONS = {"notify": (2, "reply"), "queue": (1, "reply")}  # bot.outbox's: a Reply only
WORDS = {"sections", "buttons", "form", "chart", "attachment", "invite", "next_step"}


def _argument(call: ast.Call, where: tuple[int, str]) -> ast.expr | None:
    index, keyword = where
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _wordless(node: ast.expr) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return False
    if node.func.id != "Reply":
        return False
    keywords = {k.arg: k.value for k in node.keywords}
    text = keywords.get("text")
    return isinstance(text, ast.Constant) and text.value == "" and not WORDS & set(keywords)


def prebuilt_calls(source: str, path: str = "<source>") -> list[str]:
    """The calls in `source` that queue a prebuilt reply (with words), as `path:line`."""
    tree = ast.parse(source)
    functions = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    from_outbox = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "bot.outbox"
        for alias in node.names
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            message = _argument(node, METHODS[func.attr])
            builder_allowed = True
        elif isinstance(func, ast.Name) and func.id in FUNCTIONS and func.id in from_outbox:
            message = _argument(node, FUNCTIONS[func.id])
            builder_allowed = False
        else:
            continue
        if message is None or _wordless(message):
            continue
        built = isinstance(message, ast.Lambda) or (
            isinstance(message, ast.Name) and message.id in functions
        )
        if not (built and builder_allowed):
            found.append(f"{path}:{node.lineno}")
    return found


def test_the_check_tells_a_builder_from_a_prebuilt_reply():
    source = (
        "from bot.outbox import queue\n"
        "def post():\n    return Reply(text='x')\n"
        "ctx.notify(p, Reply(text='x'), key='k')\n"  # 4: prebuilt
        "ctx.notify(p, lambda: Reply(text='x'), key='k')\n"
        "scope.send_later(reply, key='k', kind=k, due_at=t)\n"  # 6: a name, not a builder
        "scope.send_later(post, key='k', kind=k, due_at=t, to=p)\n"
        "queue(uow, Reply(text='', space=s), key='k', kind=k, due_at=t, now=t)\n"  # wordless
        "queue(uow, Reply(text='hello'), key='k', kind=k, due_at=t, now=t)\n"  # 9
    )
    assert prebuilt_calls(source) == ["<source>:4", "<source>:6", "<source>:9"]


def test_what_is_queued_for_someone_is_built_in_their_language():
    found = []
    for folder in ("bot", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name in DEFINITIONS | LEFT_FOR_THE_MERGE | BUILT_IN_THE_READERS_LANGUAGE:
                continue
            found += prebuilt_calls(path.read_text(encoding="utf-8"), name)
    assert not found, (
        "these calls queue a reply built in the actor's language, not the recipient's; "
        f"pass a builder (`lambda: Reply(...)`): {found}"
    )
