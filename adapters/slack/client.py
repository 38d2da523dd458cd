"""The Slack Web API clients, made from the settings: the asynchronous one (Bolt's, and
the answers' after the ack) and the synchronous one (the outbox's delivery thread)."""

from __future__ import annotations

import aiohttp
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.settings import Settings


def _token(settings: Settings) -> str:
    assert settings.slack_bot_token is not None  # checked before start (check_settings)
    return settings.slack_bot_token.get_secret_value()


def async_client(settings: Settings, session: aiohttp.ClientSession) -> AsyncWebClient:
    return AsyncWebClient(
        token=_token(settings),
        base_url=settings.slack_api_url,
        session=session,
        # replies outside the outbox (answers, modals, the Home tab) wait out a 429 too
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def sync_client(settings: Settings) -> WebClient:
    """For the delivery thread, which paces and retries itself (adapters/slack/sender.py)."""
    return WebClient(token=_token(settings), base_url=settings.slack_api_url)
