"""Forms on Matrix, as on the console: a short sequence of prompts in the direct room.

Each input is asked in a message of its own and each answer checked as it is given (a
refused one is asked again); `-` skips an optional input; `/cancel` (or `!cancel`)
leaves the form, and a `!learn` command leaves it to run that command. Then the form is
submitted; a value the rules refuse at submission is asked again, keeping the others.
What is being filled is kept in this process only: a restart forgets a half-filled
form (nothing of it was saved), and the person starts it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.forms import check_field
from bot.i18n import _
from bot.replies import Form, FormInput

SKIP = "-"
CANCEL = ("/cancel", "!cancel")


@dataclass
class Filling:
    form: Form
    room: str
    asking: list[FormInput]
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: Form, room: str) -> Filling:
        return cls(form, room, list(form.inputs))

    def intro(self) -> str:
        return _(
            "{title}: answer each question in a message of its own; - skips an optional "
            "one, /cancel leaves the form."
        ).format(title=self.form.title)

    def prompt(self) -> str:
        asked = self.asking[0]
        hint = " / ".join(asked.options)
        if not asked.required:
            hint = f"{hint}; - " + _("skips") if hint else _("optional, - skips")
        return f"{asked.label}{f' ({hint})' if hint else ''}:"

    def take(self, answer: str) -> str | None:
        """Take the answer to the input being asked; what is wrong with it, or None."""
        asked = self.asking[0]
        if answer == SKIP:
            if asked.required:
                return _("This one needs an answer (or /cancel).")
            self.values.pop(asked.name, None)
        else:
            problem = check_field(self.form.form_id, asked.name, answer)
            if problem is not None:
                return _("{problem} Try again (or /cancel).").format(problem=problem)
            self.values[asked.name] = answer
        self.asking.pop(0)
        return None

    def ask_again(self, name: str) -> bool:
        """Ask the input `name` again (refused at submission); False if there is none."""
        self.asking = [i for i in self.form.inputs if i.name == name]
        return bool(self.asking)
