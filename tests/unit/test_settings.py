"""Settings come from the environment (and .env), validated by one pydantic-settings class."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.settings import Settings

ENV = (
    "DATABASE_URL",
    "TANDEM_DEFAULT_TZ",
    "TANDEM_FACILITATORS",
    "SLACK_POSTMESSAGE_RPS",
    "SLACK_BOT_TOKEN",
    "TANDEM_LOCALE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_need_no_configuration():
    settings = Settings()
    assert settings.database_url == "sqlite:///tandem.db"
    assert settings.default_tz == "UTC"
    assert settings.slack_postmessage_rps == 10
    assert settings.facilitator_refs() == frozenset()


def test_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("TANDEM_DEFAULT_TZ=Europe/Berlin\nSLACK_BOT_TOKEN=xoxb-1\n")
    monkeypatch.setenv("TANDEM_FACILITATORS", " slack:T1:U1 , console:ana,discord:42")
    settings = Settings()
    assert settings.default_tz == "Europe/Berlin"
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert "xoxb-1" not in repr(settings)  # secrets stay out of logs
    assert settings.facilitator_refs() == {"slack:T1:U1", "console:ana", "discord:42"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TANDEM_DEFAULT_TZ", "Europe/Atlantis", "unknown time zone"),
        ("TANDEM_FACILITATORS", "slack:U1", "slack:TEAM:USER"),
        ("TANDEM_FACILITATORS", "teams:ana", "not a person reference"),
        ("SLACK_POSTMESSAGE_RPS", "0", "greater than 0"),
        ("TANDEM_LOCALE", "klingon", "Tandem does not speak 'klingon'; use one of en or de"),
        ("TANDEM_LOCALE", "fr_FR.UTF-8", "does not speak"),
    ],
)
def test_bad_settings_are_refused(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize(
    ("value", "language"), [("de", "de"), ("de_DE.UTF-8", "de"), ("EN", "en"), ("Deutsch", "de")]
)
def test_tandem_locale_is_read_as_a_language(monkeypatch, value, language):
    monkeypatch.setenv("TANDEM_LOCALE", value)
    assert Settings().locale == language
