"""Routing benchmark: index build time and per-question latency for synthetic directories."""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from dataclasses import asdict, dataclass
from typing import Any

from bot.domain.models import Person, Role
from bot.domain.routing import Preference, Router, load_thesaurus

FIRST = ("Anna", "Bram", "Carla", "Daan", "Eline", "Femke", "Gert", "Hanneke", "Ilse", "Joost", "Karin", "Lotte",
         "Maarten", "Nadia", "Olaf", "Petra", "Quinten", "Rianne", "Sander", "Tamara", "Ursula", "Vincent",
         "Wendy", "Yvonne", "Zeger", "Marion", "Dia", "Kees", "Noor", "Sanne")
LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos",
        "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Romein", "Wesseling")
ORGANISATIONS = ("OBA", "BZHE", "Probiblio", "Bibliotheek Utrecht", "Biblionet Drenthe", "Rijnbrink",
                 "Bibliotheek Rotterdam", "Kunst van Lezen", "Cubiss", "Bibliotheek Gouda", "de Bibliotheek Zwolle")
TOPICS = ("schoolkoepels", "opschaling", "financiering", "schoolbesturen", "jaarplannen", "visie",
          "kwaliteitsmanager", "leesmotivatie", "leesconsulenten", "monitor", "evaluatie", "accountplannen",
          "ambitiebrieven", "factsheet", "gemeente", "subsidie", "taalvaardigheid", "gelijke kansen",
          "mediawijsheid", "digitale geletterdheid", "collectie", "schoolbibliotheek", "lezersonderzoek",
          "ouderbetrokkenheid", "voorleesprogramma", "leesplan", "huisvesting", "personeel", "werving",
          "communicatie", "marketing", "onderwijsachterstanden", "kindcentra", "peuterspeelzaal", "bso",
          "dyslexie", "nieuwkomers", "laaggeletterdheid", "inkoop", "contracten", "tarieven", "begroting")
VERBS = ("heeft ervaring met", "werkt aan", "adviseert over", "zette op", "begeleidt", "onderzocht",
         "organiseerde", "schreef over", "evalueerde", "financierde")
OBJECTS = ("samenwerking met {t}", "een plan voor {t}", "de aanpak van {t}", "gesprekken over {t}",
           "het project {t}", "de inzet van {t}", "nieuwe afspraken over {t}", "{t} op scholen")
QUESTION_TEMPLATES = ("Hoe pak ik {a} aan als {b} nog niet geregeld is?",
                      "Wie heeft ervaring met {a} en {b} op meerdere scholen?",
                      "Welke voorbeelden zijn er van {a} in combinatie met {b}?",
                      "Hoe overtuig ik het schoolbestuur van {a}?",
                      "Wat werkt bij {a} voor een kleine bibliotheek met weinig {b}?")


def people(count: int, seed: int = 11) -> list[Person]:
    """``count`` varied Dutch directory people (one coordinator, then colleagues and advisers)."""
    rng = random.Random(seed)
    result = []
    for i in range(count):
        role = Role.COORDINATOR if i == 0 else (Role.ADVISER if rng.random() < 0.25 else Role.COLLEAGUE)
        topics = tuple(rng.sample(TOPICS, rng.randint(2, 5)))
        sentences = [f"{rng.choice(VERBS).capitalize()} {rng.choice(OBJECTS).format(t=rng.choice(TOPICS))}."
                     for _ in range(rng.randint(2, 4))]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        result.append(Person(id=f"p{i}", name=name, organisation=rng.choice(ORGANISATIONS), role=role,
                             email=f"p{i}@bieb.example", topics=topics, expertise=" ".join(sentences),
                             capacity=rng.randint(2, 5), active=rng.random() > 0.05))
    return result


def questions(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(QUESTION_TEMPLATES).format(a=rng.choice(TOPICS), b=rng.choice(TOPICS)) for _ in range(count)]


@dataclass
class RoutingResult:
    """One directory size's figures (times in ms)."""

    people: int
    build_ms: float
    questions: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    index_mb: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))]


def run_routing(sizes: tuple[int, ...], *, max_questions: int = 500, seconds_per_size: float = 10.0,
                memory: bool = True) -> list[RoutingResult]:
    """Build a router per size and rank questions (at most ``max_questions`` or ``seconds_per_size``)."""
    thesaurus = load_thesaurus()
    asked = questions(max_questions)
    results = []
    for size in sizes:
        directory = people(size)
        gc.collect()
        started = time.perf_counter()
        router = Router(directory, thesaurus)
        build_ms = (time.perf_counter() - started) * 1000
        load = {p.id: i % 3 for i, p in enumerate(directory[:50])}
        latencies = []
        deadline = time.perf_counter() + seconds_per_size
        for number, question in enumerate(asked):
            if time.perf_counter() > deadline:
                break
            began = time.perf_counter()
            router.rank(question, preference=(Preference.ANY, Preference.COLLEAGUE, Preference.ADVISER)[number % 3],
                        asker="p1", top=3, load=load)
            latencies.append((time.perf_counter() - began) * 1000)
        results.append(RoutingResult(size, round(build_ms, 1), len(latencies), round(_percentile(latencies, 50), 3),
                                     round(_percentile(latencies, 99), 3), round(max(latencies), 3)))
        del router
    if memory and sizes:
        directory = people(max(sizes))
        gc.collect()
        tracemalloc.start()
        router = Router(directory, thesaurus)
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[-1].index_mb = round(current / 1e6, 1)
        del router
    return results
