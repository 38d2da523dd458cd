"""All settings, from the environment and an optional `.env` file, in one place."""

from __future__ import annotations

from datetime import time

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain import BadReference, is_known_timezone, parse_ref
from bot.i18n import LANGUAGES, normalize
from bot.nudges import NudgeRules
from bot.recurrence import WEEKDAY_NAMES


class Settings(BaseSettings):
    # env_ignore_empty: `SLACK_BOT_TOKEN=` (as deploy/.env.example leaves it) means unset
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str = Field("sqlite:///tandem.db", alias="DATABASE_URL")
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    slack_postmessage_rps: float = Field(10.0, gt=0, alias="SLACK_POSTMESSAGE_RPS")
    discord_token: SecretStr | None = Field(None, alias="DISCORD_TOKEN")
    discord_api_url: str | None = Field(None, alias="DISCORD_API_URL")
    discord_message_content: bool = Field(False, alias="DISCORD_MESSAGE_CONTENT")
    matrix_homeserver: str | None = Field(None, alias="MATRIX_HOMESERVER")
    matrix_user: str | None = Field(None, alias="MATRIX_USER")
    matrix_password: SecretStr | None = Field(None, alias="MATRIX_PASSWORD")
    matrix_access_token: SecretStr | None = Field(None, alias="MATRIX_ACCESS_TOKEN")
    # the homeservers whose people may invite the bot (comma-separated; default its own)
    matrix_servers: str = Field("", alias="MATRIX_SERVERS")
    competence_model: str | None = Field(None, alias="TANDEM_COMPETENCE_MODEL")
    advice_config: str | None = Field(None, alias="TANDEM_ADVICE")
    default_tz: str = Field("UTC", alias="TANDEM_DEFAULT_TZ")
    locale: str = Field("en", alias="TANDEM_LOCALE")
    facilitators: str = Field("", alias="TANDEM_FACILITATORS")
    # How long a claim on an outbox row lasts before another process may take it over
    # (a process killed mid-delivery loses nothing); default: the platform's (Slack 300 s,
    # Discord 120 s, which must stay inside Discord's nonce window).
    outbox_lease_seconds: float | None = Field(None, gt=0, alias="TANDEM_OUTBOX_LEASE_SECONDS")
    # Nudges before drift (bot/nudges.py): a rule set to 0 is off.
    nudge_missed_checkins: int = Field(3, ge=0, alias="TANDEM_NUDGE_MISSED_CHECKINS")
    nudge_quiet_days: int = Field(14, ge=0, alias="TANDEM_NUDGE_QUIET_DAYS")
    nudge_not_met: int = Field(2, ge=0, alias="TANDEM_NUDGE_NOT_MET")
    nudge_overdue_days: int = Field(7, ge=0, alias="TANDEM_NUDGE_OVERDUE_DAYS")
    # The weekly digests (a tutor's, a community's): day and local time.
    digest_day: str = Field("mon", alias="TANDEM_DIGEST_DAY")
    digest_time: str = Field("09:00", alias="TANDEM_DIGEST_TIME")
    # The company's learning record store (xAPI): its endpoint (Ralph's: http://host:port/xAPI)
    # and the basic-auth key and secret it gave Tandem. Unset: no statement is written.
    xapi_url: str | None = Field(None, alias="TANDEM_XAPI_URL")
    xapi_key: str | None = Field(None, alias="TANDEM_XAPI_KEY")
    xapi_secret: SecretStr | None = Field(None, alias="TANDEM_XAPI_SECRET")

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                "not a database URL; use sqlite:///path/tandem.db or "
                "postgresql://user:password@host:5432/name"
            ) from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"{backend} is not supported; use sqlite:/// or postgresql://")
        return value

    @field_validator("xapi_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL; use e.g. https://lrs.example.com/xAPI")
        return value

    @field_validator("default_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_known_timezone(value):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Europe/Berlin")
        return value

    @field_validator("locale")
    @classmethod
    def _spoken_language(cls, value: str) -> str:
        """A language Tandem speaks (`de`, `en`, or a locale of one: `de_DE.UTF-8`)."""
        language = normalize(value)
        if language is None:
            raise ValueError(
                f"Tandem does not speak {value.strip()[:40]!r}; use one of "
                + " or ".join(LANGUAGES)
            )
        return language

    @field_validator("facilitators")
    @classmethod
    def _valid_refs(cls, value: str) -> str:
        for ref in filter(None, (part.strip() for part in value.split(","))):
            try:
                parse_ref(ref)
            except BadReference as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("digest_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAY_NAMES:
            raise ValueError(
                f"not a weekday: {value[:20]!r}; use one of " + ",".join(WEEKDAY_NAMES)
            )
        return day

    @field_validator("digest_time")
    @classmethod
    def _wall_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not a time of day: {value[:20]!r}; use HH:MM, e.g. 09:00") from None
        return value.strip()

    def nudge_rules(self) -> NudgeRules:
        """The nudge rules and digest time, as the core takes them."""
        return NudgeRules(
            missed_checkins=self.nudge_missed_checkins,
            quiet_days=self.nudge_quiet_days,
            not_met=self.nudge_not_met,
            overdue_days=self.nudge_overdue_days,
            weekday=WEEKDAY_NAMES.index(self.digest_day),
            at=time.fromisoformat(self.digest_time),
        )

    def facilitator_refs(self) -> frozenset[str]:
        """The references in TANDEM_FACILITATORS, normalised as `Identity.ref` writes them."""
        return frozenset(
            parse_ref(part).ref for part in self.facilitators.split(",") if part.strip()
        )

    def matrix_server_names(self) -> frozenset[str]:
        return frozenset(filter(None, (part.strip() for part in self.matrix_servers.split(","))))
