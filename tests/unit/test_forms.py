"""The neutral forms: each input's rule, one answer at a time and a whole submission."""

from __future__ import annotations

from bot.forms import check_field, form_errors


def test_one_answer_is_checked_by_its_inputs_rule():
    assert check_field("milestone", "due_on", "15.02") is not None
    assert check_field("milestone", "due_on", "2027-02-15") is None
    assert check_field("milestone", "evidence", "") is None  # optional, anything goes
    assert check_field("assess", "curiosity", "") == "Choose a level from 1 to 5."
    assert check_field("assess", "curiosity", "4") is None
    assert check_field("diary", "share", "everyone") == "Choose private, partner, group or tutor."
    assert check_field("agree-decline.3.1", "reason", " ") == "Say in a few words why."


def test_a_submission_names_every_refused_input_at_once():
    errors = form_errors("milestone", {"title": "", "due_on": "soon", "goal": "x"})
    assert set(errors) == {"title", "due_on", "goal"}
    assert form_errors("milestone", {"title": "Ship", "due_on": "2027-02-15"}) == {}
    assert form_errors("assess", {}) == {"": "Nothing was rated."}
