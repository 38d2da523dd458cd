"""The adapters' own words in the reader's language: the console's prompts and notes, the
Slack App Home, modals and notes, the Discord modal's language and its notes, the
progress chart's title, legend and text alternative, the CLI's lines; English unchanged.

In-process, on SQLite in a temporary folder, with the local fake of Slack's Web API. What
the core's handlers say is other modules' (their own tests say it in German); here the
adapter's words around it are checked, and where a whole answer is the adapter's (the
App Home), all of it."""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.bootstrap import Application, build
from adapters.charts import draw
from adapters.clock import ShiftableClock, SystemClock
from adapters.console.render import render
from adapters.console.repl import Console
from adapters.discord.render import messages
from adapters.dm_channels import DmChannels
from adapters.settings import Settings
from adapters.slack.blocks import message, modal_language
from adapters.slack.handoff import InboxFront
from adapters.slack.identity import identity as slack_identity
from adapters.slack.work import slack_context
from bot.assessments import Assessment
from bot.domain import Identity, Platform, Profile
from bot.i18n import speaking
from bot.outcome import Outcome
from bot.replies import Audience, Button, Form, FormInput, Reply
from tests.support.fake_slack import TEAM, FakeSlack
from tests.support.language import assert_german

TANDEM = Path(sys.executable).with_name("tandem")


def application(folder: Path, clock: Any = None, **settings: str) -> Application:
    folder.mkdir(parents=True, exist_ok=True)
    values = {"DATABASE_URL": f"sqlite:///{folder / 'tandem.db'}", **settings}
    return build(Settings(**values), clock or SystemClock(), console=True)


# -- the console -------------------------------------------------------------------------


def console_session(folder: Path, lines: str, **settings: str) -> str:
    clock = ShiftableClock()
    app = application(folder, clock, **settings)
    out = io.StringIO()
    try:
        Console(app, clock, "greta", stdin=io.StringIO(lines), stdout=out).run()
    finally:
        app.close()
    return out.getvalue()


SESSION = (
    "/time\n"
    "/time soon\n"
    "/time +9w\n"
    "/frobnicate\n"
    "/as\n"
    "/as two words\n"
    "/learn diary new\n"
    "\n"  # the entry's text is required: asked again
    "/cancel\n"
    "/learn diary new\n"
    "Erster Tag\n"
    "/learn help\n"  # a command leaves the form
    "/learn checkin now\n"  # a direct message, delivered through the outbox
)


def console_own(transcript: str) -> list[str]:
    """The console's own lines: its notes, prompts and headers (not the core's answers,
    which other modules translate), with the form's title and labels (the core's) cut."""
    own = []
    for line in transcript.splitlines():
        if line.startswith("greta> ") and not line.startswith("greta> /"):
            continue
        if line.startswith("greta> /"):
            continue  # what was typed
        own.append(line)
    return own


def test_a_german_console_session_speaks_german(tmp_path):
    out = console_session(tmp_path, SESSION, TANDEM_LOCALE="de")
    with speaking("de"):
        app = application(tmp_path / "probe", TANDEM_LOCALE="de")
        [opened] = app.tandem.handle(Identity(Platform.CONSOLE, "", "greta"), "/learn diary new")
        app.close()
    form = opened.form
    assert form is not None
    clock_note, *_ = out.splitlines()
    assert re.fullmatch(
        r"\(Die Konsolenzeit beginnt bei jedem Start mit der echten Zeit: "
        r"\w\w\., \d\d\.\d\d\.\d{4}, \d\d:\d\d UTC\. /time \+1d stellt sie vor, nur für "
        r"diesen Lauf\.\)",
        clock_note,
    ), clock_note
    assert re.search(r"^Konsolenzeit: \w\w\., \d\d\.\d\d\.\d{4}, \d\d:\d\d UTC$", out, re.M)
    assert "Stell die Uhr so vor: /time +30m, +2h, +3d oder +1w." in out
    assert "Stell die Uhr höchstens acht Wochen auf einmal vor." in out
    assert "Unbekannter Konsolenbefehl /frobnicate." in out
    assert "Du bist greta. Wechsle mit /as NAME." in out
    assert "Ein Konsolenname ist ein Wort ohne Leerzeichen" in out
    header = (
        f"tandem (nur du siehst das): {form.title}. Enter überspringt eine freiwillige Frage; "
        "/cancel verlässt das Formular."
    )
    assert header in out
    assert "tandem (nur du siehst das): Abgebrochen; es wurde nichts gespeichert." in out
    assert "Formular verlassen, nichts gespeichert; jetzt läuft /learn." in out
    assert "\ntandem (Direktnachricht an greta): " in out  # rendered for the recipient
    # the form's prompts: the core's label, the console's hint
    share = next(i for i in form.inputs if i.options)
    assert f"  {share.label} ({' / '.join(share.options)}; Enter überspringt): " in out
    # everything the console says of its own is German (the core's words cut out), up to
    # where help (the core's) begins
    said = out.split("jetzt läuft /learn.", 1)[0]
    core = [opened.text, form.title, *(i.label for i in form.inputs)]
    core += [o for i in form.inputs for o in i.options]
    for line in console_own(said):
        if line.startswith("tandem (nur du siehst das): !"):
            continue  # the core's refusal of an empty text (its words: the forms')
        for words in core:
            line = line.replace(words, " ")
        if line.strip():
            assert_german(line, allow=("UTC", "Enter", "Tandem", "NAME", "/time", "+1d"))


def test_the_same_console_session_in_english_is_unchanged(tmp_path):
    out = console_session(tmp_path, SESSION)
    clock_note = out.splitlines()[0]
    assert re.fullmatch(
        r"\(Console time starts at the real time on every run: \w{3} \d\d \w{3} \d{4} "
        r"\d\d:\d\d UTC\. /time \+1d moves it, for this run only\.\)",
        clock_note,
    ), clock_note
    assert re.search(r"^Console time: \w{3} \d\d \w{3} \d{4} \d\d:\d\d UTC$", out, re.M)
    assert "Move the clock forward like this: /time +30m, +2h, +3d or +1w." in out
    assert "Move the clock at most eight weeks at a time." in out
    assert (
        "Unknown console command /frobnicate. Use /learn ..., /as NAME, /time +1d or /quit." in out
    )
    assert "You are greta. Switch with /as NAME." in out
    assert "A console name is one word without spaces, ':' or '@'." in out
    assert ". Enter skips an optional question; /cancel leaves the form." in out
    assert "tandem (only you see this): Cancelled; nothing was saved." in out
    assert "tandem (only you see this): Left the form, nothing saved, to run /learn." in out
    assert "\ntandem (direct message to greta): " in out
    assert "; Enter skips): " in out


def test_the_console_renders_in_the_language_spoken():
    reply = Reply(
        text="Hallo",
        audience=Audience.DM,
        buttons=(Button(label="Hilfe", command="help"),),
    )
    with speaking("de"):
        german = render(reply, recipient="greta")
    assert german.splitlines() == [
        "tandem (Direktnachricht an greta): Hallo",
        "  [Hilfe]  tipp: /learn help",
    ]
    assert render(reply, recipient="greta").splitlines() == [
        "tandem (direct message to greta): Hallo",
        "  [Hilfe]  type: /learn help",
    ]


def test_a_switch_to_someone_who_reads_german_is_said_in_german(tmp_path):
    clock = ShiftableClock()
    app = application(tmp_path, clock)
    try:
        # hans has read Tandem in German before (his platform said so)
        app.tandem.handle(
            Identity(Platform.CONSOLE, "", "hans"), "/learn help", Profile("hans", locale="de")
        )
        out = io.StringIO()
        Console(app, clock, "greta", stdin=io.StringIO("/as hans\n/as\n"), stdout=out).run()
    finally:
        app.close()
    assert "Du bist jetzt hans." in out.getvalue()
    assert "Du bist hans. Wechsle mit /as NAME." in out.getvalue()


def test_missed_check_ins_are_counted_in_the_readers_language(tmp_path):
    lines = "/learn checkin every mon,tue,wed,thu,fri 09:00\n/time +1w\n"
    german = console_session(tmp_path / "de", lines, TANDEM_LOCALE="de")
    english = console_session(tmp_path / "en", lines)
    assert re.search(r"\(tandem: \d+ Check-ins? als verpasst markiert\)", german), german
    assert re.search(r"\(tandem: \d+ check-ins? marked missed\)", english), english


# -- Slack -------------------------------------------------------------------------------


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    fake.add_user("U0GRETA", "greta", locale="de-DE")
    fake.add_user("U0ANA", "ana", locale="en-US")
    yield fake
    fake.stop()


def slack_app(folder: Path, fake: FakeSlack) -> Application:
    return application(
        folder, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake.api_url
    )


def texts(value: Any) -> list[str]:
    """Every text a person reads in a Block Kit structure (its "text" fields)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found += texts(item)
    elif isinstance(value, list):
        for item in value:
            found += texts(item)
    return found


async def _home(app: Application, user: str, entry: str) -> None:
    async with aiohttp.ClientSession() as session:
        context = slack_context(app, session, DmChannels())
        profile = await context.profiles.get(user)
        who = slack_identity(TEAM, user)
        await context.call(app.tandem.handle, who, f"diary {entry}", profile)
        await context.call(app.tandem.handle, who, "checkin every mon 09:00", profile)
        await context.publish_home(TEAM, user)


def published_home(fake: FakeSlack, user: str) -> dict[str, Any]:
    [call] = [c for c in fake.calls_to("views.publish") if c.body["user_id"] == user]
    return call.body["view"]


def test_the_app_home_of_a_german_slack_user_is_german(tmp_path, fake):
    app = slack_app(tmp_path, fake)
    try:
        asyncio.run(_home(app, "U0GRETA", "Heute Feedback gegeben"))
        asyncio.run(_home(app, "U0ANA", "Gave feedback today"))
    finally:
        app.close()
    german = published_home(fake, "U0GRETA")
    said = texts(german["blocks"])
    assert said[0] == "Hallo greta"
    shown = "\n".join(said)
    for words in (
        "Dein Lernen",
        "Nächster Check-in",
        "Lernpartner:in",
        "noch kein Tandem",
        "Entwicklungsziele",
        "Zeitzone",
        "Eintrag 1",
        "privat",
        "Tagebucheintrag schreiben",
        "Check-in starten",
        "Hilfe",
    ):
        assert words in shown, words
    assert re.search(r"Mo\., \d\d\.\d\d\., 09:00", shown), shown
    assert_german(shown.replace("Heute Feedback gegeben", ""), allow=("Europe",))
    english = "\n".join(texts(published_home(fake, "U0ANA")["blocks"]))
    for words in (
        "Hello ana",
        "Your learning",
        "Next check-in",
        "Learning partner",
        "not paired yet",
        "Entry 1",
        "private",
        "Write a diary entry",
        "Check-in now",
    ):
        assert words in english, words
    assert re.search(r"Mon \d\d \w{3}, 09:00", english), english


def test_the_welcome_on_the_home_tab_is_in_the_slack_locale(tmp_path, fake):
    app = slack_app(tmp_path, fake)

    async def open_home() -> None:
        async with aiohttp.ClientSession() as session:
            await slack_context(app, session, DmChannels()).publish_home(TEAM, "U0GRETA")

    try:
        asyncio.run(open_home())
    finally:
        app.close()
    shown = "\n".join(texts(published_home(fake, "U0GRETA")["blocks"]))
    assert "Willkommen bei Tandem" in shown and "Hilfe" in shown
    assert_german(shown)


FORM = Form(
    form_id="diary",
    title="Neuer Eintrag",
    submit_label="Speichern",
    inputs=(
        FormInput(name="text", label="Was ist passiert?", multiline=True),
        FormInput(
            name="share", label="Teilen mit", options=("privat", "Lerngruppe"), required=False
        ),
    ),
)


async def _modal(app: Application, language: str | None) -> None:
    async with aiohttp.ClientSession() as session:
        context = slack_context(app, session, DmChannels())
        said = Outcome([Reply(text="Neuer Eintrag", form=FORM)], language=language)
        await context.answer(said, user_id="U0GRETA", trigger_id="trigger-1")


def test_a_modal_for_a_german_user_is_german_and_keeps_its_language(tmp_path, fake):
    app = slack_app(tmp_path, fake)
    try:
        asyncio.run(_modal(app, "de"))
        asyncio.run(_modal(app, "en"))
        asyncio.run(_modal(app, None))  # the core said nothing: greta's Slack locale
    finally:
        app.close()
    german, english, by_locale = [c.body["view"] for c in fake.calls_to("views.open")]
    assert german["close"]["text"] == "Abbrechen" and english["close"]["text"] == "Cancel"
    assert_german("\n".join(texts(german)))
    assert modal_language(german) == "de" and modal_language(english) == "en"
    assert by_locale["close"]["text"] == "Abbrechen" and modal_language(by_locale) == "de"


def test_slacks_own_notes_are_in_the_readers_language():
    reply = Reply(
        text="Ein Bild",
        chart={"title": "t", "categories": ("a",), "series": (), "alt_text": "a"},
    )
    with speaking("de"):
        german = "\n".join(texts(message(reply)["blocks"]))
        front = InboxFront.__new__(InboxFront)
        front.language = "de"
        not_saved = front.not_saved()
    assert "Das Bild dazu findest du in deinen Direktnachrichten mit Tandem." in german
    assert_german(german)
    assert not_saved.startswith("Es wurde nichts gespeichert")
    assert "The picture of this is in your direct messages with Tandem." in json.dumps(
        message(reply)
    )
    front.language = None
    assert front.not_saved().startswith("Nothing was saved: Tandem can't reach its database")


# -- the progress chart, and the embeds and blocks it becomes ----------------------------


def assessed(app: Application, who: Identity, profile: Profile, count: int = 2) -> None:
    """`count` completed self-assessments of `who` (two at most), ten weeks apart, written
    as the form would."""
    app.tandem.handle(who, "/learn help", profile)
    traits = [t.id for t in app.tandem.policy.competences.traits()][:3]
    with app.tandem._uow_factory() as uow:  # noqa: SLF001  (seeding: the form's result)
        person = uow.people.by_identity(who)
        assert person is not None and person.id is not None
        start = person.created_at
        for weeks, level in ((0, 2), (10, 3))[:count]:
            at = start + timedelta(weeks=weeks)
            added = uow.assessments.add(Assessment(person.id, "initial", at))
            assert added.id is not None
            uow.assessments.rate(added.id, {t: level for t in traits}, at)
            uow.assessments.complete(added.id, at)
        uow.commit()


def progress(tmp_path: Path, locale: str, count: int = 2) -> Reply:
    app = application(tmp_path / locale)
    try:
        who = Identity(Platform.CONSOLE, "", "greta")
        profile = Profile("greta", locale=locale)
        assessed(app, who, profile, count)
        [reply] = app.tandem.handle(who, "/learn progress", profile)
    finally:
        app.close()
    return reply


def test_the_progress_chart_and_its_words_are_german_for_a_german_reader(tmp_path):
    reply = progress(tmp_path, "de")
    chart = reply.chart
    assert chart is not None
    assert chart.title == "Deine Kompetenzen und Werte (1 bis 5)"
    names = [s.name for s in chart.series]
    assert [re.sub(r"\d", "0", n) for n in names] == ["erste (00.00.0000)", "neueste (00.00.0000)"]
    assert chart.alt_text.startswith("2 Selbsteinschätzungen, die erste vom ")
    assert "(vorher 2)" in chart.alt_text and "0 Ziele." in chart.alt_text
    figure = draw(chart)  # what the picture shows: the title and the legend
    assert figure.axes[0].get_title() == chart.title
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == names
    categories = " ".join(chart.categories)  # the competence names are content's, not ours
    words = reply.text + chart.alt_text + chart.title + " ".join(names)
    assert_german(words.replace(categories, " "), allow=tuple(chart.categories))
    # on Discord the sections are embeds, their titles German
    with speaking("de"):
        [part] = messages(reply)
    assert [e.title for e in part.embeds] == [
        "Gemessen an den Zielen",
        "Alle Werte und Kompetenzen",
    ]
    assert part.embeds[0].description == "Noch keine Ziele."
    with speaking("de"):
        blocks = "\n".join(texts(message(reply)["blocks"]))
    assert "*Gemessen an den Zielen*" in blocks and "Das Bild dazu findest du" in blocks


def test_the_progress_chart_in_english_is_unchanged_but_for_its_plurals(tmp_path):
    reply = progress(tmp_path, "en")
    chart = reply.chart
    assert chart is not None
    assert chart.title == "Your competences and values (1 to 5)"
    assert [re.sub(r"\d\d \w{3} \d{4}", "D", s.name) for s in chart.series] == [
        "first (D)",
        "latest (D)",
    ]
    assert re.match(
        r"2 self-assessments, the first of \d\d \w{3} \d{4}, the latest of ", chart.alt_text
    )
    assert chart.alt_text.split(";")[1].startswith(" 0 goals.")
    assert [s.title for s in reply.sections] == ["Against the goals", "Every value and competence"]
    single = progress(tmp_path / "one", "en", count=1)
    assert single.text.startswith(
        "Your progress. 1 self-assessment, the first of "
    )  # not "1 self-assessments"


# -- Discord -----------------------------------------------------------------------------
# (the interactions themselves: tests/integration/test_discord.py)


# -- the command line --------------------------------------------------------------------


def cli(folder: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    import os

    command = [str(TANDEM)] if TANDEM.exists() else [sys.executable, "-m", "adapters.cli"]
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TANDEM_"))
    }
    environment.update(env)
    return subprocess.run(
        [*command, *args],
        input=stdin,
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_forget_confirmation_speaks_the_deployments_language(tmp_path):
    cli(tmp_path, "console", "--as", "greta", stdin="/learn diary Erster Tag\n")
    kept = cli(tmp_path, "forget", "--user", "console:greta", stdin="nein\n", TANDEM_LOCALE="de")
    assert kept.returncode == 1
    assert "Damit werden console:greta und " in kept.stderr
    assert "Tipp ja, um zu löschen: " in kept.stderr
    assert "tandem: Es wurde nichts gelöscht." in kept.stderr
    erased = cli(tmp_path, "forget", "--user", "console:greta", stdin="ja\n", TANDEM_LOCALE="de")
    assert erased.returncode == 0 and json.loads(erased.stdout)["erased"] == "console:greta"
    nobody = cli(tmp_path, "forget", "--user", "console:greta", "--yes", TANDEM_LOCALE="de")
    assert nobody.stderr.strip() == "tandem: Niemand ist als console:greta gespeichert"
    english = cli(tmp_path, "forget", "--user", "console:greta", "--yes")
    assert english.stderr.strip() == "tandem: no one is stored as console:greta"


def test_a_refused_start_is_said_in_the_deployments_language(tmp_path):
    german = cli(tmp_path, "slack", TANDEM_LOCALE="de")
    assert german.returncode == 2
    assert german.stderr.strip() == "tandem slack: SLACK_BOT_TOKEN ist nicht gesetzt"
    english = cli(tmp_path, "discord")
    assert english.stderr.strip() == "tandem discord: DISCORD_TOKEN is not set"


# -- the outbox: rendered in each recipient's language -----------------------------------


class Recording:
    """A sender that notes in which language it was asked to render each message."""

    def __init__(self) -> None:
        self.spoken: list[tuple[str, str]] = []

    def send(self, recipient, reply, idempotency_key, attempt=1):  # noqa: ANN001, ANN201
        from bot.delivery import SendResult
        from bot.i18n import current

        self.spoken.append((recipient.display_name, current()))
        return SendResult.sent()


def test_each_outbox_message_is_rendered_in_its_recipients_language(tmp_path):
    app = application(tmp_path)
    try:
        for name, locale in (("greta", "de-DE"), ("ana", "en-US")):
            who = Identity(Platform.CONSOLE, "", name)
            app.tandem.handle(who, "/learn checkin now", Profile(name, locale=locale))
        sender = Recording()
        with speaking("en"):  # whatever the delivery thread spoke before
            app.delivery.drain(sender)
    finally:
        app.close()
    assert sorted(sender.spoken) == [("ana", "en"), ("greta", "de")]
