"""The demo course's texts in Swedish: the course and its first module with its knowledge
check and reflection prompt (Careeria's Borgå campus is in a bilingual town). The same names
and shapes as ``fi``; what is missing here is shown in Finnish with a note. Phase 1 of the
workshop follows when the workshops' texts have languages.
"""

from typing import Any

COURSE: dict[str, str] = {
    "title": "Regionagent – utbildning i regional utveckling",
    "description": (
        "Regionagent är ett utbildningsprogram i regional utveckling som Suomen kasvukäytävä "
        "(Finlands tillväxtkorridor) och Careeria har tagit fram tillsammans. "
        "Deltagarna prövar i praktiken de arbetssätt och verktyg som utvecklades i "
        "tillväxtkorridorens nätverksprojekt och fördjupar sig i nätverkande, nätverksledning, "
        "agila försök, kunskapsdelning samt planering och genomförande av konkreta åtgärder för "
        "regional utveckling. "
        "Målet är att stärka regionernas dragningskraft och konkurrenskraft och att föra "
        "samarbetet mellan kommunerna och städerna vidare."
    ),
}

# Only the first module; its items in the Finnish order.
MODULES: list[dict[str, Any]] = [
    {
        "title": "Nätverkande",
        "summary": (
            "Modulen visar varför det lönar sig för kommuner och städer att bilda nätverk och "
            "hur ett nätverk som tillväxtkorridoren samlar regionens aktörer kring samma bord. "
            "Till sist identifierar du din egen regions styrkor och kartlägger de viktigaste "
            "samarbetsparterna för ditt arbete."
        ),
        "items": [
            {
                "title": "Finlands tillväxtkorridor som plattform för samarbete",
                "body": (
                    "<p>Finlands tillväxtkorridor är ett nätverk av 17 medlemskommuner och "
                    "-städer som sträcker sig från Nyland via Tavastland och Birkaland till "
                    "Södra Österbotten. Bland medlemmarna finns Vanda, Riihimäki, Loppi, "
                    "Janakkala, Tavastehus, Akaa, Lempäälä, Birkala, Tammerfors, Kangasala, "
                    "Nokia, Hämeenkyrö och Seinäjoki.</p>"
                    "<p>Nätverksprojektet som arbets- och näringsministeriet finansierade "
                    "genomfördes 1.9.2021–31.12.2023. Dess huvudmål var att stärka samarbetet "
                    "mellan kommunerna och städerna och samtidigt öka tillväxtkorridorens "
                    "dragningskraft och internationella betydelse.</p>"
                    "<h3>Tre sätt att göra tillsammans</h3><ul>"
                    "<li><strong>Tematiska expertgrupper</strong> samlade medlemmarnas experter "
                    "kring samma ämne.</li>"
                    "<li><strong>Försök i agil samutveckling</strong> förde snabbt ut idéerna i "
                    "praktiken för att prövas.</li>"
                    "<li>Webbplatsen <strong>Osaamisväylä</strong> främjade nätverkande och "
                    "kollegialt lärande även mellan mötena.</li></ul>"
                    "<p>Projektets betydelse låg i att regionens olika aktörer samlades kring "
                    "samma bord. När frågor om kompetens, rörlighet och utveckling granskas i ett "
                    "bredare perspektiv än inom en enda kommuns gränser uppstår förutsättningar "
                    "för helt nya lösningar. Regionagent-utbildningen för arbetet vidare: "
                    "projektets nätverk, arbetssätt och verktyg tas i bruk i deltagarnas eget "
                    "utvecklingsarbete.</p>"
                ),
            },
            {
                "title": "Nätverkande i praktiken: med vem och hur?",
                "body": (
                    "<p>Nätverkande är inte bara att byta visitkort. För en regionutvecklare är "
                    "nätverket ett verktyg för att hitta rätt människor, kunskap och resurser när "
                    "de behövs. Ett bra nätverk är mångsidigt: där finns både välkända, "
                    "pålitliga partner och så kallade svaga band som ger nya perspektiv.</p>"
                    "<h3>Vem hör till en regionutvecklares nätverk?</h3><ul>"
                    "<li>experter från olika sektorer i den egna organisationen, till exempel "
                    "inom näringsliv, planläggning, trafik och bildning</li>"
                    "<li>kolleger i grannkommunerna och i tillväxtkorridorens andra "
                    "medlemskommuner som löser liknande frågor</li>"
                    "<li>företag, läroanstalter och forskningsinstitut</li>"
                    "<li>landskapsförbund, välfärdsområden och andra regionala myndigheter</li>"
                    "<li>organisationer, byaföreningar och invånare vars vardag utvecklingen "
                    "gäller</li></ul>"
                    "<h3>Hur byggs ett nätverk?</h3>"
                    "<p>Ett nätverk uppstår genom att man gör saker tillsammans. Temagrupper, "
                    "gemensamma försök och evenemang är naturliga platser att lära känna "
                    "varandra. Det viktigaste är att fortsätta samtalet efter mötet: skicka "
                    "materialet du lovade, berätta hur saken gick vidare och erbjud din egen "
                    "kunskap i gengäld.</p>"
                    "<p><strong>Uppgift:</strong> Rita din egen nätverkskarta. Skriv ditt "
                    "utvecklingsämne i mitten och runt det de personer och organisationer som "
                    "du redan samarbetar med. Markera sedan tre aktörer som du ännu inte känner "
                    "men vars kunskap eller perspektiv vore viktigt för ditt ämne. Kontakta "
                    "minst en av dem före nästa modul.</p>"
                ),
            },
            {
                "title": "Känn igen din egen regions styrkor",
                "body": (
                    "<p>I ett nätverk bidrar varje medlem med något eget. Därför börjar "
                    "nätverkandet med att man känner igen sin egen regions styrkor och "
                    "livskraftsfaktorer: vad gör just den här kommunen eller staden till en "
                    "lockande plats att bo, arbeta eller etablera sig på?</p>"
                    "<p>I projektet gjordes regionvideor om bland annat Vanda, Lempäälä, "
                    "Birkala, Kangasala, Hämeenkyrö, Akaa, Seinäjoki, Janakkala, Tavastehus, "
                    "Riihimäki, Loppi, Tammerfors och Nokia. Videorna är en bra utgångspunkt "
                    "när du funderar på hur din region skiljer sig från andra och vad den kan "
                    "erbjuda nätverket.</p>"
                    "<h3>Att fundera på</h3><ul>"
                    "<li>Vilka tre saker beskriver bäst din regions dragningskraft?</li>"
                    "<li>Vilken styrka är ännu dold eller får för lite uppmärksamhet?</li>"
                    "<li>Vilken av din regions styrkor kunde du dela med tillväxtkorridorens "
                    "andra kommuner, och vad skulle du vilja lära dig av dem?</li></ul>"
                ),
            },
        ],
    },
]

# The first module's knowledge check and reflection prompt, by (module position, item position)
# as in ``fi``. The questions follow the Finnish ones line by line (the right answers are the
# Finnish text's): courses.authoring.quiz_translation_parse.
QUIZZES = [
    (
        1,
        10,
        "Kunskapstest: nätverkande",
        "<p>Kontrollera vad du minns om nätverkande. Du får respons på varje svar direkt.</p>",
        """\
? Vad är Finlands tillväxtkorridor?
* Ett samarbetsnätverk av 17 medlemskommuner och -städer | Ett nätverk av kommuner och städer.
- En statlig myndighet | Nätverket är kommunernas eget, ingen myndighet.
- Ett enskilt projekt i Tammerfors | 17 kommuner är med.
! Tillväxtkorridoren sträcker sig från Nyland via Tavastland och Birkaland till Södra Österbotten.

?? Vilka av följande verktyg togs fram i projektet?
* Effektverktyget | Det stöder effekttänkandet.
* Osaamisväylä (Kompetensleden) | En webbplats för nätverkande och kollegialt lärande.
- Kommunalvalskompassen | Den togs inte fram i projektet.
! Båda verktygen finns på projektets webbplats.
""",
    ),
]

REFLECTIONS = [
    (
        1,
        11,
        "Reflektion: mitt eget nätverk",
        "<p>Vilka samarbetar du redan med i din kommun eller region? Vem skulle du vilja ha med "
        "i ditt nätverk härnäst, och varför?</p>",
    ),
]
