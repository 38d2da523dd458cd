"""The `/learn` command table and what is made from it.

- `convert`: typed converters (mention, number, date, duration, wall time, weekdays,
  visibility, rest of line, ...); each raises `CommandError` with a short message.
- `spec`: the declarative pieces: `Param`, `Verb`, `Group`, `Table`.
- `parser`: one line of text in, one command object out, for any table.
- `helptext`: help and usage per role, for any table.
- `table`: THE table: every command declared once, with its handler.

This package's `__init__` imports nothing, so a module may import `bot.grammar.convert`
without pulling in the table (and with it every handler).
"""
