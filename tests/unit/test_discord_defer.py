"""The Discord bot defers an answer not ready within QUICK_ANSWER, except for commands
whose answer may be a form: a modal can only be an interaction's first response, so
those wait up to DEFER_AFTER (adapters/discord/bot.py). This checks that list against
the handlers: a handler whose answer can carry a form (`Reply(form=...)`, directly or
through a function of its module or bot/forms.py) handles a command on the list."""

from __future__ import annotations

import ast
from pathlib import Path

from adapters.discord import bot as discord_bot

HANDLERS = Path(__file__).resolve().parents[2] / "bot" / "handlers"
FORM_MAKERS = {"diary_form_reply"}  # bot/forms.py's functions that return a form reply


def makes_a_form(function: ast.FunctionDef, makers: set[str]) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.keyword) and node.arg == "form":
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # noqa: SIM102
            if node.func.id in makers:
                return True
    return False


def commands_answered_with_a_form() -> set[str]:
    found: set[str] = set()
    for path in sorted(HANDLERS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        makers = set(FORM_MAKERS)
        while True:  # the module's own functions that make one, to a fixed point
            more = {f.name for f in functions if makes_a_form(f, makers)} - makers
            if not more:
                break
            makers |= more
        for function in functions:
            if function.name not in makers:
                continue
            for argument in function.args.args:
                if argument.arg == "command" and isinstance(argument.annotation, ast.Name):
                    found.add(argument.annotation.id)
    return found


def test_every_command_that_may_open_a_form_waits_before_it_defers() -> None:
    found = commands_answered_with_a_form()
    assert "Assess" in found and "OpenDiaryForm" in found  # the scan sees the handlers
    assert found <= discord_bot.MAY_OPEN_A_FORM, found - discord_bot.MAY_OPEN_A_FORM


def test_the_list_names_only_commands_that_exist() -> None:
    import bot.commands

    assert all(hasattr(bot.commands, name) for name in discord_bot.MAY_OPEN_A_FORM)


def test_the_quick_answer_leaves_room_for_the_defer_within_100_ms() -> None:
    assert 0 < discord_bot.QUICK_ANSWER <= 0.05 < discord_bot.DEFER_AFTER < 3.0
