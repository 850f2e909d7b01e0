"""PeerTube's vocabularies, as its clients and its validators expect them."""
import re

from peerless.vocabulary import CATEGORIES, LANGUAGES, LICENCES


def test_categories_and_licences_are_peertubes():
    assert list(CATEGORIES) == list(range(1, 19))
    assert CATEGORIES[15] == "Science & Technology" and CATEGORIES[18] == "Food"
    assert list(LICENCES) == list(range(1, 8))
    assert LICENCES[7] == "Public Domain Dedication"


def test_languages_use_peertubes_codes_and_labels():
    for code in LANGUAGES:
        # ISO 639-1, ISO 639-3, or PeerTube's regional variants ("pt-PT", "ca-valencia").
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)?", code), code
        assert LANGUAGES[code].strip() == LANGUAGES[code] != ""
    assert LANGUAGES["en"] == "English" and LANGUAGES["zh-Hans"] == "Simplified Chinese"
    assert LANGUAGES["es"] == "Spanish (Spain)" and LANGUAGES["oc"] == "Occitan"
    assert LANGUAGES["zxx"] == "No linguistic content" and LANGUAGES["eo"] == "Esperanto"
    assert len(set(LANGUAGES.values())) == len(LANGUAGES)
