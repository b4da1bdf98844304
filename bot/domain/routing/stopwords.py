"""Dutch stop words: function words plus the filler of questions ("kan iemand mij helpen").

Kept apart from the thesaurus on purpose: these words carry no topic, in any programme.
Entries are normalised (lowercase, no accents).
"""

from __future__ import annotations

_FUNCTION_WORDS = """
aan af al alle alleen alles als altijd andere anders ben bij bijvoorbeeld binnen blijft blijkt
daar daarbij daardoor daarin daarmee daarna daarom daarvan dan dat de deze die dit doch doen door
dus echter een eens eigen eigenlijk elk elke en enz enzovoort er erg ergens ermee ervan even geen
ge gehad geweest had heb hebben hebt heeft hem hen het hier hij hoe hoeveel hoor hun iets ik in
inmiddels is ja je jij jou jouw jullie kan kon konden kun kunnen kunt maar me meer men met mij mijn
moet moeten mogen na naar niet niets nog nou nu of om omdat ons onze ook op over per reeds rond
samen sinds sommige steeds te tegen toch toe tot u uit uw van veel via voor vooral waar waarbij
waarin waarom wanneer want waren was wat we wel welk welke werd wie wij wil willen word worden
wordt zal ze zelf zich zij zijn zo zoals zonder zou zouden zulke zullen zeer zit zitten hierbij
hiervoor hierover daarover waarover waarmee waarvoor wier wiens ieder iedere iemand niemand
elkaar elkaars mekaar ons nee jaar jaren keer paar beetje heel echt goed goede best beste
tussen nieuw nieuwe nieuwste werk werken werkt werkte gewerkt
""".split()

_QUESTION_FILLER = """
vraag vragen vraagje stel stellen graag help helpen hulp hulpvraag tip tips idee ideeen weet weten
wist iemand ervaring ervaringen ervaringsdeskundige gedaan doet deed aanpakken aanpak pak pakken
aangepakt manier manieren handig handige slim slimme advies adviseren adviseer meedenken denken
meekijken kijken mee sparren sparring zoek zoeken zoekt gezocht vind vinden vindt mag misschien
lukt lukken lukte krijgen krijg krijgt kreeg gaan ga gaat ging gegaan maken maak maakt gemaakt
hebben wil wilt wilden zouden iemand welke wie hoe dank bedankt alvast groet groeten hallo hoi
beste collega collegas ik we wij onze ons mijn zelf nodig zinvol verstandig precies snel sneller
""".split()

STOP_WORDS: frozenset[str] = frozenset(_FUNCTION_WORDS) | frozenset(_QUESTION_FILLER)
