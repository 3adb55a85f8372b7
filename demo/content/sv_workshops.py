"""The demo workshop's texts in Swedish: the workshop, phase 1 and phase 1's rubric (applied by
demo/builders/workshops.py: seed_workshop_translations). The same shapes as the workshop parts
of ``fi``; the other phases are shown in Finnish with a note."""

from typing import Any

WORKSHOP: dict[str, Any] = {
    "title": "Workshoppar i försöksbaserad utveckling",
    "description": (
        "I workshopparna i försöksbaserad utveckling tar varje deltagare med sig ett eget "
        "konkret problem eller en utvecklingsidé och söker ett nytt, innovativt sätt att komma "
        "vidare. Arbetet går framåt i faser: utmaning, idé och hypotes, försöksplan, "
        "genomförande av försöket, resultat och utvärdering samt delning och fortsättning. "
        "Utbildaren ger respons i varje fas, och deltagarna sparrar varandra som kolleger."
    ),
}

# Phase -> (title, instructions HTML).
PHASES: dict[int, tuple[str, str]] = {
    1: (
        "Beskriv din utvecklingsutmaning",
        "<p>I den första uppgiften beskriver du den utvecklingsutmaning som du arbetar med under "
        "hela workshophelheten. Välj ett ämne ur ditt eget arbete: hellre avgränsat och konkret "
        "än brett och allmänt. Skriv en beskrivning på en halv till en sida där du svarar på "
        "följande frågor:</p>"
        "<ul><li><strong>Utmaningen:</strong> vilket problem eller vilken möjlighet vill du ta "
        "itu med? Beskriv utmaningen, inte ännu lösningen.</li>"
        "<li><strong>Vilka den gäller:</strong> i vems vardag märks utmaningen, och vilka behövs "
        "för att lösa den?</li>"
        "<li><strong>Varför nu:</strong> varför är utmaningen aktuell just nu?</li>"
        "<li><strong>Vad man redan har prövat:</strong> vad har gjorts tidigare i din egen "
        "organisation eller på annat håll, och vad lärde man sig av det?</li>"
        "<li><strong>Ett bra resultat:</strong> hur skulle läget se ut om du lyckades? Hur "
        "skulle man märka det?</li></ul>"
        "<p>Du kan gärna bifoga en PDF-bilaga till svaret, till exempel en bild eller en "
        "beskrivning på en sida av din utmaning. Utbildaren ger respons på ditt svar, och utifrån "
        "den går du vidare till nästa fas, att formulera en idé och en hypotes.</p>",
    ),
}

# The levels' labels by points (the same points as fi.LEVELS).
LEVELS: dict[int, str] = {1: "I början", 2: "Utvecklas", 3: "Stark"}

# Phase -> the Finnish criterion title -> (title, description, descriptors for levels 1-3).
RUBRICS: dict[int, dict[str, tuple[str, str, tuple[str, str, str]]]] = {
    1: {
        "Haasteen rajaus": (
            "Avgränsning av utmaningen",
            "Är utmaningen beskriven så att den kan lösas genom att pröva?",
            (
                "Utmaningen är bred eller vag.",
                "Utmaningen är identifierad, men avgränsningen är ännu lös.",
                "Utmaningen är tydligt avgränsad och kopplad till det egna arbetet.",
            ),
        ),
        "Kohderyhmä": (
            "Målgrupp",
            "Vilka gäller utmaningen?",
            (
                "Målgruppen är inte namngiven.",
                "Målgruppen är namngiven i allmänna termer.",
                "Målgruppen och dess vardag är konkret beskrivna.",
            ),
        ),
        "Nykytila": (
            "Nuläge",
            "Vad har redan gjorts i frågan?",
            (
                "Nuläget är inte beskrivet.",
                "Nuläget är delvis beskrivet.",
                "Tidigare lösningar och deras brister är beskrivna.",
            ),
        ),
    },
}
