"""Help and usage, per role, made from a command table: every verb the asker's roles
may use, with its values and options, and the other words that work; in the language
spoken (German help shows the German command words first and names the English ones)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Role
from bot.grammar.convert import fold, german
from bot.grammar.spec import Group, Table, Verb
from bot.i18n import N_, _
from bot.replies import Field, Reply, Section

ROLE_ORDER = (Role.TUTOR, Role.MANAGER, Role.FACILITATOR)
ROLE_NAMES = {
    Role.LEARNER: N_("learner"),
    Role.TUTOR: N_("tutor"),
    Role.MANAGER: N_("manager"),
    Role.FACILITATOR: N_("facilitator"),
}
ROLE_TITLES = {
    Role.TUTOR: N_("As a tutor"),
    Role.MANAGER: N_("As a manager"),
    Role.FACILITATOR: N_("As a facilitator"),
}
OTHER_WORDS = N_("Other words that work")
UMLAUTS = N_("Instead of ä, ö, ü and ß you may type ae, oe, ue and ss.")
# The placeholders of usage lines, translated where shown (`<text>`: `<Text>`).
PLACEHOLDERS = (
    N_("<case>"),
    N_("<cohort>"),
    N_("<command>"),
    N_("<competence>"),
    N_("<date>"),
    N_("<days>"),
    N_("<method>"),
    N_("<milestone> [| <how you will know>]"),
    N_("<name>"),
    N_("<note>"),
    N_("<question>"),
    N_("<reason>"),
    N_("<reflection>"),
    N_("<takeaway>"),
    N_("<task>"),
    N_("<team>"),
    N_("<text>"),
    N_("<title> | <experience>"),
    N_("<why>"),
    N_("<zone>"),
    N_("@learner"),
    N_("@manager"),
    N_("<cohort number>"),
)


def label(group: Group, verb: Verb) -> str:
    """`/learn diary show <n>`: the words and the positional values."""
    parts = [group.word_shown(), *verb.words_shown(), *(p.shown() for p in verb.positionals)]
    return "/learn " + " ".join(p for p in parts if p)


def value(verb: Verb) -> str:
    """What the verb does, then its options."""
    text = _(verb.help)
    for param in verb.params:
        if not param.positional:
            text += f"; `{param.shown().strip('[]')}`: {_lower(_(param.help))}"
    return text


def _lower(text: str) -> str:
    """A description as the middle of a sentence (`YYYY-MM-DD` stays as it is; German
    keeps its capitals)."""
    if german():
        return text
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def field(group: Group, verb: Verb) -> Field:
    return Field(label=label(group, verb), value=value(verb))


def for_roles(verb: Verb, roles: Iterable[Role]) -> bool:
    return bool(verb.roles & set(roles))


def aliases(table: Table) -> str:
    """`check-in`, `checkins` for `checkin`; `ok`, `accept` for `agree yes`; ... In
    German the German word leads and the others, English among them, follow:
    `diary` für `tagebuch`; `show` für `tagebuch zeigen`."""
    said = []
    for group in table.groups:
        others = _others(group.words, group.english, group.word_shown())
        if others:
            said.append(_for(others, group.word_shown()))
        seen: set[tuple[str, ...]] = set()
        for verb in group.verbs:
            shown_words = verb.words_shown()
            for i, words in enumerate(verb.words):
                path = (group.word_shown(), *shown_words[: i + 1])
                others = _others(words, verb.english[i], shown_words[i])
                if others and path not in seen:
                    seen.add(path)
                    said.append(_for(others, " ".join(path)))
    if german():  # the options' English names: `--share` für `--teilen`
        options = {}
        for _group, verb in table.verbs():
            options.update({p.de: p.option for p in verb.params if p.option and p.de})
        said += [_for((f"--{english}",), f"--{name}") for name, english in options.items()]
        return "; ".join(said) + ". " + _(UMLAUTS)
    return "; ".join(said) + "."


def _others(words: tuple[str, ...], english: tuple[str, ...], first: str) -> tuple[str, ...]:
    """The words besides the one shown: in English the English aliases, in German
    every other word (the English ones too)."""
    if not german():
        return tuple(w for w in english if w != first)
    umlauts = {fold(w) for w in words if fold(w) != w}  # `loeschen`: said once for all
    return tuple(w for w in words if w != first and w not in umlauts)


def _for(words: tuple[str, ...], command: str) -> str:
    return _("{words} for `{command}`").format(words=_words(words), command=command)


def _words(words: Iterable[str]) -> str:
    return ", ".join(f"`{w}`" for w in words)


def help_replies(table: Table, roles: set[Role], topic: str | None = None) -> list[Reply]:
    ordered = ", ".join(_(ROLE_NAMES[r]) for r in Role if r in roles)
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
    sections = [Section(title=_("What you can do"), text="", fields=tuple(mine))]
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
            sections.append(
                Section(
                    title=_(ROLE_TITLES[role]), text=_(note) if note else "", fields=tuple(extra)
                )
            )
    sections.append(Section(title=_(OTHER_WORDS), text=aliases(table)))
    return [
        Reply(
            text=_(
                "Tandem helps you learn in your work. Your roles: {roles}. "
                "`/learn help <command>` shows one command in full."
            ).format(roles=ordered),
            sections=tuple(sections),
        )
    ]


def topic_reply(group: Group, roles: set[Role]) -> Reply:
    """`/learn <word> help`: each of the word's verbs with its usage and its values."""
    fields = []
    for verb in group.verbs:
        if not for_roles(verb, roles | {Role.LEARNER}):
            continue
        described = [_(verb.help) + (f". {_(verb.more)}" if verb.more else "")]
        described += [f"`{p.placeholder_shown()}`: {_lower(_(p.help))}" for p in verb.positionals]
        described += [
            f"`{p.shown().strip('[]')}`: {_lower(_(p.help))}" for p in verb.params if p.option
        ]
        fields.append(Field(label=f"/learn {group.usage_of(verb)}", value="\n".join(described)))
    others = _others(group.words, group.english, group.word_shown())
    summary = _lower(_(group.summary))
    if others:
        text = _("`/learn {command}` (also {others}): {summary}.").format(
            command=group.word_shown(), others=_words(others), summary=summary
        )
    else:
        text = _("`/learn {command}`: {summary}.").format(
            command=group.word_shown(), summary=summary
        )
    return Reply(
        text=text,
        sections=(Section(title=f"/learn {group.word_shown()}", text="", fields=tuple(fields)),),
    )
