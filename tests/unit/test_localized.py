"""Content in two languages: `Localized` texts, built from a plain string or `{de:, en:}`,
falling back to English, refused with one clear line when English is missing or a
language is unknown; and the folding that lets `#Konfliktlösung` be `#konfliktloesung`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from bot import localized as content
from bot.localized import Localized, fold, localized, slug


def test_a_plain_string_is_english():
    text = Localized.of("Communication")
    assert text.text("en") == "Communication"
    assert text.text("de") == "Communication"  # no German: English
    assert text.texts == {"en": "Communication"}


def test_a_mapping_gives_each_language():
    text = Localized.of({"de": "Kommunikation", "en": "Communication"})
    assert text.text("de") == "Kommunikation" and text.text("en") == "Communication"
    assert text.all() == ("Communication", "Kommunikation")  # English first
    assert Localized.of(text) is text


def test_without_a_language_the_current_one_is_used(monkeypatch):
    text = localized("Closing", "Abschluss")
    assert content.current() == "en"
    assert text.text() == "Closing" and str(text) == "Closing"
    monkeypatch.setattr(content, "current", lambda: "de")
    assert text.text() == "Abschluss" and str(text) == "Abschluss"
    assert Localized.of("Only English").text() == "Only English"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"de": "Kommunikation"}, "needs an English text (en)"),
        ({"en": "Communication", "fr": "Communication"}, "unknown language 'fr' (use en, de)"),
        ({"en": "Communication", "EN": "x"}, "unknown language 'EN' (use en, de)"),
        ({"en": "   "}, "needs an English text (en)"),
        ({"en": "Communication", "de": ""}, "the de text is empty"),
        ({"en": "Communication", "de": 3}, "the de text is not a string"),
        ({}, "needs an English text (en)"),
        (["Communication"], "a text is a string or a mapping of languages to strings (en, de)"),
        (42, "a text is a string or a mapping of languages to strings (en, de)"),
    ],
)
def test_a_text_without_english_or_in_an_unknown_language_is_refused(value, message):
    with pytest.raises(ValueError) as caught:
        Localized.of(value)
    assert str(caught.value) == message


def test_equal_texts_are_equal_and_hash_alike():
    a = Localized.of({"en": "Closing", "de": "Abschluss"})
    b = localized("Closing", "Abschluss")
    assert a == b and hash(a) == hash(b) and {a, b} == {a}
    assert a != Localized.of("Closing") and a != "Closing"


def test_to_data_is_json_safe_and_loads_back():
    both = localized("Closing", "Abschluss")
    assert both.to_data() == {"en": "Closing", "de": "Abschluss"}
    assert Localized.of(both.to_data()) == both
    assert Localized.of("Closing").to_data() == "Closing"  # as rows stored before German


class _Thing(BaseModel):
    name: Localized


def test_a_pydantic_model_validates_and_dumps_it():
    thing = _Thing.model_validate({"name": {"en": "Welding", "de": "Schweißen"}})
    assert thing.name.text("de") == "Schweißen"
    assert _Thing.model_validate({"name": "Welding"}).name.text("de") == "Welding"
    assert thing.model_dump() == {"name": {"en": "Welding", "de": "Schweißen"}}
    with pytest.raises(ValidationError) as caught:
        _Thing.model_validate({"name": {"de": "Schweißen"}})
    [error] = caught.value.errors()
    assert error["loc"] == ("name",) and error["msg"].endswith("needs an English text (en)")


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Konfliktlösung", "konfliktloesung"),
        ("KONFLIKTLÖSUNG", "konfliktloesung"),
        ("konfliktloesung", "konfliktloesung"),
        ("Zuverlässigkeit", "zuverlaessigkeit"),
        ("Überblick", "ueberblick"),
        ("Schweißen", "schweissen"),
        ("Gute Ratschläge", "gute-ratschlaege"),
        ("problem_solving", "problem-solving"),
        ("Konfliktlo\u0308sung", "konfliktloesung"),  # a decomposed ö, as macOS writes it
    ],
)
def test_fold_compares_any_case_and_umlauts_as_their_spellings(word, folded):
    assert fold(word) == folded


def test_slug_is_a_name_as_a_tag():
    assert slug("Konfliktlösung") == "konfliktlösung"
    assert slug("Feedback geben und annehmen") == "feedback-geben-und-annehmen"
    assert slug("Gute  Ratschläge") == "gute-ratschläge"
