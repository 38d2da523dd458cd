"""Help and usage, per role, made from a command table: every verb the asker's roles
may use, with its values and options, and the other words that work."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Role
from bot.grammar.spec import Group, Table, Verb
from bot.replies import Field, Reply, Section

ROLE_ORDER = (Role.TUTOR, Role.MANAGER, Role.FACILITATOR)


def label(group: Group, verb: Verb) -> str:
    """`/learn diary show <n>`: the words and the positional values."""
    parts = [group.word, *(w[0] for w in verb.words), *(p.shown() for p in verb.positionals)]
    return "/learn " + " ".join(p for p in parts if p)


def value(verb: Verb) -> str:
    """What the verb does, then its options."""
    text = verb.help
    for param in verb.params:
        if not param.positional:
            text += f"; `{param.shown().strip('[]')}`: {_lower(param.help)}"
    return text


def _lower(text: str) -> str:
    """A description as the middle of a sentence (`YYYY-MM-DD` stays as it is)."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def field(group: Group, verb: Verb) -> Field:
    return Field(label=label(group, verb), value=value(verb))


def for_roles(verb: Verb, roles: Iterable[Role]) -> bool:
    return bool(verb.roles & set(roles))


def aliases(table: Table) -> str:
    """`check-in`, `checkins` for `checkin`; `ok`, `accept` for `agree yes`; ..."""
    said = []
    for group in table.groups:
        if len(group.words) > 1:
            said.append(f"{_words(group.words[1:])} for `{group.word}`")
        seen: set[tuple[str, ...]] = set()
        for verb in group.verbs:
            for i, words in enumerate(verb.words):
                path = (group.word, *(w[0] for w in verb.words[: i + 1]))
                if len(words) > 1 and path not in seen:
                    seen.add(path)
                    said.append(f"{_words(words[1:])} for `{' '.join(path)}`")
    return "; ".join(said) + "."


def _words(words: Iterable[str]) -> str:
    return ", ".join(f"`{w}`" for w in words)


def help_replies(table: Table, roles: set[Role], topic: str | None = None) -> list[Reply]:
    ordered = ", ".join(r.value for r in Role if r in roles)
    if topic is not None:
        group = table.group(topic)
        if group is not None:
            return [topic_reply(group, roles)]
    shown: set[int] = set()
    mine = []
    for group, verb in table.verbs():
        if Role.LEARNER in verb.roles:
            mine.append(field(group, verb))
            shown.add(id(verb))
    sections = [Section(title="What you can do", text="", fields=tuple(mine))]
    for role in ROLE_ORDER:
        if role not in roles:
            continue
        extra = []
        for group, verb in table.verbs():
            if role in verb.roles and id(verb) not in shown:
                extra.append(field(group, verb))
                shown.add(id(verb))
        note = table.role_notes.get(role, "")
        if extra or note:
            sections.append(Section(title=f"As a {role.value}", text=note, fields=tuple(extra)))
    sections.append(Section(title="Other words that work", text=aliases(table)))
    return [
        Reply(
            text=f"Tandem helps you learn in your work. Your roles: {ordered}. "
            "`/learn help <command>` shows one command in full.",
            sections=tuple(sections),
        )
    ]


def topic_reply(group: Group, roles: set[Role]) -> Reply:
    """`/learn <word> help`: each of the word's verbs with its usage and its values."""
    fields = []
    for verb in group.verbs:
        if not for_roles(verb, roles | {Role.LEARNER}):
            continue
        described = [verb.help + (f". {verb.more}" if verb.more else "")]
        described += [f"`{p.placeholder}`: {_lower(p.help)}" for p in verb.positionals]
        described += [
            f"`{p.shown().strip('[]')}`: {_lower(p.help)}" for p in verb.params if p.option
        ]
        fields.append(Field(label=f"/learn {group.usage_of(verb)}", value="\n".join(described)))
    others = _words(group.words[1:])
    also = f" (also {others})" if others else ""
    return Reply(
        text=f"`/learn {group.word}`{also}: {_lower(group.summary)}.",
        sections=(Section(title=f"/learn {group.word}", text="", fields=tuple(fields)),),
    )
