"""`tandem matrix`: the bot as an account on a homeserver, with the outbox delivered to the
people's direct rooms.

Settings: MATRIX_HOMESERVER (the client-server API's base URL), MATRIX_USER (the bot's
Matrix ID), MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN, MATRIX_SERVERS (the homeservers whose
people may invite the bot; default: the bot's own).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta

from nio import LoginError, WhoamiResponse

from adapters.bootstrap import Application
from adapters.matrix.bot import MatrixBot, server_of
from adapters.matrix.client import Account, new_client
from adapters.matrix.sender import MatrixSender
from adapters.scheduler import BackgroundWork
from bot.clock import Clock
from bot.i18n import _

log = logging.getLogger(__name__)


class MissingSetting(RuntimeError):
    pass


class MatrixService:
    """Login, the sync loop and the delivery thread, on one event loop."""

    def __init__(
        self, app: Application, clock: Clock, on_batch: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.clock = clock
        self.on_batch = on_batch
        self.bot: MatrixBot | None = None
        self.background: BackgroundWork | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None

    async def login(self) -> Account:
        settings = self.app.settings
        if not settings.matrix_homeserver or not settings.matrix_user:
            raise MissingSetting(_("MATRIX_HOMESERVER and MATRIX_USER must be set"))
        client = new_client(settings.matrix_homeserver, settings.matrix_user)
        try:
            if settings.matrix_access_token is not None:
                client.access_token = settings.matrix_access_token.get_secret_value()
                who = await client.whoami()
                if not isinstance(who, WhoamiResponse):
                    raise MissingSetting(
                        _("MATRIX_ACCESS_TOKEN: the homeserver refused it ({reason})").format(
                            reason=getattr(who, "message", who)
                        )
                    )
                client.user_id, client.device_id = who.user_id, who.device_id or ""
            elif settings.matrix_password is not None:
                answer = await client.login(
                    settings.matrix_password.get_secret_value(), device_name="Tandem"
                )
                if isinstance(answer, LoginError):
                    raise MissingSetting(
                        _("MATRIX_PASSWORD: the homeserver refused the login ({reason})").format(
                            reason=answer.message
                        )
                    )
            else:
                raise MissingSetting(_("MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN must be set"))
        except OSError as error:
            await client.close()
            raise MissingSetting(
                _("MATRIX_HOMESERVER {url}: cannot reach it ({reason})").format(
                    url=settings.matrix_homeserver, reason=error
                )
            ) from None
        except MissingSetting:
            await client.close()
            raise
        return Account(client)

    async def serve(self) -> None:
        account = await self.login()
        servers = self.app.settings.matrix_server_names() or frozenset({server_of(account.user_id)})
        self.bot = MatrixBot(self.app, account, servers, self.clock, self.on_batch)
        self.loop = asyncio.get_running_loop()
        sender = MatrixSender(self.bot, self.loop, spaces=self.app.tandem)
        self.background = BackgroundWork(
            self.app.due_work,
            self.app.delivery,
            sender,
            self.app.signal,
            poll_every=timedelta(seconds=2),
        )
        self.background.start()
        self._ready.set()
        try:
            await self.bot.run()
        finally:
            await asyncio.to_thread(self.background.stop, 7.0)
            await account.client.close()

    def stop(self) -> None:
        if self.bot is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(self.bot.stop)

    # -- in a thread of its own (tests, and anything that embeds the bot) ------------

    def start_in_thread(self, timeout: float = 60.0) -> MatrixService:
        def main() -> None:
            try:
                asyncio.run(self.serve())
            except BaseException as error:  # told to the starter below
                self.error = error
                self._ready.set()

        self._thread = threading.Thread(target=main, name="tandem-matrix", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error
        return self

    def join(self, timeout: float = 30.0) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout)


def run(app: Application, clock: Clock) -> None:
    service = MatrixService(app, clock)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, service.stop)
        await service.serve()

    asyncio.run(main())
