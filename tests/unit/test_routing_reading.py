"""How the router reads a question: English glossary, separable verbs, typos, verb forms, new compounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.models import Person, Role
from bot.domain.routing import Router, RoutingFeedback, load_thesaurus, parse_thesaurus
from bot.domain.routing.analyser import Analyser
from bot.domain.routing.compounds import CompoundSplitter
from bot.domain.routing.glossary import DEFAULT_PATH, load_glossary, parse_glossary
from bot.domain.routing.reading import CORRECTED, TRANSLATED, QuestionReader, plausible_typo
from bot.domain.routing.spelling import SpellingCorrector
from bot.domain.routing.stemmer import stem

THESAURUS = load_thesaurus()


def person(pid: str, role: Role, topics: tuple[str, ...], expertise: str) -> Person:
    return Person(id=pid, name=pid.title(), organisation="Bibliotheek", role=role, topics=topics,
                  expertise=expertise, capacity=5)


PEOPLE = [
    person("coco", Role.COORDINATOR, ("projectleiding",), "Coördineert het programma."),
    person("kees", Role.COLLEAGUE, ("schoolkoepels", "opschaling"), "Ging gefaseerd van 5 naar 30 scholen."),
    person("fien", Role.ADVISER, ("kostenverdeling", "offertes"), "Hoe de kosten verdeeld worden; facturen."),
    person("vera", Role.ADVISER, ("vertrouwen", "belangen"), "Samenwerkingsrelaties en open communicatie."),
    person("lien", Role.COLLEAGUE, ("vrijwilligers",), "Werft en begeleidt taalvrijwilligers."),
]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(PEOPLE, THESAURUS)


def reader_for(texts: list[str], glossary_text: str = "") -> QuestionReader:
    analyser = Analyser(THESAURUS, texts)
    words = {word for text in texts for word in text.lower().split()}
    return QuestionReader(known=analyser.known, vocabulary=analyser.vocabulary, vocabulary_words=words,
                          glossary=parse_glossary(glossary_text))


def words_of(reader: QuestionReader, text: str) -> list[tuple[str, float]]:
    return [(read.word, read.weight) for clause in reader.read(text) for read in clause]


@pytest.mark.parametrize(("question", "expert"), [
    ("How should the costs be split between school and municipality?", "fien"),
    ("Our school board wants all its schools to join at once. How do we phase that?", "kees"),
    ("How do we build trust with partners who have different interests?", "vera"),
    ("We need more volunteers, how do you recruit them?", "lien"),
])
def test_english_questions_meet_the_dutch_profiles(router, question, expert):
    assert [m.person for m in router.rank(question, top=1)] == [expert]


def test_without_the_glossary_english_finds_nobody():
    plain = Router(PEOPLE, THESAURUS, glossary=parse_glossary(""))
    assert plain.rank("How do we build trust with partners who have different interests?")[0].person == "coco"


def test_glossary_reads_phrases_before_words_and_english_inflections():
    glossary = parse_glossary("# comment\nschool board, school boards = schoolbestuur\n"
                              "board = bestuur\ncost, costs = kosten\n")
    assert glossary.match(["our", "school", "boards", "want"], 1) == (2, ("schoolbestuur",))
    assert glossary.match(["the", "board"], 1) == (1, ("bestuur",))
    assert glossary.match(["the", "costs"], 1) == (1, ("kosten",))
    assert glossary.match(["the", "costs"], 0) == (0, ())


def test_packaged_glossary_loads():
    glossary = load_glossary()
    assert DEFAULT_PATH.name == "english.txt" and len(glossary.entries) > 200
    assert glossary.match(["municipalities"], 0) == (1, ("gemeente",))
    # Words with an everyday English meaning besides the concept are left out on purpose:
    # "find" (not findings), "share" (not a cost share), "support" (help, not buy-in), "offer"
    # (not a quote), "letters" (Dutch: characters), "links" (Dutch: left).
    for ambiguous in ("find", "share", "support", "offer", "letters", "links"):
        assert glossary.match([ambiguous], 0) == (0, ()), ambiguous


def test_a_dutch_word_is_not_translated_even_when_it_is_english_too():
    reader = reader_for(["school data"], "school = onderwijs\ndata = cijfers\n")
    assert words_of(reader, "school data") == [("school", 1.0), ("data", 1.0)]


def test_translations_weigh_a_little_less_than_typed_words():
    reader = reader_for(["kosten"], "costs = kosten\n")
    assert words_of(reader, "kosten") == [("kosten", 1.0)]
    assert words_of(reader, "costs") == [("kosten", TRANSLATED)]


@pytest.mark.parametrize(("typed", "meant"), [
    ("factuuur", "factuur"),  # a letter doubled
    ("kostenverdling", "kostenverdeling"),  # a letter left out
    ("scholenkoepls", "scholenkoepels"),
    ("begrotnig", "begroting"),  # two letters swapped
    ("offwrtes", "offertes"),  # a keyboard neighbour (w for e)
])
def test_typos_are_read_as_the_directory_word(typed, meant):
    reader = reader_for(["factuur kostenverdeling scholenkoepels begroting offertes"])
    assert words_of(reader, typed) == [(meant, CORRECTED)]


@pytest.mark.parametrize(("typed", "known"), [
    ("factoren", "facturen"),  # another vowel: another word
    ("geldt", "geld"),  # a verb form, not a slip
    ("verhalen", "verdelen"),  # two letters replaced
    ("meteen", "meten"),  # a long vowel: another word
    ("houd", "houdt"),  # the other way round: a form of the same verb
])
def test_other_words_are_not_corrected_into_directory_words(typed, known):
    assert not plausible_typo(typed, known)
    reader = reader_for([known])
    assert words_of(reader, typed) == [(typed, 1.0)]


def test_a_typo_still_routes(router):
    assert router.rank("factuuur en ofertes voor de school", preference="adviser", top=1)[0].person == "fien"


def test_separable_verbs_are_joined_again():
    reader = reader_for(["opschalen samenwerken"])
    assert ("opschalen", 1.0) not in words_of(reader, "hoe schaal je dat op")
    assert ("opschaal", 1.0) in words_of(reader, "hoe schaal je dat op")
    assert ("samenwerken", 1.0) in words_of(reader, "werken jullie al lang samen")
    assert stem("samenwerken") in [stem(word) for word, _ in words_of(reader, "werkt de school goed samen")]
    # A particle that makes no known word joins nothing, even when both parts are known words.
    assert [word for word, _ in words_of(reader_for(["geld voor"]), "geld voor de school")] == ["geld", "school"]


def test_clauses_keep_phrases_apart():
    reader = reader_for(["gelijke kansen"])
    assert [[read.word for read in clause] for clause in reader.read("gelijke, kansen")] == [["gelijke"], ["kansen"]]


def test_present_tense_t_is_read_as_the_verb():
    analyser = Analyser(parse_thesaurus(""), ["de kosten betalen en opleveren"])
    assert "w:" + stem("betalen") in analyser.analyse("wie betaalt").weights
    assert "w:" + stem("opleveren") in analyser.analyse("wat het oplevert").weights
    assert "w:" + stem("kost") in analyser.analyse("wat kost het").weights


def test_known_head_with_a_new_tail_splits():
    splitter = CompoundSplitter([stem("effectiviteit"), stem("school")])
    assert splitter.split("effectiviteitsfactoren") == (stem("effectiviteit"), stem("factoren"))


def test_guessed_compound_parts_do_not_make_a_word_known():
    analyser = Analyser(parse_thesaurus(""), ["school koepel"])
    assert analyser.known("schoolkoepel")
    assert not analyser.known("schoolkoepls")  # split as school + koepls, but koepls is no word


def test_glossary_file_lines_without_a_translation_are_skipped(tmp_path: Path):
    path = tmp_path / "english.txt"
    path.write_text("just english\n= only dutch\nfund = fonds\n", encoding="utf-8")
    assert load_glossary(path).entries == {("fund",): ("fonds",)}


def test_spelling_corrector_can_be_held_to_one_edit():
    targets = ["kostenverdeling"]
    assert SpellingCorrector(targets=targets, known=[]).correct("kostnverdelng") == "kostenverdeling"
    assert SpellingCorrector(targets=targets, known=[], max_edits=1).correct("kostnverdelng") == "kostnverdelng"
    assert SpellingCorrector(targets=targets, known=[], max_edits=1).correct("kostenverdelng") == "kostenverdeling"


def test_a_learned_question_is_read_like_the_next_one():
    # The coordinator sent an English question to kees: the next one like it goes there too,
    # so the learned question is read (translated) the way new questions are.
    learned = Router(PEOPLE, THESAURUS, feedback=[RoutingFeedback("What works for teenagers?", "kees")])
    assert Router(PEOPLE, THESAURUS).rank("Tips for teenagers?")[0].person == "coco"
    assert learned.rank("Tips for teenagers?")[0].person == "kees"
