"""`tandem discord`: the bot on the gateway, with the outbox delivered to Discord DMs.

With DISCORD_API_URL set, every REST call goes there (a rate-limit proxy shared by
several shard processes, or a test's fake), and so does the gateway lookup: the bot is
an AutoShardedBot, which asks `GET /gateway/bot` on that base for the gateway URL and
the shard count. DM events reach shard 0 only, so exactly one process must own shard 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import aiohttp
import discord
import yarl
from aiohttp import web
from discord.http import Route

from adapters import endpoints
from adapters.bootstrap import Application
from adapters.discord.bot import INTERACTION, TandemBot
from adapters.discord.sender import DiscordSender
from adapters.dm_channels import DmChannels
from adapters.inbox_worker import InboxWorker
from adapters.pacing import Pacer
from adapters.scheduler import BackgroundWork
from bot.delivery import DeliveryRules
from bot.i18n import _

log = logging.getLogger(__name__)


class MissingSetting(RuntimeError):
    pass


# Discord refuses a message whose nonce it saw in the last few minutes: a claim left by a
# crashed process must expire inside that, so its redelivery is still refused if the
# message had gone out. The default lease (30 s, renewed while the holder lives) does.
DELIVERY = DeliveryRules()


class _Unneeded(logging.Filter):
    """discord.py's start-up chatter that says nothing about Tandem: it warns that voice
    is not supported (Tandem has no voice) and says it logs in. Without it, a start that
    fails says its one line alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.endswith("voice will NOT be supported")
            or message == "logging in using static token"
        )


def quiet_start() -> None:
    client = logging.getLogger("discord.client")
    if not any(isinstance(f, _Unneeded) for f in client.filters):
        client.addFilter(_Unneeded())


def use_api_url(url: str | None) -> None:
    if url:
        Route.BASE = url.rstrip("/")


class DeliveringBot(TandemBot):
    """The bot plus the background work that delivers the outbox through it; SIGTERM
    closes it (delivery stops claiming and hands back what it has not sent)."""

    metrics_port: int | None = None
    endpoints_runner: web.AppRunner | None = None

    async def setup_hook(self) -> None:
        await super().setup_hook()
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                self.loop.add_signal_handler(signum, lambda: asyncio.ensure_future(self.close()))
            except (NotImplementedError, RuntimeError, ValueError):
                log.info("no signal handlers outside the main thread")
                break
        if self.metrics_port is not None:
            try:
                self.endpoints_runner = await endpoints.serve(
                    self.app.engine, "0.0.0.0", self.metrics_port
                )
            except OSError as error:
                raise MissingSetting(
                    _("--metrics-port {port}: cannot listen ({reason})").format(
                        port=self.metrics_port, reason=error.strerror
                    )
                ) from None
        # 50 requests/s per bot is discord.py's to keep; DM channel creation we pace
        # ourselves, at one a second, as Discord asks of bots opening many DMs.
        sender = DiscordSender(
            self.http,
            self.loop,
            Pacer(rate=1.0, per_key_interval=0.0),
            DmChannels(),
            spaces=self.app.tandem,
        )
        self.background = BackgroundWork(
            self.app.due_work,
            self.app.delivery,
            sender,
            self.app.signal,
            poll_every=timedelta(seconds=5),
            lrs=self.app.lrs,
        )
        self.background.start()
        # Interactions recorded but not finished (by a process that died, or here before
        # the database went away) are done by this worker and answered by followup.
        self.inbox_worker = InboxWorker(
            self.app.inbox,
            self.run_taken_over,
            kinds=[INTERACTION],
            given_up=self.recorded_given_up,
        )
        self.inbox_worker.start()

    def in_hand(self) -> InboxWorker | None:
        return getattr(self, "inbox_worker", None)  # None before setup_hook has run

    async def launch_shards(self) -> None:
        """As discord.py's, but the gateway URL always comes from `GET /gateway/bot` on the
        REST base (DISCORD_API_URL), also when the shard count is given, as it must be
        for several processes; discord.py would then use its fixed default gateway."""
        if self.is_closed():
            return
        recommended, gateway_url, _ = await self.http.get_bot_gateway()
        if self.shard_count is None:
            self.shard_count = recommended
        self._connection.shard_count = self.shard_count
        shard_ids = self.shard_ids or list(range(self.shard_count))
        self._connection.shard_ids = shard_ids
        for shard_id in shard_ids:
            await self.launch_shard(
                yarl.URL(gateway_url), shard_id, initial=shard_id == shard_ids[0]
            )

    async def launch_shard(
        self, gateway: yarl.URL, shard_id: int, *, initial: bool = False
    ) -> None:
        """As discord.py's, which retries a failed connection every 5 s for ever, also
        after `close()` (SIGTERM while the gateway is unreachable would never end)."""
        if self.is_closed():
            return
        await super().launch_shard(gateway, shard_id, initial=initial)

    async def close(self) -> None:
        inbox_worker = getattr(self, "inbox_worker", None)
        if inbox_worker is not None:
            await inbox_worker.stop(5.0)
        background = getattr(self, "background", None)
        if background is not None:
            await asyncio.to_thread(background.stop, 7.0)
        if self.endpoints_runner is not None:
            await self.endpoints_runner.cleanup()
            self.endpoints_runner = None
        await super().close()


def run(
    app: Application,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
    metrics_port: int | None = None,
) -> None:
    token = _token(app)
    use_api_url(app.settings.discord_api_url)
    quiet_start()
    bot = DeliveringBot(app, shard_ids=shard_ids, shard_count=shard_count)
    bot.metrics_port = metrics_port
    with _start_up_errors(app):
        bot.run(token, log_handler=None)


@contextmanager
def _start_up_errors(app: Application) -> Iterator[None]:
    """A start that cannot reach Discord, or that Discord refuses, as one MissingSetting
    naming the setting (the command line prints it in one line, exit code 2)."""
    api = app.settings.discord_api_url
    where = f"DISCORD_API_URL {api}" if api else _("Discord's API (discord.com)")
    try:
        yield
    except discord.LoginFailure:
        raise MissingSetting(
            _(
                "DISCORD_TOKEN: Discord refused the token (401 Unauthorized); "
                "copy it again from the application's Bot page"
            )
        ) from None
    except (aiohttp.ClientConnectionError, TimeoutError) as error:
        reason = (str(error).strip().splitlines() or [""])[0][:200]
        detail = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
        raise MissingSetting(
            _("{where}: cannot reach it ({detail})").format(where=where, detail=detail)
        ) from None
    except discord.HTTPException as error:
        raise MissingSetting(
            _("{where}: answered {status} at start").format(where=where, status=error.status)
        ) from None


async def sync(app: Application, guild: int | None) -> int:
    """Register /learn with Discord (globally, or in one guild at once for trying out)."""
    token = _token(app)
    use_api_url(app.settings.discord_api_url)
    quiet_start()
    bot = TandemBot(app)
    async with bot:
        with _start_up_errors(app):
            await bot.login(token)
        target = discord.Object(id=guild) if guild else None
        if target is not None:
            bot.tree.copy_global_to(guild=target)
        synced = await bot.tree.sync(guild=target)
    return len(synced)


def _token(app: Application) -> str:
    if app.settings.discord_token is None:
        raise MissingSetting(_("DISCORD_TOKEN is not set"))
    return app.settings.discord_token.get_secret_value()
