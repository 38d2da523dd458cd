"""A local fake of Discord's REST API for the adapter's tests: `/api/v10/...` on a free
port, in a thread of its own. It records every call, opens DM channels, stores messages
(a repeated nonce with enforce_nonce returns the stored message, as Discord does), can
refuse a user's DMs with error 50007, and can answer 429 with retry_after."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fake_server import ThreadedServer

BOT_ID = "900000000000000001"
APP_ID = "900000000000000002"
GUILD = "1100000000000000001"


@dataclass
class FakeDiscord:
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    closed_dms: set[str] = field(default_factory=set)
    throttle: dict[str, int] = field(default_factory=dict)  # "POST messages" -> count
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # thread id -> parent
    forums: set[str] = field(default_factory=set)  # channel ids that are forum channels
    token: str | None = None  # set: any other token is refused with 401, as Discord does
    # every file attached to a message, in order: (channel, filename, its bytes)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._server = ThreadedServer(self._routes)
        self.port = 0

    def start(self) -> FakeDiscord:
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/users/@me/channels", self._open_dm)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._send)
        app.router.add_get("/api/v10/channels/{channel}/messages", self._history)
        app.router.add_post(
            "/api/v10/channels/{channel}/messages/{message}/threads", self._start_thread
        )
        app.router.add_get("/api/v10/channels/{channel}", self._channel)
        app.router.add_post("/api/v10/channels/{channel}/threads", self._forum_post)
        app.router.add_get("/api/v10/channels/{channel}/messages/{message}", self._message)
        app.router.add_get("/api/v10/guilds/{guild}/threads/active", self._active_threads)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        app.router.add_get("/api/v10/gateway/bot", self._gateway)
        app.router.add_get("/api/v10/channels/{channel}/thread-members", self._thread_members)
        app.router.add_put(
            "/api/v10/channels/{channel}/thread-members/{user}", self._add_thread_member
        )
        app.router.add_delete(
            "/api/v10/channels/{channel}/thread-members/{user}", self._remove_thread_member
        )
        app.router.add_delete("/api/v10/channels/{channel}", self._delete_channel)
        app.router.add_put("/api/v10/applications/{app}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync)

    def _record(self, method: str, path: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append((method, path, body))
            self._lock.notify_all()

    def calls_to(self, path_part: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for _, path, body in self.calls if path_part in path]

    def wait_for(
        self, path_part: str, count: int = 1, timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        """Block until `count` calls whose path contains `path_part` arrived."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([1 for _, path, _ in self.calls if path_part in path]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [p for _, p, _ in self.calls]
                    raise AssertionError(f"expected {count} x {path_part}, saw {seen}")
                self._lock.wait(left)
            return [body for _, path, body in self.calls if path_part in path]

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()  # multipart, when a file is attached
        body = json.loads(form["payload_json"])
        files = [v for k, v in form.items() if k.startswith("files[")]
        body["_file"] = files[0].filename if files else None
        content = files[0].file.read() if files else b""
        body["_file_head"] = content[:8].hex() if files else None
        if files:
            with self._lock:
                self.files.append(
                    (request.match_info.get("channel", ""), files[0].filename, content)
                )
        return body

    async def _application(self, request: web.Request) -> web.Response:
        self._record("GET", "/oauth2/applications/@me", {})
        owner = {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}
        return _json(
            {
                "id": APP_ID,
                "name": "Tandem",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "k",
                "flags": 0,
                "owner": owner,
                "team": None,
                "summary": "",
                "rpc_origins": [],
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        """`tree.sync()`: the commands as registered (bulk overwrite), echoed with ids."""
        body = await request.json()
        self._record("PUT", "/commands", {"commands": body})
        app = request.match_info["app"]
        return _json(
            [
                {**command, "id": str(900 + i), "application_id": app, "version": "1"}
                for i, command in enumerate(body)
            ]
        )

    async def _callback(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._record("POST", f"/interactions/{request.match_info['id']}/callback", body)
        return _json(
            {
                "interaction": {"id": request.match_info["id"], "type": 2},
                "resource": {"type": body.get("type", 4)},
            }
        )

    async def _followup(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._record("POST", f"/webhooks/{request.match_info['token']}", body)
        author = {"id": BOT_ID, "username": "Tandem", "discriminator": "0", "avatar": None}
        return _json(
            {
                "id": str(10**17 + len(self.calls)),
                "channel_id": "1",
                "type": 0,
                "content": body.get("content") or "",
                "embeds": body.get("embeds") or [],
                "author": author,
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "pinned": False,
                "mention_everyone": False,
                "tts": False,
                "timestamp": "2026-11-30T09:00:00+00:00",
                "edited_timestamp": None,
                "flags": body.get("flags", 0),
                "components": [],
            }
        )

    async def _history(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self._record("GET", f"/channels/{channel}/messages", dict(request.query))
        limit = int(request.query.get("limit", 50))
        with self._lock:
            posts = list(reversed(self.messages.get(channel, [])))[:limit]
        return _json(posts)

    async def _start_thread(self, request: web.Request) -> web.Response:
        """A thread from a message: its id is the message's, as on Discord."""
        channel, message = request.match_info["channel"], request.match_info["message"]
        body = await request.json()
        self._record("POST", f"/channels/{channel}/messages/{message}/threads", body)
        with self._lock:
            self.threads[message] = {"parent_id": channel, "name": body.get("name")}
        return _json(
            {
                "id": message,
                "type": 11,
                "guild_id": "1",
                "parent_id": channel,
                "name": body.get("name"),
                "owner_id": BOT_ID,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": body.get("auto_archive_duration", 10080),
                    "archive_timestamp": "2026-11-30T09:00:00+00:00",
                    "locked": False,
                },
                "message_count": 0,
                "member_count": 1,
                "rate_limit_per_user": 0,
                "flags": 0,
            }
        )

    async def _gateway(self, request: web.Request) -> web.Response:
        """A gateway address where nothing answers: a bot process stays up, reconnecting
        (the operations tests need a running `tandem discord`, not a gateway)."""
        self._record("GET", "/gateway/bot", {})
        return _json(
            {
                "url": "ws://127.0.0.1:9",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def forum_posts(self, forum: str) -> list[dict[str, Any]]:
        """The posts (threads) in a forum channel: name and starter message."""
        with self._lock:
            return [
                {"id": tid, "name": t["name"], "message": self.messages[tid][0]}
                for tid, t in self.threads.items()
                if t["parent_id"] == forum and t.get("forum")
            ]

    async def _channel(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self._record("GET", f"/channels/{channel}", {})
        with self._lock:
            thread = self.threads.get(channel)
            if thread is not None and "type" in thread:
                return _json(self._thread_payload(channel))
            kind = 11 if thread else 15 if channel in self.forums else 0
        return _json(
            {
                "id": channel,
                "type": kind,
                "guild_id": GUILD,
                "name": "a channel",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": thread["parent_id"] if thread else None,
                "flags": 0,
            }
        )

    # -- threads without a message: a private thread (type 12) has only the members added
    # to it (and its creator); others cannot read it

    def _thread_payload(self, thread_id: str) -> dict[str, Any]:
        thread = self.threads[thread_id]
        return {
            "id": thread_id,
            "type": thread.get("type", 11),
            "guild_id": GUILD,
            "parent_id": thread["parent_id"],
            "name": thread["name"],
            "owner_id": BOT_ID,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": thread.get("auto_archive_duration", 10080),
                "archive_timestamp": "2026-11-30T09:00:00+00:00",
                "locked": False,
                "invitable": thread.get("invitable", True),
            },
            "message_count": 0,
            "member_count": len(thread.get("members", [])),
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread_without_message(self, channel: str, body: dict[str, Any]) -> web.Response:
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100 or body.get("type") not in (10, 11, 12):
            return _json({"message": "Invalid Form Body", "code": 50035}, status=400)
        if channel in self.threads:
            return _json({"message": "Invalid Form Body", "code": 50035}, status=400)
        thread_id = str(10**17 + len(self.calls))
        self.threads[thread_id] = {
            "parent_id": channel,
            "name": name,
            "type": body["type"],
            "invitable": body.get("invitable", True),
            "auto_archive_duration": body.get("auto_archive_duration", 10080),
            "members": [BOT_ID],
        }
        self.messages[thread_id] = []
        return _json(self._thread_payload(thread_id), status=201)

    def thread_members(self, thread_id: str) -> list[str]:
        with self._lock:
            return list(self.threads[thread_id].get("members", []))

    async def _thread_members(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self._record("GET", f"/channels/{channel}/thread-members", {})
        with self._lock:
            thread = self.threads.get(channel)
            if thread is None:
                return _json({"message": "Unknown Channel", "code": 10003}, status=404)
            members = [
                {
                    "id": channel,
                    "user_id": u,
                    "join_timestamp": "2026-11-30T09:00:00+00:00",
                    "flags": 0,
                }
                for u in thread.get("members", [])
            ]
        return _json(members)

    async def _add_thread_member(self, request: web.Request) -> web.Response:
        channel, user = request.match_info["channel"], request.match_info["user"]
        self._record("PUT", f"/channels/{channel}/thread-members/{user}", {})
        with self._lock:
            thread = self.threads.get(channel)
            if thread is None:
                return _json({"message": "Unknown Channel", "code": 10003}, status=404)
            if user not in thread.setdefault("members", []):
                thread["members"].append(user)
        return web.Response(status=204)

    async def _remove_thread_member(self, request: web.Request) -> web.Response:
        channel, user = request.match_info["channel"], request.match_info["user"]
        self._record("DELETE", f"/channels/{channel}/thread-members/{user}", {})
        with self._lock:
            thread = self.threads.get(channel)
            if thread is None:
                return _json({"message": "Unknown Channel", "code": 10003}, status=404)
            if user in thread.get("members", []):
                thread["members"].remove(user)
        return web.Response(status=204)

    async def _delete_channel(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self._record("DELETE", f"/channels/{channel}", {})
        with self._lock:
            if channel not in self.threads:
                return _json({"message": "Unknown Channel", "code": 10003}, status=404)
            payload = self._thread_payload(channel)
            del self.threads[channel]
        return _json(payload)

    async def _forum_post(self, request: web.Request) -> web.Response:
        """A forum post: a thread in the forum with a starter message of the same id; in
        a text channel, a thread without a message (a private one with type 12)."""
        channel = request.match_info["channel"]
        body = await self._body(request)
        self._record("POST", f"/channels/{channel}/threads", body)
        with self._lock:
            if channel not in self.forums and "message" not in body:
                return self._thread_without_message(channel, body)
            if channel not in self.forums:
                return _json({"message": "Invalid Form Body", "code": 50035}, status=400)
            thread_id = str(10**17 + len(self.calls))
            message = body.get("message") or {}
            starter = {
                "id": thread_id,
                "channel_id": thread_id,
                "type": 0,
                "content": message.get("content") or "",
                "embeds": message.get("embeds") or [],
                "components": message.get("components") or [],
                "author": {"id": BOT_ID, "username": "Tandem", "discriminator": "0"},
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "pinned": False,
                "mention_everyone": False,
                "tts": False,
                "timestamp": "2026-11-30T09:00:00+00:00",
                "edited_timestamp": None,
                "flags": 0,
            }
            self.messages[thread_id] = [starter]
            self.threads[thread_id] = {"parent_id": channel, "name": body["name"], "forum": True}
        thread = {
            "id": thread_id,
            "type": 11,
            "guild_id": GUILD,
            "parent_id": channel,
            "name": body["name"],
            "owner_id": BOT_ID,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 10080),
                "archive_timestamp": "2026-11-30T09:00:00+00:00",
                "locked": False,
            },
            "message_count": 1,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "message": starter,
        }
        return _json(thread)

    async def _message(self, request: web.Request) -> web.Response:
        channel, wanted = request.match_info["channel"], request.match_info["message"]
        self._record("GET", f"/channels/{channel}/messages/{wanted}", {})
        with self._lock:
            for post in self.messages.get(channel, []):
                if post["id"] == wanted:
                    return _json(post)
        return _json({"message": "Unknown Message", "code": 10008}, status=404)

    async def _active_threads(self, request: web.Request) -> web.Response:
        self._record("GET", f"/guilds/{request.match_info['guild']}/threads/active", {})
        with self._lock:
            threads = [
                {"id": tid, "type": 11, "parent_id": t["parent_id"], "name": t["name"]}
                for tid, t in self.threads.items()
            ]
        return _json({"threads": threads, "members": []})

    async def _me(self, request: web.Request) -> web.Response:
        self._record("GET", "/users/@me", {})
        if self.token is not None and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(
            {"id": BOT_ID, "username": "Tandem", "discriminator": "0", "avatar": None, "bot": True}
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record("POST", "/users/@me/channels", body)
        user = str(body["recipient_id"])
        return _json(
            {
                "id": f"7{user[-17:]}",
                "type": 1,
                "recipients": [
                    {"id": user, "username": "someone", "discriminator": "0", "avatar": None}
                ],
            }
        )

    async def _send(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        body = await self._body(request)
        self._record("POST", f"/channels/{channel}/messages", body)
        with self._lock:
            if self.throttle.get("POST messages", 0) > 0:
                self.throttle["POST messages"] -= 1
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": 0.05,
                        "global": False,
                    },
                    status=429,
                    headers={"Retry-After": "1", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
                )
            if any(channel.endswith(user[-17:]) for user in self.closed_dms):
                return _json(
                    {"message": "Cannot send messages to this user", "code": 50007}, status=403
                )
            posts = self.messages.setdefault(channel, [])
            if body.get("enforce_nonce"):
                for post in posts:
                    if post.get("nonce") == body.get("nonce"):
                        return _json(post)  # Discord returns the first one
            post = {
                "id": str(10**17 + len(self.calls)),
                "channel_id": channel,
                "type": 0,
                "content": body.get("content") or "",
                "embeds": body.get("embeds") or [],
                "components": body.get("components") or [],
                "nonce": body.get("nonce"),
                "author": {
                    "id": BOT_ID,
                    "username": "Tandem",
                    "discriminator": "0",
                    "avatar": None,
                },
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "pinned": False,
                "mention_everyone": False,
                "tts": False,
                "timestamp": "2026-11-30T09:00:00+00:00",
                "edited_timestamp": None,
                "flags": 0,
                "file": body.get("_file"),
            }
            posts.append(post)
        return _json(post)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json", as Discord sends it (discord.py compares it exactly).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def answer_to(fake: FakeDiscord, payload: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """The answer a person sees to the interaction `payload`, whichever way the bot gave it:
    the callback itself (type 4, or 9 for a modal), or, when it deferred (type 5, which it
    does whenever the core is not done at once), the first followup through the
    interaction's token, as {"type": 4, "deferred": True, "data": <the followup>}."""
    [body] = fake.wait_for(f"/interactions/{payload['id']}/callback", timeout=timeout)
    if body.get("type") != 5:
        return body
    [followup, *_] = fake.wait_for(f"/webhooks/{payload['token']}", timeout=timeout)
    return {"type": 4, "deferred": True, "data": followup}
