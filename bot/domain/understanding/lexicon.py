"""The words of understanding: weighted cues per intent, document kinds, greetings and fillers.

A cue is a pattern over a message's normalised words: elements separated by spaces, each a set
of alternatives separated by ``|``; an alternative matches a word itself or any inflection with
the same Snowball stem (``=x``: the word itself only), and ``x*`` matches every word that
starts with ``x``. Elements match in order with at most ``GAP`` other words between them;
``^`` and ``$`` pin a pattern to the start or end of the message, and a final ``+`` asks for
more words after the match. ``{NAME}`` stands for a word group below, ``{DOC}`` for any word
that names a document kind; either may be one alternative among others (``{DOC}|{DOCWORD}``).

Weights: 3.5-5 for wording that names the action outright, 2-3 for a strong hint. ``damp`` is
what each of the message's *other* content words takes off: a command word in a long sentence
full of topic words is usually part of a question, not a command ("hoe zorg ik dat de directeur
de deadline niet mist?"), while a personal frame ("mijn vraag", "wanneer moet ik") keeps its
meaning in a longer sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.understanding.intents import Intent

GAP = 4
KEYWORD = 0.45  # a bare command word among other content words
FRAME = 0.15  # a personal or explicit phrasing
WHOLE = 0.0  # only matches a message that is (nearly) nothing else
ALONE = 1.0  # means this only on its own: "ik snap niet" is help, "ik snap niet waarom de gemeente ..." a question

GROUPS = {
    "SUBMIT": ("insturen instuur* ingestuurd inleveren inlever* lever indienen dien* uploaden upload* opsturen "
               "opstuur* stuur sturen versturen verstuur* aanleveren toevoegen delen deel doorsturen doorstuur* "
               "mailen submit* send hand share kwijt"),
    "DOCWORD": "document* bestand* file stuk* bijlage",
    "REM": "herinner* reminder* seintje* melding* notificatie* notification* herinnerd",
    "MY": "mijn my mij me",
    "ME": "mij me",
    "DEL": "verwijder* wis wissen wist gewist delete* remove* erase* vergeet vergeten schrap* wipe weghal* weggooi* "
           "uitschrijv* uitgeschreven unsubscribe*",
    "PERSONAL": "gegevens persoonsgegevens data account profiel info informatie",
    "QUESTION": "vraag vragen vraagje question* sparringvraag* sparringverzoek*",
    "EXAMPLE": "voorbeeld* example* sample* template* sjabloon* format* model*",
    # Compounds of the file types too ("excelbestand", "csv-export"), but not "excellent".
    "EXPORT": ("export* exporteer* download* csv* xlsx* excel excelbestand* excelsheet* excellijst* exceldownload* "
               "excelexport* exceltabel* spreadsheet*"),
}


@dataclass(frozen=True)
class Cue:
    """One weighted pattern for an intent."""

    intent: Intent
    pattern: str
    weight: float
    damp: float


def _cues(intent: Intent, *rows: tuple[str, float, float]) -> list[Cue]:
    return [Cue(intent, pattern, weight, damp) for pattern, weight, damp in rows]


CUES: list[Cue] = [
    *_cues(Intent.ASK_QUESTION,
           ("^=vraag|=question|=sparringvraag+", 3.0, WHOLE),  # "vraag: ..." as the command with its text
           ("^=vraag|=sparringvraag|=question$", 3.0, WHOLE),  # the old command word, alone
           ("^=vragen|=questions$", 1.9, WHOLE),  # alone, "vragen" may mean any of three: ask
           ("nieuwe|new {QUESTION}", 3.0, FRAME),
           ("{QUESTION} stellen|stel|ask", 3.0, FRAME),
           ("ik|i heb|have een|a {QUESTION}", 3.0, FRAME),
           ("sparringvraag*", 2.5, FRAME),
           ("sparren|meedenken|meekijken|spar", 2.0, FRAME)),
    *_cues(Intent.SUBMIT_DOCUMENT,
           ("{DOC} {SUBMIT}", 3.5, FRAME),
           ("{SUBMIT} {DOC}", 3.5, FRAME),
           ("{DOCWORD} {SUBMIT}", 3.0, FRAME),
           ("{SUBMIT} {DOCWORD}", 3.0, FRAME),
           ("^{SUBMIT}$", 3.0, WHOLE),
           # Asking leave to hand in a document is handing it in: "Can I send you our account plan?".
           ("^kan|kun|mag|can|may|could ik|i {SUBMIT} {DOC}|{DOCWORD}", 4.0, KEYWORD),
           ("hier|hierbij|bijgevoegd|bijgaand|attached|here|bijlage {DOC}", 3.0, FRAME),
           ("bij deze|dezen {DOC}", 3.0, FRAME),  # "bij deze het ingevulde format": hierbij in two words
           # Where a finished document goes: "de offerte staat klaar, waar moet die naartoe?".
           ("{DOC} waar|where naartoe|heen|kwijt", 3.5, KEYWORD),
           ("ik|i heb|have een|de|onze|ons|mijn|an|our {DOC}", 1.5, FRAME),
           ("{SUBMIT}", 1.5, KEYWORD)),
    *_cues(Intent.DEADLINES,
           ("deadline*|inleverdatum|einddatum|due|uiterlijk", 3.0, KEYWORD),
           ("{MY} deadline*", 3.5, FRAME),
           ("wanneer|when moet|af|binnen|klaar|due|sessie*|bijeenkomst*|session*|meeting", 3.5, FRAME),
           ("wanneer|when {SUBMIT}", 3.5, FRAME),
           ("tot|voor wanneer", 3.5, FRAME),
           ("welke|what datum|data|date*", 3.0, FRAME),
           ("uiterste|laatste|last|final datum|dag|termijn|date|day", 3.5, FRAME),  # "de uiterste datum voor ..."
           ("data|datum|dates van|of de sessie*|bijeenkomst*|session*", 3.0, FRAME),
           ("hoeveel|how tijd|time", 3.0, FRAME),
           ("hoe lang heb ik", 3.5, FRAME),
           ("wat|what moet|must ik|i nog|still doen|do|inleveren|regelen", 3.5, FRAME),
           # "wat moet ik deze week nog opsturen", "welke stukken moet ik nog insturen": asking what is due.
           ("moet|must ik|i nog|still {SUBMIT}", 4.0, KEYWORD),
           ("^wat moet ik nog$", 3.0, WHOLE),
           ("open|openstaan voor|qua mij|ik|inlever*|insturen", 3.5, FRAME),
           ("nog te doen|regelen", 3.0, FRAME),
           ("wanneer|when|uiterlijk moet|must ik|i {SUBMIT}", 4.2, FRAME),
           ("when need|have|ought to {SUBMIT}", 4.2, FRAME),  # "when do I need to send in ..."
           ("when do|does|should i|we {SUBMIT}", 4.0, FRAME),
           ("openstaand*|open taken|taak|todo*|klussen|punten", 3.0, FRAME),  # "heb ik nog openstaande taken?"
           ("agenda|planning|rooster|schedule|upcoming|komende", 2.0, KEYWORD)),
    *_cues(Intent.MY_QUESTIONS,
           ("mijn|my {QUESTION}", 3.5, FRAME),
           ("mijn|my * {QUESTION}", 2.5, FRAME),
           ("status|stand {QUESTION}", 3.0, FRAME),
           ("{QUESTION} heb|gesteld|openstaan|ingediend ik", 3.0, FRAME),
           ("ik heb|ik gesteld|ingediend|ingestuurd", 1.0, FRAME),
           ("antwoord*|reactie|gereageerd|nieuws|news|answer* {QUESTION}", 2.0, FRAME),
           ("{QUESTION} intrekken|terugtrekken|withdraw|verwijder*|annuleer*", 3.5, FRAME),
           ("al antwoord|answer", 2.5, FRAME),
           # What I asked, in the past tense: "reacties op wat ik vroeg", "wat ik gevraagd heb".
           ("wat|what ik|i vroeg|gevraagd|stelde|asked", 3.0, FRAME),
           ("^=vragen|=questions$", 2.0, WHOLE)),
    *_cues(Intent.MY_REQUESTS,
           ("mijn|my verzoek*|request*", 4.0, FRAME),
           ("verzoek*|request*", 2.5, KEYWORD),
           ("{QUESTION} voor|bij|aan|for mij|me", 3.5, FRAME),
           ("toegewezen|gekoppeld|assigned", 3.0, FRAME),
           ("beantwoorden|beantwoord|answer", 2.5, FRAME),
           ("antwoord van mij", 3.5, FRAME),
           ("op mijn bord|lijst*", 2.5, FRAME),
           ("op het|mijn bord", 2.5, FRAME),
           ("introductie*|introduction*|kennismaking*", 3.0, KEYWORD),  # a colleague's or adviser's introductions
           # "wat ligt er bij mij", "staat er iets voor mij klaar"
           ("ligt|liggen|staat|staan bij|voor mij|me", 3.0, KEYWORD)),
    *_cues(Intent.EXAMPLES,
           ("{EXAMPLE} {DOC}", 4.0, FRAME),
           ("{DOC} {EXAMPLE}", 3.5, FRAME),
           ("^{EXAMPLE}$", 3.5, WHOLE),
           ("{EXAMPLE}", 2.0, KEYWORD),
           ("hoe ziet een|de goede|goed {DOC}", 3.5, FRAME),
           ("zien|bekijken|inkijken|inspiratie|see|show {DOC}", 3.0, FRAME),
           ("hoe|how andere*|anderen|others {DOC}", 2.5, FRAME)),
    *_cues(Intent.REMINDERS_OFF,
           ("{REM} uit|uitzetten|off|uitschakelen|disable|mute|dempen", 4.5, FRAME),
           ("uit|off|uitzetten|mute|zet {REM}", 4.0, FRAME),
           ("geen|niet|no|stop*|minder|fewer {REM}", 4.0, FRAME),
           ("{REM} niet|geen|stop*", 3.5, FRAME),
           ("niet meer herinner*", 4.5, FRAME),
           ("^geen|stop|no berichtjes|berichten|messages", 3.5, FRAME)),  # "geen berichtjes meer sturen aub"
    *_cues(Intent.REMINDERS_ON,
           ("{REM} aan|on$", 4.5, FRAME),
           ("{REM} aanzetten|inschakelen|enable|aan", 4.5, FRAME),
           ("weer|terug|back|toch|opnieuw|again {REM}", 3.6, FRAME),
           ("{REM} weer|terug|back|opnieuw|again", 3.6, FRAME)),
    *_cues(Intent.MY_DATA,
           ("{MY} {PERSONAL}", 3.5, FRAME),
           ("privacy|avg|gdpr|privacyverklaring", 2.5, KEYWORD),
           ("wat|what weet|know|bewaar*|opgeslagen|sla|store|keep|houd * over|van|about {ME}", 3.5, FRAME),
           ("{PERSONAL} over|van|about|on|op {ME}", 3.5, FRAME),
           ("mijn|my bibliotheek|bieb|organisatie|library|organisation|organization|naam|name|e-mail|email|mail*|"
            "emailadres|adres|address|telefoonnummer|phone "
            "aanpass*|aangepast|wijzig*|gewijzigd|verander*|change*|update*", 3.5, FRAME),
           ("inzage|inzien", 2.0, KEYWORD)),
    *_cues(Intent.HELP,
           ("^help|hulp|menu|helpen$", 3.5, WHOLE),
           ("^help|hulp me|mij|nodig|please", 3.5, WHOLE),
           ("^help|hulp+", 2.2, ALONE),  # "Help, ..." hints at help; what follows says more
           ("help|hulp", 1.2, KEYWORD),
           ("wat|what kun|kan|kunt|can je|jij|you", 3.5, FRAME),
           ("wat kan ik hier|met", 3.5, FRAME),
           ("wat|what doet|does deze|de|dit|this|the bot|sparringbot|chat", 3.5, ALONE),  # what the bot does
           ("hoe|how werkt|works|work dit|deze|het|this|bot", 3.5, ALONE),
           ("hoe|how dit|deze|het|this|it werkt|werken|works|work", 3.5, ALONE),  # "ik snap niet hoe dit werkt"
           ("hoe|how gebruik|use ik|i dit|deze|het|this|you|jou|je", 3.5, ALONE),
           ("what|wat can|kan i|ik do|doen", 3.5, ALONE),
           ("welke|what commando*|opdracht*|command*|mogelijkheden|functies|options", 3.5, FRAME),
           ("wat|what moet|doe|do ik|i hier|here", 3.5, FRAME),
           ("snap|begrijp|understand het|er niet|not", 3.0, FRAME),
           ("snap|begrijp|understand niet|not", 3.0, ALONE),
           ("kom|kan er niet uit", 3.0, ALONE),
           ("uitleg|instructie*|handleiding|how-to", 2.5, KEYWORD),
           ("wie|wat|who|what ben|are jij|je|you", 3.0, FRAME)),
    *_cues(Intent.OPEN_QUESTIONS,
           ("open|openstaande|onbeantwoorde|unanswered {QUESTION}", 3.5, FRAME),
           ("{QUESTION} open|openstaand|onbeantwoord", 3.0, FRAME),
           ("open|openstaande|onbeantwoorde|unanswered|pending verzoek*|request*|aanvra*", 3.5, FRAME),
           ("{QUESTION} binnengekomen|ontvangen|gesteld|received|came", 3.5, FRAME),
           ("{QUESTION} kwamen|komen|kwam binnen", 3.5, FRAME),  # "welke vragen kwamen er vandaag binnen"
           ("niet|nog beantwoord|opgepakt|toegewezen|answered", 2.5, FRAME),
           ("nog niemand|nobody", 2.0, FRAME),
           ("ligt|liggen|staat|staan * open", 2.0, FRAME),
           ("{QUESTION} ligt|liggen|wachten|wacht er|nog", 2.5, FRAME),
           ("^=vragen|=questions$", 2.0, WHOLE)),
    *_cues(Intent.SUBMISSIONS,
           ("inzending*|submissions|submission", 3.5, FRAME),
           ("wat|wie|welke|who|what|hoeveel|overzicht * ingestuurd|ingeleverd|binnengekomen|binnen|ontvangen|"
            "aangeleverd|gedeeld|geupload|submitted|uploaded", 3.0, FRAME),
           ("ingestuurd|ingeleverd|binnengekomen|submitted", 1.5, KEYWORD),
           ("who|which|what * handed|sent|turned in", 3.5, FRAME)),  # "which libraries handed in their ..."
    *_cues(Intent.COST_OVERVIEW,
           ("kostenoverzicht|kostenoverzichten", 4.0, FRAME),
           ("^kosten|costs$", 3.5, WHOLE),
           ("cost|costs|kosten overview|overzicht", 4.0, FRAME),
           ("overzicht|overview van|of de kosten|costs", 4.0, FRAME),
           ("kosten|kostenverdeling|costs per|totaal|totale|verdeeld|staan", 2.0, FRAME),
           ("totale|total kosten|costs", 2.5, FRAME),
           ("kostenverdeling*", 3.0, KEYWORD),
           ("grafiek*|chart*|diagram*|taartdiagram*|piechart*", 3.0, KEYWORD)),  # the cost overview is the chart
    *_cues(Intent.EXPORT,
           ("{EXPORT}", 4.0, FRAME),
           ("als|as|in bestand|file|download", 4.0, FRAME)),  # "alle inzendingen als bestand", "in een bestand"
]

# Document kinds by the words people use for them (normalised; matched on stems and compounds).
DOCUMENT_WORDS: dict[str, tuple[str, ...]] = {
    "evaluatieformat": ("evaluatieformat", "evaluatieformats", "evaluatieformulier", "evaluatie format",
                        "evaluatie formulier", "evaluatie", "evaluation form", "evaluation format", "evaluation"),
    "ambitiebrief": ("ambitiebrief", "ambitiebrieven", "ambitie brief", "intentiebrief", "ambition letter",
                     "letter of ambition", "ambition"),
    "accountplan": ("accountplan", "accountplannen", "account plan"),
    "kostenberekening": ("kostenberekening", "kostenberekeningen", "kosten berekening", "berekening van de kosten",
                         "berekening", "offerte", "offertes", "factuur", "facturen", "begroting", "cost calculation",
                         "calculation", "quote", "invoice"),
    "factsheet-input": ("factsheet", "factsheets", "factsheet-input", "fact sheet", "input voor de factsheet"),
    "overig": ("projectplan", "pid", "ander document", "ander soort document", "iets anders", "other document",
               "presentatie", "notulen", "verslag", "overig"),
}

# A kind's word joined to a generic one is that kind: "evaluatiedocument", "accountplanbestand".
GENERIC_DOCUMENT_ENDINGS = ("document", "documenten", "bestand", "bestanden", "stuk", "stukken", "formulier", "versie",
                            "file", "pdf")

GREETINGS = frozenset("hallo hoi hi hey hello heey hee hoihoi goedemorgen goedemiddag goedenavond morning "
                      "hiya yo beste dag goedendag".split())
GREETING_PHRASES = (("goede", "morgen"), ("goede", "middag"), ("goede", "avond"), ("good", "morning"),
                    ("good", "afternoon"), ("good", "evening"))
ADDRESS = frozenset("sparringbot bot daar there allemaal all sparring".split())
THANKS = frozenset("bedankt dank dankje dankjewel dankuwel thanks thank thx tnx merci dankbaar".split())
THANKS_COMPANY = frozenset("top super fijn mooi prima great cool geweldig heel hartelijk erg veel wel je u jullie voor "
                           "de het hulp meedenken a lot so much very you ok oke okay echt enorm helemaal nogmaals "
                           "alvast".split())
# Words that make a request polite without changing it.
FILLER = frozenset("aub alsjeblieft alstublieft graag please pls svp even eens maar nou ff hoor gewoon effe "
                   "eigenlijk nog toch dan ok oke okay sorry".split())

# Cancel: the whole message, once greetings and fillers are gone, is one of these.
CANCEL_PHRASES = frozenset({
    "stop", "stoppen", "annuleer", "annuleren", "cancel", "afbreken", "breek af", "laat zitten",
    "laat ook", "vergeet het", "toch niet", "nee toch niet", "never mind", "nevermind", "kappen", "ophouden",
    "hou op", "houd op", "quit", "abort", "exit", "ik stop", "ik wil stoppen", "wil stoppen", "ik wil annuleren",
    "stop ermee", "stop hiermee", "stop er mee", "ik stop ermee", "nee stop",
    "niet verder", "ik wil niet verder", "wil niet verder", "ik wil niet meer verder", "ik wil niet meer",
    "ik ga niet verder", "ik stop hier", "don't continue", "i want to stop",
    "laat maar", "laat maar zitten", "stop maar", "forget it", "ik wil afbreken", "annuleer dit", "stop dit",
    "annuleer het", "cancel this", "cancel that", "nee stop maar", "laat ook maar",
})

# Separable verbs of erasing: "haal al mijn gegevens weg", "gooi mijn profiel weg" (the verb, then "weg").
SEPARABLE_ERASE = frozenset("haal haalt halen gooi gooit gooien".split())

# Delete-my-data is refused when the sentence asks *about* deletion rather than for it.
DELETE_INFO_MARKERS = frozenset("als if gebeurt happens automatisch automatically hoelang wanneer when na after "
                                "afloop einde bewaard worden? policy beleid termijn".split())
NEGATIONS = frozenset("niet not geen nooit never don dont no".split())

# Words of the programme's world that make a text a sparring question (besides the thesaurus).
DOMAIN_WORDS = ("bibliotheek bieb bibliotheken school scholen leerling leerlingen consulent collectie boek boeken "
                "boekenkrat dbos po bos leesplan leesconsulent lezen ouders leerkracht onderwijs gemeente koepel "
                "wethouder subsidie samenwerking kosten financiering exploitatie factsheet monitor directeur "
                "bestuur stichting sessie vestiging educatie educatiemanager mediacoach uren inzet kinderen jeugd "
                "taal leesplezier schoolbieb schoolbibliotheek library libraries school schools board boards "
                "municipality funding reading teacher teachers budget consultant pupils children costs").split()
PEER_MARKERS = frozenset("anderen andere iemand jullie collega collegas ervaring ervaringen tips tip advies meedenken "
                         "sparren anyone others other experience tips advice somebody someone you".split())
QUESTION_STARTS = frozenset("hoe wie wat waarom welke welk waar wanneer kan kun kunnen heeft hebben is zijn moet "
                            "moeten mag mogen zou zouden hoeveel how who what why which where when can could has "
                            "have does do is are should any would".split())
# Words that are never corrected into a command word although they look like one.
COMMON_WORDS = ("weer wees veer meer deel dele deed deze dit dat data date dan den des die doe doen dag dak dal "
                "wist west wast lust last lijst lijn mijl mijne mine mind kind hint help helpt hulp stop stopt "
                "stof stok stem stel stal staal vraag vaag vrag hoop hoek boek boeg voor door over onder "
                "open oven ogen geen gene gaan gaat ging uit uur uren aan aanpak laat laten late later "
                "data export expert expo plan plank plant brief brieven prief kosten koster kost kast "
                "sessie zitten zetten zeggen leggen liggen ligt legt maar maart markt gemaakt gewist gewest "
                "mail mails email info menu menu's mens mensen week weken wel wil will wild bord boord "
                "graag gras aub sturen stuur stuurt sturend geld gelden held helden wissel wissels wisselen").split()
