"""A local fake of the Slack Web API (and of response_url), for the adapter's tests.

It serves `POST /api/<method>` on a free port in a thread of its own, answers the
methods Tandem uses the way Slack documents them, records every call with its body,
and can be told to answer the next N calls of a method with HTTP 429 and Retry-After.
Point the app at it with SLACK_API_URL=<fake.url>/api/. Socket Mode too: with an app
token (`xapp-`), apps.connections.open hands out a websocket on the fake, over which a
test sends envelopes (`send_envelope`) and the app's acks are recorded ("socket:ack").
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web

from tests.support.fake_server import ThreadedServer

BOT_USER = "UBOT0001"
TEAM = "T0TANDEM"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posts
    throttle: dict[str, tuple[int, int]] = field(default_factory=dict)  # method -> (n, seconds)
    closed_dms: set[str] = field(default_factory=set)
    server_errors: dict[str, int] = field(default_factory=dict)  # method -> HTTP 500s to give
    expired_triggers: bool = False
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes uploaded
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> what was said
    delay: dict[str, float] = field(default_factory=dict)  # method -> seconds before answering
    private: dict[str, str] = field(default_factory=dict)  # private channel id -> its name
    taken_names: set[str] = field(default_factory=set)  # names of channels the bot is not in

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._server = ThreadedServer(self._routes)
        self.port = 0
        self._sockets: list[web.WebSocketResponse] = []

    def start(self) -> FakeSlack:
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk sends some methods as GET
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)

    # -- what tests ask --------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, tz: str = "Europe/Berlin", locale: str = "en-US"
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name,
            "tz": tz,
            "locale": locale,  # users.info says it with include_locale=true
            "profile": {"display_name": name, "real_name": name.title()},
        }

    def throttle_next(self, method: str, count: int, retry_after: int = 1) -> None:
        with self._lock:
            self.throttle[method] = (count, retry_after)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """Block until `count` calls of `method` arrived (a thread's work, not a schedule)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c.method == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} x {method}, saw {seen}")
                self._lock.wait(left)
            return [c for c in self.calls if c.method == method]

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope over the app's open connection."""
        with self._lock:
            socket = self._sockets[-1]
        self._server.call(socket.send_json(envelope))

    # -- Socket Mode -----------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        with self._lock:
            self._sockets.append(socket)
            self.calls.append(Call("socket:connect", {}, dict(request.headers)))
            self._lock.notify_all()
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                with self._lock:
                    self.calls.append(Call("socket:ack", json.loads(message.data), {}))
                    self._lock.notify_all()
        with self._lock:
            self.calls.append(Call("socket:closed", {}, {}))
            self._lock.notify_all()
        return socket

    # -- the API ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _body(request)
        with self._lock:
            self.calls.append(Call(method, body, dict(request.headers)))
            self._lock.notify_all()
            if self.server_errors.get(method, 0) > 0:
                self.server_errors[method] -= 1
                return web.Response(status=500, text="internal error")
            count, seconds = self.throttle.get(method, (0, 0))
            if count > 0:
                self.throttle[method] = (count - 1, seconds)
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(seconds)},
                )
        if self.delay.get(method):  # a slow Slack: the call is in flight meanwhile
            await asyncio.sleep(self.delay[method])
        if method == "apps.connections.open":  # Socket Mode: with the app-level token
            if not request.headers.get("Authorization", "").startswith("Bearer xapp-"):
                return web.json_response({"ok": False, "error": "not_authed"})
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": True})
        return web.json_response(handler(body))

    async def _response(self, request: web.Request) -> web.Response:
        body = await _body(request)
        with self._lock:
            self.calls.append(
                Call(f"response_url:{request.match_info['name']}", body, dict(request.headers))
            )
            self._lock.notify_all()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: it takes the file's bytes."""
        raw = await request.read()
        with self._lock:
            self.uploads[request.match_info["file_id"]] = raw
            self.calls.append(Call("upload", {"bytes": len(raw)}, dict(request.headers)))
            self._lock.notify_all()
        return web.Response(text="OK - " + str(len(raw)))

    def _files_getUploadURLExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            file_id = f"F{len(self.files) + 1:06d}"
            self.files[file_id] = {"filename": body["filename"], "length": int(body["length"])}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        with self._lock:
            for item in files:
                if item.get("id") not in self.uploads:
                    return {"ok": False, "error": "file_not_found"}
                self.files[item["id"]].update(
                    title=item.get("title"), channel=body.get("channel_id"), done=True
                )
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _files_info(self, body: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(body.get("file", ""))
        return {"ok": True, "file": {"id": body["file"], **found}} if found else {"ok": False}

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://tandem.example/",
            "team": "Tandem",
            "user": "tandem",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "BBOT0001",
        }

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(body.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        user = body.get("users", "")
        if user in self.closed_dms or user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + user[1:]}}

    # -- private channels, as conversations.create/invite/kick/members/list document them:
    # only members (the creator, the invited) are in one; the bot posts only where it is in.

    def _conversations_create(self, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body.get("name", ""))
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if len(name) > 80:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if re.fullmatch(r"[a-z0-9_-]+", name) is None:
            return {"ok": False, "error": "invalid_name_specials"}
        with self._lock:
            if name in self.private.values() or name in self.taken_names:
                return {"ok": False, "error": "name_taken"}
            channel = f"G{len(self.private) + 1:08d}"
            is_private = body.get("is_private") in (True, "true", "1", 1)
            self.private[channel] = name
            self.channel_members[channel] = [BOT_USER]
        return {
            "ok": True,
            "channel": {"id": channel, "name": name, "is_private": is_private, "is_member": True},
        }

    def _conversations_invite(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = body.get("channel", "")
        users = [u for u in str(body.get("users", "")).split(",") if u]
        with self._lock:
            members = self.channel_members.get(channel)
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            if BOT_USER not in members:
                return {"ok": False, "error": "not_in_channel"}
            if not users:
                return {"ok": False, "error": "no_user"}
            if BOT_USER in users:
                return {"ok": False, "error": "cant_invite_self"}
            if body.get("force") in (True, "true", "1", 1):  # invite the valid ones
                users = [u for u in users if u in self.users and u not in members]
            elif any(u not in self.users for u in users):
                return {"ok": False, "error": "user_not_found"}
            elif any(u in members for u in users):
                return {"ok": False, "error": "already_in_channel"}
            members.extend(users)
        return {"ok": True, "channel": {"id": channel}}

    def _conversations_kick(self, body: dict[str, Any]) -> dict[str, Any]:
        channel, user = body.get("channel", ""), body.get("user", "")
        with self._lock:
            members = self.channel_members.get(channel)
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            if user == BOT_USER:
                return {"ok": False, "error": "cant_kick_self"}
            if user not in members:
                return {"ok": False, "error": "not_in_channel"}
            members.remove(user)
        return {"ok": True}

    def _conversations_archive(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if body.get("channel") not in self.channel_members:
                return {"ok": False, "error": "channel_not_found"}
        return {"ok": True}

    def _conversations_list(self, body: dict[str, Any]) -> dict[str, Any]:
        """With a bot token, private channels are listed only where the bot is a member."""
        types = str(body.get("types", "public_channel"))
        with self._lock:
            found = [
                {"id": c, "name": n, "is_private": True}
                for c, n in self.private.items()
                if "private_channel" in types and BOT_USER in self.channel_members.get(c, [])
            ]
        return {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = body.get("channel", "")
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if channel in self.private and BOT_USER not in self.channel_members.get(channel, []):
            return {"ok": False, "error": "not_in_channel"}
        with self._lock:
            posts = self.messages.setdefault(channel, [])
            ts = f"{1764460800 + len(self.calls)}.{len(posts):06d}"
            metadata = body.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            posts.append(
                {
                    "ts": ts,
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "metadata": metadata,
                    "user": BOT_USER,
                    **({"thread_ts": body["thread_ts"]} if body.get("thread_ts") else {}),
                }
            )
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}

    def _conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
        """Newest first, thread replies left out (as Slack does); `latest` with
        `inclusive` bounds it."""
        with self._lock:
            posts = [
                p
                for p in reversed(self.messages.get(body.get("channel", ""), []))
                if p.get("thread_ts") in (None, p["ts"])
            ]
        if body.get("latest"):
            inclusive = body.get("inclusive") in (True, "true", "1", 1)
            posts = [
                p
                for p in posts
                if float(p["ts"]) < float(body["latest"])
                or (inclusive and p["ts"] == body["latest"])
            ]
        if body.get("include_all_metadata") not in (True, "true", "1", 1):
            posts = [{k: v for k, v in p.items() if k != "metadata"} for p in posts]
        return {"ok": True, "messages": posts[: int(body.get("limit", 100))], "has_more": False}

    def _chat_getPermalink(self, body: dict[str, Any]) -> dict[str, Any]:
        """A message's permalink, as Slack makes it (`.../archives/<channel>/p<ts>`)."""
        channel, ts = body.get("channel", ""), str(body.get("message_ts", ""))
        with self._lock:
            known = any(p["ts"] == ts for p in self.messages.get(channel, []))
        if not known:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://tandem-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_members(self, body: dict[str, Any]) -> dict[str, Any]:
        members = self.channel_members.get(body.get("channel", ""))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
        root = body.get("ts")
        with self._lock:
            posts = [
                p
                for p in self.messages.get(body.get("channel", ""), [])
                if p["ts"] == root or p.get("thread_ts") == root
            ]
        return {"ok": True, "messages": posts, "has_more": False}

    def post_as_person(self, channel: str, user: str, text: str, thread_ts: str) -> str:
        """A person's reply in a thread, as it would sit in the channel's history."""
        with self._lock:
            posts = self.messages.setdefault(channel, [])
            ts = f"{1764460800 + len(self.calls)}.{len(posts):06d}"
            posts.append({"ts": ts, "text": text, "user": user, "thread_ts": thread_ts})
        return ts

    def _views_publish(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V" + str(len(self.calls)), "hash": "h"}}

    def _views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        return {"ok": True, "view": {"id": "VMODAL", "hash": "h"}}


async def _body(request: web.Request) -> dict[str, Any]:
    query = dict(request.query)  # slack_sdk sends some arguments in the query string
    if request.method == "GET":
        return query
    raw = await request.read()
    if request.content_type == "application/json":
        return {**query, **json.loads(raw or b"{}")}
    form = {**query, **{k: v[0] for k, v in parse_qs(raw.decode()).items()}}
    for key in ("blocks", "view", "metadata"):
        if isinstance(form.get(key), str):
            form[key] = json.loads(form[key])
    return form


if __name__ == "__main__":  # a fake in a process of its own (the benchmark uses this)
    import signal
    import sys

    fake = FakeSlack().start()
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 0):
        fake.add_user(f"U{i:05d}", f"user{i}")
    print(fake.port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
