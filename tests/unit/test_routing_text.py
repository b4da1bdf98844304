"""Dutch text handling for routing: normalisation, stemming, compounds, thesaurus."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.domain.routing.analyser import Analyser
from bot.domain.routing.compounds import CompoundSplitter
from bot.domain.routing.stemmer import stem
from bot.domain.routing.text import content_words, normalise, tokenise
from bot.domain.routing.thesaurus import DEFAULT_PATH, entry_key, load_thesaurus, parse_thesaurus


def test_normalise_lowercases_and_strips_accents():
    assert normalise("Coördinator één Financiële") == "coordinator een financiele"


def test_tokenise_splits_on_punctuation_and_apostrophes():
    assert tokenise("PID's, Geert-Jan & 28 scholen!") == ["pid", "s", "geert", "jan", "28", "scholen"]


def test_content_words_drop_stop_words_filler_and_numbers():
    assert content_words("Kan iemand meekijken naar de offerte die wij aan 28 scholen sturen?") == [
        "offerte", "scholen", "sturen"]


@pytest.mark.parametrize("words", [
    ("bestuur", "besturen"), ("koepel", "koepels"), ("jaarplan", "jaarplannen"), ("offerte", "offertes"),
    ("factuur", "facturen"), ("subsidie", "subsidies"), ("gemeente", "gemeenten", "gemeentes"),
    ("mogelijkheid", "mogelijkheden"), ("boek", "boekje", "boekjes"), ("brief", "brieven"),
    ("lees", "lezen"), ("samenwerking", "samenwerkingen"), ("school", "scholen"),
    ("directeur", "directeuren"), ("belang", "belangen"), ("leerling", "leerlingen"), ("bieb", "biebs"),
])
def test_inflections_share_a_stem(words):
    assert len({stem(word) for word in words}) == 1, {word: stem(word) for word in words}


def test_snowball_keeps_kans_and_kansen_apart():
    """A known difference from the hand-written stemmer (docs/routing.md): the figures did not feel it."""
    assert stem("kansen") != stem("kans")


def test_stemming_gives_the_same_stems_from_several_threads():
    words = [f"{word}{n}en" for n in range(200) for word in ("school", "bestuur", "koepel")]
    expected = [stem.__wrapped__(word) for word in words]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(stem.__wrapped__, words)) == expected


def test_short_words_are_left_alone():
    assert stem("po") == "po" and stem("oba") == "oba"


@pytest.fixture
def splitter() -> CompoundSplitter:
    words = "school bestuur lees consulent koepel directeur kosten verdeling kwaliteit manager collectie richten"
    return CompoundSplitter(stem(word) for word in words.split())


@pytest.mark.parametrize(("word", "parts"), [
    ("schoolbesturen", ("school", "bestuur")),
    ("leesconsulenten", ("lees", "consulent")),
    ("koepeldirecteur", ("koepel", "directeur")),
    ("kostenverdeling", ("kosten", "verdeling")),
    ("kwaliteitsmanager", ("kwaliteit", "manager")),  # linking -s-
    ("scholenkoepels", ("scholen", "koepel")),
])
def test_compounds_split_into_known_parts(splitter, word, parts):
    assert splitter.split(word) == tuple(stem(part) for part in parts)


def test_unknown_head_with_a_known_tail_still_splits(splitter):
    assert splitter.split("wisselcollecties") == (stem("wissel"), stem("collectie"))


def test_separable_verb_gives_the_verb(splitter):
    assert splitter.split("inrichten") == (stem("richten"),)


def test_non_compounds_stay_whole(splitter):
    assert splitter.split("gemeente") == ()
    assert splitter.split("koepel") == ()


def test_parse_thesaurus_reads_groups_comments_and_phrases():
    thesaurus = parse_thesaurus("# comment\n\nstichting, koepel, Bestuur  # trailing\ncommon eye, samenwerkingsmodel\n")
    assert thesaurus.groups == (("stichting", "koepel", "Bestuur"), ("common eye", "samenwerkingsmodel"))
    assert thesaurus.concepts(stem("besturen")) == {0}
    assert thesaurus.concepts("common eye") == {1}
    assert thesaurus.longest_phrase == 2
    assert thesaurus.concepts("onbekend") == frozenset()


def test_phrase_of_one_content_word_is_ignored():
    assert entry_key("alle scholen") == ""
    assert entry_key("gelijke kansen") == f"{stem('gelijke')} {stem('kansen')}"


def test_packaged_thesaurus_loads_and_links_the_domain_synonyms():
    thesaurus = load_thesaurus()
    assert DEFAULT_PATH.name == "thesaurus.txt" and len(thesaurus.groups) > 40
    for pair in [("stichting", "koepel"), ("wethouder", "gemeente"), ("ambtenaar", "raad"),
                 ("rekening", "factuur"), ("offerte", "prijsopgave"), ("kosten", "begroting"),
                 ("geld", "financiering"), ("belangen", "belang"), ("samenwerking", "partnerschap"),
                 ("leesconsulent", "leescoach"), ("jaarplan", "schoolplan")]:
        first, second = (thesaurus.concepts(entry_key(word)) for word in pair)
        assert first & second, pair


def test_load_thesaurus_from_a_given_file(tmp_path: Path):
    path = tmp_path / "eigen.txt"
    path.write_text("pannenkoek, flensje\n", encoding="utf-8")
    assert load_thesaurus(path).groups == (("pannenkoek", "flensje"),)


def test_analyser_gives_words_parts_and_concepts():
    analyser = Analyser(parse_thesaurus("stichting, koepel\ndirecteur, bestuurder\n"), ["koepel directeur"])
    analysis = analyser.analyse("De koepeldirecteuren van een Stichting")
    assert {"w:koepel", "w:directeur", "c:0", "c:1", "w:" + stem("koepeldirecteuren")} <= set(analysis.weights)
    assert analysis.weights["w:koepel"] < analysis.weights["w:" + stem("stichting")]  # a part counts less
    assert analysis.sources["c:0"] == ("koepeldirecteuren", "stichting")
