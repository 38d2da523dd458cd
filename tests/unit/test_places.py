"""Places are a type: a thread (in a channel, named by Tandem) and a group's space. The
reply's JSON, which is what an outbox row stores, keeps a thread as the text it always
had, `"thread_key": "<channel>|<name>"`: rows written before places were a type still
deliver, and rows written now read the same."""

from __future__ import annotations

import json

from bot.domain import GroupSpace, Thread
from bot.replies import Audience, Reply


def test_a_thread_is_stored_as_it_always_was_and_read_back_as_a_thread() -> None:
    reply = Reply(
        text="phase 1",
        audience=Audience.THREAD,
        thread=Thread("C0GROUPS", "advice:3"),
        space=GroupSpace(group_id=7, name="Spring group 1", parent="C0GROUPS"),
        recipient_id=1,
    )
    stored = json.loads(reply.model_dump_json())
    assert stored["thread_key"] == "C0GROUPS|advice:3" and "thread" not in stored
    assert stored["space"] == {"group_id": 7, "name": "Spring group 1", "parent": "C0GROUPS"}
    assert Reply.model_validate_json(reply.model_dump_json()) == reply


def test_a_row_written_before_places_were_a_type_is_read() -> None:
    old = (
        '{"text": "Silent start", "audience": "post", "thread_key": "C0FORUM|cop:7",'
        ' "recipient_id": 1, "space": null}'
    )
    reply = Reply.model_validate_json(old)
    assert reply.thread == Thread(channel="C0FORUM", name="cop:7")
    no_place = Reply.model_validate_json('{"text": "hi", "thread_key": null}')
    assert no_place.thread is None


def test_a_channel_id_with_a_bar_keeps_the_name_after_the_last_one() -> None:
    reply = Reply(text="x", thread=Thread("odd|channel", "advice:1"))
    assert Reply.model_validate_json(reply.model_dump_json()).thread == reply.thread
