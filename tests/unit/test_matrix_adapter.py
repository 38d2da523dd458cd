"""The Matrix adapter's pure parts: how a typed line reaches the core, references, forms."""

from __future__ import annotations

import pytest

from adapters.matrix.bot import line_of, server_of
from adapters.matrix.forms import Filling
from adapters.matrix.render import CHOICES, KEYCAPS, content
from bot.domain import BadReference, Identity, Platform, parse_ref
from bot.replies import Button, Form, FormInput, Reply


def test_a_command_names_people_by_matrix_id_or_pill():
    plain = {"body": "!learn cohort invite @ana:example.org"}
    assert line_of(plain) == "/learn cohort invite @@ana:example.org"
    pill = {
        "body": "!learn agree Ben run the retro",
        "format": "org.matrix.custom.html",
        "formatted_body": '!learn agree <a href="https://matrix.to/#/@ben:example.org">Ben</a>'
        " run the retro &amp; more",
    }
    assert line_of(pill) == "/learn agree @@ben:example.org run the retro & more"
    assert line_of({"body": "/learn help"}) == "/learn help"


def test_a_matrix_reference_is_the_user_id():
    identity = parse_ref("matrix:@ana:example.org")
    assert identity == Identity(Platform.MATRIX, "", "@ana:example.org")
    assert identity.ref == "matrix:@ana:example.org"
    for bad in ("matrix:ana", "matrix:@ana", "matrix:@ana :x"):
        with pytest.raises(BadReference):
            parse_ref(bad)


def test_invites_are_judged_by_the_inviters_homeserver():
    assert server_of("@ana:example.org") == "example.org"
    assert server_of("@ana:matrix.example.org:8448") == "matrix.example.org:8448"


def test_buttons_become_numbered_choices():
    reply = Reply(text="Time", buttons=(Button(label="Answer", command="checkin answer"),))
    message = content(reply)
    assert f"{KEYCAPS[0]} Answer" in message["body"]
    assert message[CHOICES] == ["checkin answer"]


def test_a_form_is_asked_one_input_at_a_time():
    form = Form(
        form_id="agree.changes.1",
        title="Ask for changes",
        inputs=(
            FormInput(name="reason", label="What should change"),
            FormInput(name="note", label="A note", required=False),
        ),
    )
    filling = Filling.of(form, "!room:example.org")
    assert filling.prompt().startswith("What should change")
    assert filling.take("-") is not None  # required: asked again
    assert filling.take("Two sprints first") is None
    assert "- " in filling.prompt()  # optional: `-` skips
    assert filling.take("-") is None
    assert filling.values == {"reason": "Two sprints first"} and not filling.asking
