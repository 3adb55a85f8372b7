"""The demo course's texts in Finnish: what a course author and an instructor wrote.

The Alueagentti course with its six modules, its knowledge checks and reflection prompts, and
the experimental-development workshop with its phases and rubrics. All wording is drawn from the
seed document, the closing review of the Suomen kasvukäytävä network project
(1.9.2021–31.12.2023), which introduces the Alueagentti training by Suomen kasvukäytävä and
Careeria. Finnish is complete here because the platform speaks Finnish first. Webinar items have
an empty ``video_url`` on purpose: the seed names the webinars but gives no recording addresses.

Plain Python data only (no Django imports). Another language is a sibling module (``sv.py``)
with the same names and shapes, holding what is translated (for example only the first module
and phase 1); see ``demo/content/__init__.py``. What the demo's learners wrote (answers, plans,
cards) is not course content and stays with the builders in Finnish.
"""

from typing import Any

COURSE: dict[str, str] = {
    "title": "Alueagentti – aluekehittämisen koulutus",
    "slug": "alueagentti",
    "description": (
        "Alueagentti on Suomen kasvukäytävän ja Careerian yhteistyössä tuottama, alueelliseen "
        "kehittämiseen erikoistunut koulutusohjelma. "
        "Koulutuksessa osallistujat kokeilevat käytännössä Suomen kasvukäytävän verkostohankkeessa "
        "kehitettyjä toimintamalleja ja työkaluja ja syventyvät verkostoitumiseen, "
        "verkostojohtamiseen, ketteriin kokeiluihin, osaamisen jakamiseen sekä konkreettisten "
        "aluekehittämistoimenpiteiden suunnitteluun ja toteuttamiseen. "
        "Tavoitteena on vauhdittaa alueiden vetovoimaa ja kilpailukykyä sekä jatkaa kuntien ja "
        "kaupunkien välistä yhteistyötä."
    ),
}

MODULES: list[dict[str, Any]] = [
    {
        "title": "Verkostoituminen",
        "summary": (
            "Moduulissa tarkastellaan, miksi kuntien ja kaupunkien kannattaa verkostoitua ja miten "
            "Suomen kasvukäytävän kaltainen verkosto tuo alueen toimijat saman pöydän ääreen. "
            "Lopuksi tunnistat oman alueesi vahvuudet ja kartoitat työsi kannalta tärkeimmät "
            "yhteistyökumppanit."
        ),
        "items": [
            {
                "title": "Suomen kasvukäytävä yhteistyön alustana",
                "kind": "page",
                "minutes": 10,
                "body": (
                    "<p>Suomen kasvukäytävä on 17 jäsenkunnan ja -kaupungin verkosto, joka ulottuu "
                    "Uudeltamaalta Hämeen ja Pirkanmaan kautta Etelä-Pohjanmaalle. Verkoston "
                    "jäseniä ovat muun muassa Vantaa, Riihimäki, Loppi, Janakkala, Hämeenlinna, "
                    "Akaa, Lempäälä, Pirkkala, Tampere, Kangasala, Nokia, Hämeenkyrö ja "
                    "Seinäjoki.</p>"
                    "<p>Työ- ja elinkeinoministeriön rahoittama verkostohanke ”Suomen kasvukäytävä "
                    "– kansainvälisesti vetovoimainen sekä resurssiviisas innovaatio- ja "
                    "kokeilualusta” toteutettiin 1.9.2021–31.12.2023. Sen päätavoitteena oli "
                    "vahvistaa kuntien ja kaupunkien välistä yhteistyötä ja lisätä samalla "
                    "kasvukäytävän vetovoimaisuutta ja kansainvälistä merkittävyyttä.</p>"
                    "<h3>Kolme tapaa tehdä yhdessä</h3>"
                    "<ul><li><strong>Teemakohtaiset asiantuntijatyöryhmät</strong> kokosivat "
                    "jäsenkuntien ja -kaupunkien asiantuntijat saman aiheen äärelle.</li>"
                    "<li><strong>Ketterän yhteiskehittämisen kokeilut</strong> veivät ideat "
                    "nopeasti käytäntöön testattaviksi.</li>"
                    "<li><strong>Osaamisväylä</strong>-verkkosivusto edisti verkostoitumista ja "
                    "vertaisoppimista myös tapaamisten välillä.</li></ul>"
                    "<blockquote><p>”Hankkeen tavoitteet luotiin edistämään Suomen kasvukäytävän "
                    "uutta tulemista ja vauhdittamaan vyöhykkeen jäsenten tarpeista lähteviä "
                    "kehittämisen alueita. Fokuksessa on ollut kuntien, kaupunkien, alueiden ja "
                    "yritysten ainutlaatuisuuteen pohjautuva kehittämistyö.”</p>"
                    "<p>– Markku Rimpelä, Hämeenlinnan kaupungin strategiajohtaja ja Suomen "
                    "kasvukäytävän ohjausryhmän puheenjohtaja</p></blockquote>"
                    "<p>Hankkeen merkitys painottui siihen, että alueen eri toimijat saatiin saman "
                    "pöydän ääreen. Kun osaamiseen, liikkumiseen ja kehittämiseen liittyviä "
                    "kysymyksiä tarkastellaan laajemmasta näkökulmasta kuin yhden kunnan rajojen "
                    "sisältä, syntyy edellytyksiä aivan uudenlaisille ratkaisuille. "
                    "Alueagentti-koulutus jatkaa tätä työtä: siinä hankkeen verkostot, "
                    "toimintamallit ja työkalut otetaan käyttöön osallistujien omassa "
                    "kehittämistyössä.</p>"
                ),
            },
            {
                "title": "Verkostoitumisen käytännöt: kenen kanssa ja miten?",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Verkostoituminen ei ole pelkkää käyntikorttien vaihtamista. "
                    "Aluekehittäjälle verkosto on työväline, jonka avulla löytyvät oikeat ihmiset, "
                    "tieto ja resurssit silloin, kun niitä tarvitaan. Hyvä verkosto on "
                    "monipuolinen: siinä on sekä tuttuja, luotettuja kumppaneita että niin "
                    "sanottuja heikkoja siteitä, joiden kautta tulee uusia näkökulmia.</p>"
                    "<h3>Keitä aluekehittäjän verkostoon kuuluu?</h3>"
                    "<ul><li>oman organisaation eri toimialojen asiantuntijat, esimerkiksi "
                    "elinvoiman, kaavoituksen, liikenteen ja sivistyksen tehtävissä toimivat</li>"
                    "<li>naapurikuntien ja muiden kasvukäytävän jäsenkuntien kollegat, jotka "
                    "ratkovat samankaltaisia kysymyksiä</li>"
                    "<li>yritykset, oppilaitokset ja tutkimuslaitokset</li>"
                    "<li>maakuntien liitot, hyvinvointialueet ja muut alueelliset viranomaiset</li>"
                    "<li>järjestöt, kyläyhdistykset ja asukkaat, joiden arkea kehittäminen "
                    "koskee</li></ul>"
                    "<h3>Miten verkostoa rakennetaan?</h3>"
                    "<p>Verkosto syntyy yhteisestä tekemisestä. Teemaryhmät, yhteiset kokeilut ja "
                    "tapahtumat, kuten alueelliset tulevaisuustapahtumat ja Kuntamarkkinat, ovat "
                    "luontevia paikkoja tutustua. Tärkeintä on jatkaa keskustelua tapaamisen "
                    "jälkeen: lähetä lupaamasi materiaali, kerro, miten asia eteni, ja tarjoa omaa "
                    "osaamistasi vastavuoroisesti.</p>"
                    "<p><strong>Tehtävä:</strong> Piirrä oma verkostokarttasi. Kirjoita keskelle "
                    "oma kehittämisaiheesi ja sen ympärille ne ihmiset ja organisaatiot, joiden "
                    "kanssa teet jo yhteistyötä. Merkitse sitten kolme tahoa, joita et vielä tunne "
                    "mutta joiden tieto tai näkökulma olisi aiheesi kannalta tärkeä. Ota yhteyttä "
                    "ainakin yhteen niistä ennen seuraavaa moduulia.</p>"
                ),
            },
            {
                "title": "Tunnista oman alueesi vahvuudet",
                "kind": "page",
                "minutes": 10,
                "body": (
                    "<p>Verkostossa kukin jäsen tuo yhteiseen pöytään jotain omaa. Siksi "
                    "verkostoituminen alkaa siitä, että tunnistaa oman alueensa vahvuudet ja "
                    "elinvoimatekijät: mikä tekee juuri tästä kunnasta tai kaupungista "
                    "houkuttelevan asuinpaikan, työpaikan tai sijoittumiskohteen?</p>"
                    "<blockquote><p>”Muutoksessa kuntien ja kaupunkien on äärimmäisen tärkeää "
                    "tunnistaa oman alueen vahvuudet sekä niiden elinvoimatekijät. Hanke on "
                    "tarjonnut mahdollisuuksia kehittää työkaluja ainutlaatuisten alueiden "
                    "vahvuuksien tunnistamiseen sekä edistämiseen. Aluevideoiden koostaminen on "
                    "ollut yksi väline tunnistaa näitä vetovoimatekijöitä ja saattaa niitä "
                    "laajemmin tietoisuuteen. Tätä työtä jatketaan edelleen.”</p>"
                    "<p>– Jaana Villanen, Suomen kasvukäytävän johtaja</p></blockquote>"
                    "<p>Hankkeessa koostettiin aluevideot muun muassa Vantaasta, Lempäälästä, "
                    "Pirkkalasta, Kangasalasta, Hämeenkyröstä, Akaasta, Seinäjoesta, Janakkalasta, "
                    "Hämeenlinnasta, Riihimäestä, Lopesta, Tampereesta ja Nokiasta. Videot ovat "
                    "hyvä lähtökohta, kun mietit, miten oma alueesi erottuu muista ja mitä se voi "
                    "tarjota verkostolle.</p>"
                    "<h3>Pohdittavaksi</h3>"
                    "<ul><li>Mitkä kolme asiaa kuvaavat parhaiten oman alueesi vetovoimaa?</li>"
                    "<li>Mikä vahvuus on vielä piilossa tai jää liian vähälle huomiolle?</li>"
                    "<li>Minkä oman alueesi vahvuuden voisit jakaa muiden kasvukäytävän kuntien "
                    "kanssa, ja mitä haluaisit oppia niiltä?</li></ul>"
                ),
            },
        ],
    },
    {
        "title": "Verkostojohtaminen",
        "summary": (
            "Verkostoa ei johdeta käskemällä. "
            "Moduulissa opit, miten yhteinen tavoite, selkeät roolit ja luottamus rakennetaan "
            "verkostossa, jossa kenelläkään ei ole muodollista valtaa muihin."
        ),
        "items": [
            {
                "title": "Mitä verkostojohtaminen on?",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Organisaation sisällä johtaminen nojaa usein hierarkiaan: esihenkilö "
                    "päättää, ja tehtävät jaetaan linjaorganisaatiossa. Verkostossa tilanne on "
                    "toinen. Jäsenet ovat itsenäisiä kuntia, kaupunkeja, yrityksiä ja muita "
                    "toimijoita, jotka osallistuvat vapaaehtoisesti ja omista lähtökohdistaan. "
                    "Verkostojohtaja ei voi määrätä, vaan hänen on saatava toimijat näkemään "
                    "yhteistyön hyöty.</p>"
                    "<h3>Verkostojohtajan keskeiset tehtävät</h3>"
                    "<ul><li><strong>Yhteisen tahtotilan rakentaminen:</strong> mikä on se muutos, "
                    "jota kukaan ei saa aikaan yksin mutta jota kaikki tavoittelevat?</li>"
                    "<li><strong>Vuorovaikutuksen mahdollistaminen:</strong> kokoontumisten "
                    "suunnittelu, fasilitointi ja tiedon kulun varmistaminen.</li>"
                    "<li><strong>Luottamuksen vaaliminen:</strong> lupausten pitäminen, avoimuus "
                    "ja se, että jokaisen jäsenen ääni tulee kuulluksi kunnan koosta "
                    "riippumatta.</li>"
                    "<li><strong>Resurssien kokoaminen:</strong> osaamisen, ajan, rahoituksen ja "
                    "tiedon yhdistäminen niin, että kokonaisuus on enemmän kuin osiensa summa.</li>"
                    "<li><strong>Jatkuvuuden turvaaminen:</strong> sovitaan, kuka vie asioita "
                    "eteenpäin, ja dokumentoidaan opit niin, ettei työ katkea henkilövaihdoksiin "
                    "tai hankkeen päättymiseen.</li></ul>"
                    "<p>Suomen kasvukäytävän verkostohankkeessa johtamisvastuu jakautui usealle "
                    "tasolle: ohjausryhmä linjasi suuntaa, verkoston johtaja ja projektipäällikkö "
                    "koordinoivat työtä, ja teemakohtaiset asiantuntijatyöryhmät toivat siihen "
                    "sisällön ja asiantuntemuksen. Tällainen jaettu johtajuus on verkostoille "
                    "tyypillistä ja usein myös niiden vahvuus.</p>"
                    "<p><strong>Pohdi:</strong> Missä verkostossa toimit itse tällä hetkellä? Kuka "
                    "siinä käyttää johtajuutta, ja miten se näkyy käytännössä?</p>"
                ),
            },
            {
                "title": "Teemaryhmän vetäminen käytännössä",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Teemakohtainen asiantuntijatyöryhmä on verkostotyön perusyksikkö. Hyvin "
                    "vedetty ryhmä tuottaa sekä konkreettisia tuloksia että uusia yhteyksiä "
                    "jäsenten välille. Alla on muistilista ryhmän käynnistämiseen ja "
                    "ylläpitämiseen.</p>"
                    "<h3>Käynnistys</h3>"
                    "<ul><li>Muotoile ryhmän tarkoitus yhdellä lauseella: mitä ryhmä saa aikaan "
                    "sellaista, mihin jäsenet eivät yksin pystyisi?</li>"
                    "<li>Kartoita jäsenten odotukset ja tarpeet jo ensimmäisessä tapaamisessa. "
                    "Tarvelähtöisyys sitouttaa.</li>"
                    "<li>Sovi roolit: puheenjohtaja tai fasilitaattori, muistion kirjoittaja ja "
                    "yhteyshenkilö kuhunkin jäsenorganisaatioon.</li>"
                    "<li>Sovi tapaamisrytmi ja työtavat, esimerkiksi etätapaaminen kuukausittain "
                    "ja lähitapaaminen puolen vuoden välein.</li></ul>"
                    "<h3>Ylläpito</h3>"
                    "<ul><li>Aloita jokainen tapaaminen kuulumiskierroksella: mitä jäsenten "
                    "kunnissa on tapahtunut aiheen tiimoilta?</li>"
                    "<li>Pidä yhteinen tehtävälista esillä ja kirjaa päätökset näkyviin.</li>"
                    "<li>Nosta onnistumisia esiin ja jaa ne laajemmin, esimerkiksi "
                    "Osaamisväylä-sivustolla.</li>"
                    "<li>Arvioi säännöllisesti, palveleeko ryhmä edelleen jäseniään. Ryhmän voi "
                    "myös lopettaa tai sen tehtävää muuttaa, kun tarpeet muuttuvat.</li></ul>"
                    "<p><em>Vinkki:</em> Jos ryhmän toiminta tuntuu hiipuvan, anna sille pieni ja "
                    "konkreettinen yhteinen tehtävä, esimerkiksi yhteinen kysely tai kokeilu. "
                    "Yhdessä tekeminen kantaa pidemmälle kuin pelkkä tiedon vaihtaminen.</p>"
                ),
            },
            {
                "title": "Webinaari: Ekosysteemit ja verkostot – Veijo Hämäläinen",
                "kind": "video",
                "minutes": 60,
                "video_url": "",
                "body": (
                    "<p>Webinaari on osa Suomen kasvukäytävän verkostohankkeen webinaarisarjaa. "
                    "Puhujana on Veijo Hämäläinen, ja aiheena ovat ekosysteemit ja verkostot. "
                    "Webinaari syventää tämän moduulin näkökulmaa verkostojen johtamiseen.</p>"
                    "<p>Katsellessasi kannattaa pitää mielessä käsitteiden ero. Verkostolla "
                    "tarkoitetaan yleensä toimijoiden välisiä yhteyksiä ja yhteistyösuhteita. "
                    "Ekosysteemi korostaa kokonaisuutta, jossa toimijat ovat riippuvaisia "
                    "toisistaan ja luovat arvoa yhdessä, usein ilman yhtä selvää johtajaa.</p>"
                    "<h3>Pohdittavaksi katsomisen aikana ja sen jälkeen</h3>"
                    "<ul><li>Millaisiin verkostoihin ja ekosysteemeihin oma organisaatiosi kuuluu, "
                    "ja mikä on sen rooli niissä: vetäjä, aktiivinen jäsen vai "
                    "sivustaseuraaja?</li>"
                    "<li>Mitä oma alueesi voisi tarjota ekosysteemille sellaista, mitä kukaan muu "
                    "ei voi tarjota?</li>"
                    "<li>Mikä yksittäinen asia estää yhteistyötä alueellasi tällä hetkellä, ja "
                    "miten verkostojohtaja voisi purkaa esteen?</li></ul>"
                    "<p>Kirjaa ajatuksesi muistiin. Palaat niihin kokeilevan kehittämisen "
                    "työpajoissa.</p>"
                ),
            },
        ],
    },
    {
        "title": "Ketterät kokeilut",
        "summary": (
            "Kokeilu on pieni, nopea ja hallittu tapa testata ideaa todellisessa ympäristössä "
            "ennen suuria päätöksiä. "
            "Moduulissa opit rakentamaan kokeilun haasteesta ja hypoteesista arviointiin ja "
            "jatkopäätökseen."
        ),
        "items": [
            {
                "title": "Miksi kokeillaan?",
                "kind": "page",
                "minutes": 10,
                "body": (
                    "<p>Kuntien ja kaupunkien toimintaympäristö muuttuu nopeasti, ja samaan aikaan "
                    "resurssit niukkenevat. Perinteinen kehittäminen, jossa valmis ratkaisu "
                    "suunnitellaan pitkään ja otetaan sitten kerralla käyttöön, on tällaisessa "
                    "ympäristössä riskialtista. Kokeileva kehittäminen kääntää asetelman: idea "
                    "testataan pienessä mittakaavassa ja todellisessa ympäristössä, ja päätökset "
                    "tehdään kokeilusta saadun tiedon perusteella.</p>"
                    "<blockquote><p>”Maailma muuttuu nopeasti samalla, kun resurssit niukkenevat. "
                    "Jatkuva oppiminen, innovointi ja keskinäisen yhteistyön tiivistäminen ovat "
                    "avaimia menestyä haastavassakin toimintaympäristössä.”</p>"
                    "<p>– Launo Haapamäki, Hämeenlinnan kaupungin elinkeinojohtaja</p></blockquote>"
                    "<h3>Hyvän kokeilun tunnusmerkit</h3>"
                    "<ul><li><strong>Pieni ja nopea:</strong> kokeilu voidaan käynnistää viikoissa "
                    "eikä vuosissa, ja sen kustannukset pysyvät hallinnassa.</li>"
                    "<li><strong>Rajattu:</strong> kokeilulla on selvä kohderyhmä, paikka ja "
                    "kesto.</li>"
                    "<li><strong>Testattava:</strong> kokeilun taustalla on hypoteesi, jonka "
                    "paikkansapitävyys voidaan todeta.</li>"
                    "<li><strong>Oppimiseen tähtäävä:</strong> myös ”epäonnistunut” kokeilu on "
                    "onnistunut, jos siitä opitaan jotain, mikä säästää resursseja "
                    "jatkossa.</li></ul>"
                    "<p>Suomen kasvukäytävän verkostohankkeessa ketterän yhteiskehittämisen "
                    "kokeiluja tehtiin yhdessä jäsenkuntien ja -kaupunkien kanssa. Yksi esimerkki "
                    "on matkaketjupilotti, jossa kehitettiin liikkumisen matkaketjujen "
                    "toimivuutta. Yhteiskehittämisen työ ja kokeilut on koottu yhteiskehittämisen "
                    "portfolioon, josta voit hakea ideoita omaan työhösi.</p>"
                ),
            },
            {
                "title": "Kokeilu vaihe vaiheelta",
                "kind": "page",
                "minutes": 20,
                "body": (
                    "<p>Alueagentti-koulutuksen kokeilevan kehittämisen työpajoissa kokeilu "
                    "rakennetaan kuudessa vaiheessa. Samaa runkoa voit käyttää missä tahansa "
                    "kehittämistyössä.</p>"
                    "<h3>1. Haaste</h3>"
                    "<p>Kuvaa ongelma tai mahdollisuus mahdollisimman konkreettisesti. Ketä se "
                    "koskee, missä ja milloin se näkyy, ja miksi se on ratkaisemisen arvoinen "
                    "juuri nyt? Älä kirjoita ratkaisua haasteen sisään: ”asemalle tarvitaan bussi” "
                    "on ratkaisu, ”kylien asukkaat eivät pääse asemalle ilman autoa” on haaste.</p>"
                    "<h3>2. Idea ja hypoteesi</h3>"
                    "<p>Ideoi useita ratkaisuvaihtoehtoja ja valitse niistä yksi kokeiltavaksi. "
                    "Muotoile valinnastasi hypoteesi esimerkiksi näin: <em>”Uskomme, että "
                    "[toimenpide] saa [kohderyhmän] toimimaan [uudella tavalla]. Tiedämme olleemme "
                    "oikeassa, kun [mittari] muuttuu [näin paljon].”</em></p>"
                    "<h3>3. Kokeilusuunnitelma</h3>"
                    "<p>Päätä kokeilun kesto, paikka, osallistujat, budjetti ja vastuuhenkilöt. "
                    "Sovi etukäteen, mitä tietoa kerätään ja miten sekä millä perusteella kokeilu "
                    "keskeytetään, sitä jatketaan tai se laajennetaan.</p>"
                    "<h3>4. Kokeilun toteutus</h3>"
                    "<p>Toteuta kokeilu suunnitelman mukaisesti, mutta pidä silmät auki. Kirjaa "
                    "havaintoja koko ajan, myös odottamattomia. Pienet korjaukset kesken kokeilun "
                    "ovat sallittuja, kunhan ne kirjataan.</p>"
                    "<h3>5. Tulokset ja arviointi</h3>"
                    "<p>Vertaa tuloksia hypoteesiin. Mitä opittiin? Mitkä oletukset pitivät "
                    "paikkansa ja mitkä eivät? Mitä kokeilu maksoi suhteessa siihen, mitä sillä "
                    "saavutettiin?</p>"
                    "<h3>6. Jakaminen ja jatko</h3>"
                    "<p>Tee jatkopäätös: vakiinnutetaanko, laajennetaanko, muutetaanko vai "
                    "lopetetaanko? Kuvaa kokeilu ja sen opit niin, että muutkin voivat hyödyntää "
                    "niitä, esimerkiksi yhteiskehittämisen portfoliossa tai "
                    "Osaamisväylä-sivustolla.</p>"
                ),
            },
            {
                "title": "Webinaari: Kehittäminen ja innovaatiot – Minna Takala",
                "kind": "video",
                "minutes": 60,
                "video_url": "",
                "body": (
                    "<p>Webinaari on osa Suomen kasvukäytävän verkostohankkeen webinaarisarjaa. "
                    "Puhujana on Minna Takala, ja aiheena ovat kehittäminen ja innovaatiot. "
                    "Webinaari sopii tämän moduulin jatkoksi, sillä kokeilut ovat yksi tapa tuoda "
                    "innovaatioita julkisen sektorin arkeen.</p>"
                    "<p>Innovaatiolla tarkoitetaan uutta tai merkittävästi parannettua ratkaisua, "
                    "joka on otettu käyttöön ja joka tuottaa arvoa. Kunnassa innovaatio voi olla "
                    "uusi palvelu, toimintatapa tai yhteistyömalli – sen ei tarvitse olla "
                    "teknologiaa.</p>"
                    "<h3>Pohdittavaksi katsomisen aikana ja sen jälkeen</h3>"
                    "<ul><li>Missä kohdassa oman organisaatiosi kehittämistyö tavallisesti "
                    "pysähtyy: ideoinnissa, päätöksenteossa vai käyttöönotossa?</li>"
                    "<li>Millainen pieni kokeilu voisi viedä omaa kehittämisaihettasi eteenpäin jo "
                    "seuraavan kuukauden aikana?</li>"
                    "<li>Keiden kanssa – asukkaiden, yritysten vai toisten kuntien – innovaatio "
                    "kannattaisi kehittää yhdessä?</li></ul>"
                ),
            },
        ],
    },
    {
        "title": "Osaamisen jakaminen",
        "summary": (
            "Hyväksi havaitut käytännöt leviävät vain, jos ne kuvataan ja jaetaan. "
            "Moduulissa tutustut vertaisoppimiseen, Osaamisväylä-sivustoon ja yhteiskehittämisen "
            "portfolioon."
        ),
        "items": [
            {
                "title": "Vertaisoppiminen ja Osaamisväylä",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Kasvukäytävän 17 jäsenkuntaa ja -kaupunkia ratkovat usein samoja "
                    "kysymyksiä: miten houkutella uusia asukkaita ja yrityksiä, miten sujuvoittaa "
                    "liikkumista ja miten pitää osaaminen ajan tasalla. Kun yksi kunta on jo "
                    "kokeillut jotain, muiden ei tarvitse aloittaa tyhjästä. Vertaisoppiminen on "
                    "tapa hyödyntää tätä kokemusta.</p>"
                    "<blockquote><p>”Hanke on osaltaan saattanut elinvoiman kannalta keskeisiä "
                    "toimijoita lähemmäksi toisiaan ja mahdollistanut hyväksi havaittujen "
                    "käytänteiden jakamisen laajassa kasvukäytäväverkostossa.”</p>"
                    "<p>– Launo Haapamäki, Hämeenlinnan kaupungin elinkeinojohtaja</p></blockquote>"
                    "<h3>Vertaisoppimisen muotoja</h3>"
                    "<ul><li><strong>Vertaisvierailu:</strong> tutustutaan paikan päällä toisen "
                    "kunnan ratkaisuun ja sen tekijöihin.</li>"
                    "<li><strong>Sparraus:</strong> kollega toisesta kunnasta kommentoi "
                    "suunnitelmaasi ennen kuin se lyödään lukkoon.</li>"
                    "<li><strong>Tapausesittely teemaryhmässä:</strong> yksi jäsen kertoo "
                    "kokeilustaan, ja muut kysyvät ja miettivät, miten ratkaisua voisi soveltaa "
                    "omassa kunnassa.</li>"
                    "<li><strong>Webinaarit ja tapahtumat:</strong> yhteinen oppimishetki, jonka "
                    "jälkeen keskustelu jatkuu verkostossa.</li></ul>"
                    "<p>Osaamisväylä on verkostohankkeen yhteydessä rakennettu verkkosivusto "
                    "verkostoitumisen ja vertaisoppimisen edistämiseksi. Käytä sitä, kun etsit "
                    "kollegaa, joka on jo ratkonut samankaltaista kysymystä, tai kun haluat jakaa "
                    "omat oppisi muille.</p>"
                    "<p><strong>Tehtävä:</strong> Valitse yksi asia, jonka olet oppinut omassa "
                    "työssäsi viimeisen vuoden aikana ja josta voisi olla hyötyä toisessa "
                    "kunnassa. Kirjoita siitä viiden lauseen kuvaus: mikä oli tilanne, mitä "
                    "tehtiin, mitä tapahtui, mitä opittiin ja kenelle opista voisi olla hyötyä.</p>"
                ),
            },
            {
                "title": "Yhteiskehittämisen portfolio: kokemukset jaettavaan muotoon",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Yhteiskehittämisen portfolio on Suomen kasvukäytävän verkostohankkeessa "
                    "kehitetty käytännön työkalu, johon on koottu yhteiskehittämisen työtä ja "
                    "kokeiluja. Portfolio edistää vaikuttavuusajattelua: kun kokeilut kuvataan "
                    "yhtenäisellä tavalla, niitä voidaan verrata, niistä voidaan oppia ja hyviksi "
                    "havaittuja ratkaisuja voidaan monistaa muihin kuntiin.</p>"
                    "<h3>Hyvän kokeilukuvauksen rakenne</h3>"
                    "<ul><li><strong>Nimi ja tekijät:</strong> kokeilun nimi, mukana olleet "
                    "organisaatiot ja yhteyshenkilö.</li>"
                    "<li><strong>Haaste:</strong> mihin tarpeeseen kokeilulla vastattiin ja ketä "
                    "se koski.</li>"
                    "<li><strong>Hypoteesi:</strong> mitä oletettiin tapahtuvan ja miksi.</li>"
                    "<li><strong>Toteutus:</strong> mitä tehtiin, missä, kuinka kauan ja millä "
                    "resursseilla.</li>"
                    "<li><strong>Tulokset:</strong> mitä mitattiin ja mitä havaittiin, myös "
                    "odottamattomat tulokset.</li>"
                    "<li><strong>Opit ja jatko:</strong> mitä tekisit toisin ja mitä kokeilulle "
                    "tapahtui sen jälkeen.</li></ul>"
                    "<p>Kirjoita kuvaus lukijalle, joka ei tunne kuntaasi eikä hankettasi. Vältä "
                    "sisäisiä lyhenteitä ja ilmoita luvut yksiköineen. Lyhyt ja rehellinen kuvaus "
                    "on arvokkaampi kuin kiiltokuva: muut oppivat usein eniten siitä, mikä ei "
                    "mennyt suunnitellusti.</p>"
                ),
            },
            {
                "title": "Webinaari: Työelämän muutos ja oppiminen – Mika Korhonen",
                "kind": "video",
                "minutes": 60,
                "video_url": "",
                "body": (
                    "<p>Webinaari on osa Suomen kasvukäytävän verkostohankkeen webinaarisarjaa. "
                    "Puhujana on Mika Korhonen, ja aiheena ovat työelämän muutos ja oppiminen. "
                    "Teema liittyy suoraan osaamisen jakamiseen: kun työtehtävät ja "
                    "toimintaympäristö muuttuvat, yksittäisen työntekijän ja organisaation "
                    "osaaminen vanhenee nopeasti, ja jatkuvasta oppimisesta tulee koko verkoston "
                    "yhteinen asia.</p>"
                    "<p>Samaa aihetta käsiteltiin hankkeessa myös SuomiAreenassa keskustelussa "
                    "”Työelämän muutos vaatii alueilta yhteistä ajattelua”.</p>"
                    "<h3>Pohdittavaksi katsomisen aikana ja sen jälkeen</h3>"
                    "<ul><li>Miten työelämän muutos näkyy oman alueesi yrityksissä ja oman "
                    "organisaatiosi työssä?</li>"
                    "<li>Mitä osaamista oma alueesi tarvitsee viiden vuoden kuluttua, ja kuka "
                    "vastaa sen kehittämisestä?</li>"
                    "<li>Miten voisit itse jakaa osaamistasi verkostossa niin, että siitä hyötyisi "
                    "myös jokin toinen kunta?</li></ul>"
                ),
            },
        ],
    },
    {
        "title": "Aluekehittämisen toimenpiteiden suunnittelu ja toteutus",
        "summary": (
            "Moduulissa viedään idea suunnitelmaksi ja suunnitelma käytäntöön. "
            "Esimerkkinä ovat liikkumisen matkaketjut, joiden toimivuutta Suomen kasvukäytävän "
            "verkostohankkeessa kartoitettiin ja kehitettiin matkaketjupilotin avulla."
        ),
        "items": [
            {
                "title": "Tarpeesta toimenpiteeksi",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Hyvä aluekehittämisen toimenpide lähtee todellisesta tarpeesta. Suomen "
                    "kasvukäytävän verkostohankkeessa tarvelähtöistä tietoa kerättiin kyselyillä "
                    "ja kartoituksilla, ja kehittämisen painopisteet johdettiin jäsenkuntien ja "
                    "-kaupunkien omista tarpeista. Sama periaate pätee yksittäiseen "
                    "toimenpiteeseen: ennen kuin päätät, mitä tehdään, selvitä, kenen ongelmaa "
                    "olet ratkaisemassa.</p>"
                    "<h3>Toimenpidesuunnitelman runko</h3>"
                    "<ul><li><strong>Tarve ja tietopohja:</strong> mitä tilanteesta tiedetään, ja "
                    "mistä tieto on peräisin (tilastot, kyselyt, haastattelut, havainnointi)?</li>"
                    "<li><strong>Tavoite:</strong> mikä on toisin, kun toimenpide on onnistunut? "
                    "Muotoile tavoite niin, että sen toteutumisen voi todeta.</li>"
                    "<li><strong>Kohderyhmä ja sidosryhmät:</strong> keitä toimenpide palvelee, ja "
                    "keitä tarvitaan mukaan toteuttamaan sitä?</li>"
                    "<li><strong>Toimenpiteet ja aikataulu:</strong> mitä tehdään, missä "
                    "järjestyksessä ja kuka vastaa mistäkin.</li>"
                    "<li><strong>Resurssit:</strong> työaika, raha, tilat ja muut tarpeet. Mistä "
                    "rahoitus tulee, ja mitä tapahtuu sen päätyttyä?</li>"
                    "<li><strong>Riskit:</strong> mikä voi mennä pieleen, ja miten siihen "
                    "varaudutaan?</li>"
                    "<li><strong>Seuranta ja arviointi:</strong> millä mittareilla etenemistä "
                    "seurataan? Tähän palataan vaikuttavuusajattelun moduulissa.</li></ul>"
                    "<p>Päätöksenteko kannattaa ottaa huomioon jo suunnitteluvaiheessa. Selvitä, "
                    "kuka toimenpiteestä päättää ja milloin, ja ota päättäjät mukaan hyvissä "
                    "ajoin. Pienelle kokeilulle on usein helpompi saada hyväksyntä kuin suurelle "
                    "pysyvälle muutokselle, ja kokeilusta saatu tieto tukee myöhempää "
                    "päätöksentekoa.</p>"
                ),
            },
            {
                "title": "Esimerkki: liikkumisen matkaketjut",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Matkaketju tarkoittaa koko matkaa ovelta ovelle: esimerkiksi kävelyä tai "
                    "pyöräilyä kotoa pysäkille, bussimatkaa rautatieasemalle, junamatkaa toiseen "
                    "kaupunkiin ja viimeistä kilometriä perille työpaikalle. Matkaketju on yhtä "
                    "vahva kuin sen heikoin lenkki. Nopeasta junayhteydestä ei ole hyötyä, jos "
                    "asemalle ei pääse ilman omaa autoa tai jos vaihto kestää kohtuuttoman "
                    "kauan.</p>"
                    "<p>Liikkumisen matkaketjut olivat yksi Suomen kasvukäytävän verkostohankkeen "
                    "keskeisistä teemoista. Hankkeessa kerättiin tietoa alueellisten matkaketjujen "
                    "toimivuudesta ja kartoitettiin toimijoiden näkemyksiä liikkumisen ratkaisujen "
                    "ja matkaketjujen kehittämiseksi. Lisäksi matkaketjuja kehitettiin käytännössä "
                    "matkaketjupilotin avulla.</p>"
                    "<h3>Mistä matkaketjun kehittäminen voi lähteä?</h3>"
                    "<ul><li>bussien ja junien aikataulujen yhteensovittamisesta niin, että "
                    "vaihdot onnistuvat</li>"
                    "<li>autojen ja polkupyörien liityntäpysäköinnistä asemilla ja pysäkeillä</li>"
                    "<li>kutsuohjatusta liikenteestä tai kyytipalveluista harvaan asutuilla "
                    "alueilla</li>"
                    "<li>kaupunkipyöristä ja muista ensimmäisen ja viimeisen kilometrin "
                    "ratkaisuista</li>"
                    "<li>selkeästä matkustajainformaatiosta ja eri liikennemuotojen yhteisistä "
                    "lipuista</li></ul>"
                    "<h3>Monipaikkaisuus muuttaa liikkumista</h3>"
                    "<p>Matkaketjuihin liittyy läheisesti toinen hankkeessa esiin noussut teema, "
                    "monipaikkaisuus. Yhä useampi asuu, työskentelee ja viettää vapaa-aikaansa "
                    "useammalla kuin yhdellä paikkakunnalla: tekee esimerkiksi etätöitä vapaa-ajan "
                    "asunnolla ja käy toimistolla kasvukäytävän toisessa päässä muutaman kerran "
                    "viikossa. Tällaisen arjen sujuvuus riippuu siitä, kuinka hyvin matkaketjut "
                    "toimivat kuntarajojen yli. Siksi matkaketjuja kannattaa kehittää yhdessä "
                    "naapurikuntien ja koko kasvukäytävän kanssa.</p>"
                    "<p><strong>Pohdi:</strong> Mikä on oman alueesi matkaketjujen heikoin lenkki, "
                    "ja kenen arkeen se vaikuttaa eniten?</p>"
                ),
            },
            {
                "title": "Webinaari: Future of Mobility – Milos N. Mladenovic",
                "kind": "video",
                "minutes": 60,
                "video_url": "",
                "body": (
                    "<p>Webinaari on osa Suomen kasvukäytävän verkostohankkeen webinaarisarjaa. "
                    "Puhujana on Milos N. Mladenovic, ja aiheena on liikkumisen tulevaisuus. "
                    "Webinaari avaa laajemman näkökulman tämän moduulin matkaketjuesimerkkiin.</p>"
                    "<p>Liikkumisen ratkaisut muuttuvat teknologian, ilmastotavoitteiden ja "
                    "ihmisten elämäntapojen muuttuessa. Samalla kunnat tekevät jo tänään "
                    "liikenteeseen ja maankäyttöön liittyviä päätöksiä, joiden vaikutukset "
                    "ulottuvat vuosikymmenten päähän. Katso webinaari tästä näkökulmasta: mitä "
                    "liikkumisen tulevaisuus tarkoittaa oman alueesi päätöksille?</p>"
                    "<h3>Pohdittavaksi katsomisen aikana ja sen jälkeen</h3>"
                    "<ul><li>Miten liikkuminen omalla alueellasi todennäköisesti muuttuu "
                    "seuraavien kymmenen vuoden aikana?</li>"
                    "<li>Mitkä nykyiset liikenneratkaisut ja -investoinnit ovat vaarassa "
                    "vanhentua, ja mitkä kestävät muutoksen?</li>"
                    "<li>Miten asukkaat saataisiin mukaan suunnittelemaan alueen liikkumisen "
                    "ratkaisuja?</li></ul>"
                ),
            },
        ],
    },
    {
        "title": "Vaikuttavuusajattelu",
        "summary": (
            "Vaikuttavuusajattelussa suunnittelu aloitetaan tavoitellusta muutoksesta eikä "
            "tekemisestä. "
            "Moduulissa opit erottamaan tuotokset, tulokset ja vaikutukset toisistaan sekä "
            "käyttämään hankkeessa kehitettyä vaikuttavuustyökalua."
        ),
        "items": [
            {
                "title": "Tuotoksista vaikutuksiin",
                "kind": "page",
                "minutes": 15,
                "body": (
                    "<p>Kehittämistyössä on helppo mitata tekemistä: järjestettyjä työpajoja, "
                    "osallistujamääriä ja julkaistuja raportteja. Ne kertovat kuitenkin vain sen, "
                    "että jotain tehtiin, eivät sitä, muuttuiko mikään. Vaikuttavuusajattelu "
                    "siirtää katseen tekemisestä muutokseen, jota tekemisellä tavoitellaan.</p>"
                    "<h3>Vaikutusketjun käsitteet</h3>"
                    "<ul><li><strong>Panokset:</strong> käytetyt resurssit, kuten työaika, raha ja "
                    "osaaminen.</li>"
                    "<li><strong>Toiminnot:</strong> mitä tehdään, esimerkiksi järjestetään "
                    "kyytipalvelukokeilu.</li>"
                    "<li><strong>Tuotokset:</strong> toiminnan välittömät, laskettavat "
                    "aikaansaannokset, esimerkiksi 40 ajettua kyytivuoroa.</li>"
                    "<li><strong>Tulokset:</strong> muutos kohderyhmän toiminnassa tai "
                    "tilanteessa, esimerkiksi se, että kylän asukkaat pääsevät junalle ilman omaa "
                    "autoa.</li>"
                    "<li><strong>Vaikutukset:</strong> pidemmän aikavälin muutos alueella, "
                    "esimerkiksi kylän vetovoiman kasvu asuinpaikkana ja liikenteen päästöjen "
                    "väheneminen.</li></ul>"
                    "<p>Mitä pidemmälle ketjussa edetään, sitä vaikeampi muutosta on mitata ja "
                    "sitä useampi tekijä siihen vaikuttaa. Siksi vaikutuksia ei yleensä voi pitää "
                    "pelkästään yhden toimenpiteen ansiona. Rehellinen vaikuttavuusarviointi "
                    "kertoo, miten toimenpide on todennäköisesti edistänyt muutosta, ja perustelee "
                    "päätelmänsä.</p>"
                    "<blockquote><p>”Hankkeen aikana luodut verkostot, materiaalit, toimintamallit "
                    "ja tuleva koulutus mahdollistavat hedelmällisen yhteistyön kasvukäytävän "
                    "toimijoiden välillä myös tulevaisuudessa. Vaikka hanke päättyy, on sen "
                    "vaikuttavuus vasta alussa.”</p>"
                    "<p>– Juhani Tuure, verkostohankkeen projektipäällikkö</p></blockquote>"
                ),
            },
            {
                "title": "Vaikuttavuustyökalu käytännössä",
                "kind": "page",
                "minutes": 20,
                "body": (
                    "<p>Suomen kasvukäytävän verkostohankkeessa kehitettiin vaikuttavuutta "
                    "edistävä suunnittelutyökalu, vaikuttavuustyökalu. Sen ajatus on "
                    "yksinkertainen: suunnittelu aloitetaan tavoitellusta vaikutuksesta, ja siitä "
                    "edetään taaksepäin tuloksiin ja toimintoihin. Jokaiselle tasolle määritellään "
                    "mittarit, joilla etenemistä seurataan.</p>"
                    "<h3>Suunnittele vaikutuksesta taaksepäin</h3>"
                    "<ul><li><strong>1. Vaikutus:</strong> millaista pitkän aikavälin muutosta "
                    "alueella tavoitellaan? Kuvaa se yhdellä tai kahdella lauseella.</li>"
                    "<li><strong>2. Tulokset:</strong> mitkä muutokset kohderyhmän toiminnassa tai "
                    "tilanteessa ovat välttämättömiä, jotta vaikutus voi syntyä?</li>"
                    "<li><strong>3. Toiminnot ja tuotokset:</strong> mitä on tehtävä, jotta "
                    "tulokset syntyvät? Karsi toiminnot, jotka eivät johda yhteenkään tavoiteltuun "
                    "tulokseen.</li>"
                    "<li><strong>4. Mittarit:</strong> valitse kullekin tasolle yksi tai kaksi "
                    "mittaria ja määritä lähtötaso ennen kuin aloitat.</li>"
                    "<li><strong>5. Oletukset ja riskit:</strong> mitä ketjussa oletetaan? Mikä "
                    "oletuksista on epävarmin, ja voisiko sen testata pienellä "
                    "kokeilulla?</li></ul>"
                    "<h3>Hyvän mittarin tunnusmerkit</h3>"
                    "<ul><li>Mittari kuvaa juuri sitä muutosta, jota tavoitellaan, eikä vain sitä, "
                    "mikä on helppo laskea.</li>"
                    "<li>Tiedon kerääminen onnistuu kohtuullisella vaivalla.</li>"
                    "<li>Mittarille on määritelty lähtötaso ja tavoitetaso.</li>"
                    "<li>Määrällistä mittaria täydentää laadullinen tieto, esimerkiksi käyttäjien "
                    "haastattelut.</li></ul>"
                    "<p>Vaikuttavuustyökalu sopii hyvin yhteen ketterien kokeilujen kanssa: "
                    "työkalu auttaa tunnistamaan ketjun epävarmimmat oletukset, ja kokeilulla ne "
                    "voidaan testata ennen kuin toimenpiteeseen sitoudutaan laajemmin. Käytä "
                    "työkalua myös oman kehittämishaasteesi suunnittelussa kokeilevan kehittämisen "
                    "työpajoissa.</p>"
                ),
            },
            {
                "title": "Webinaari: Megatrendit tulevaisuustyössä – Sanna Rekola",
                "kind": "video",
                "minutes": 60,
                "video_url": "",
                "body": (
                    "<p>Webinaari on osa Suomen kasvukäytävän verkostohankkeen webinaarisarjaa. "
                    "Puhujana on Sanna Rekola, ja aiheena on megatrendien hyödyntäminen "
                    "tulevaisuustyössä. Megatrendeillä tarkoitetaan laajoja ja pitkäkestoisia "
                    "kehityskulkuja, kuten väestön ikääntymistä, ilmastonmuutosta ja "
                    "digitalisaatiota, jotka muovaavat kaikkien alueiden toimintaympäristöä.</p>"
                    "<p>Vaikuttavuusajattelun kannalta megatrendit muistuttavat, että tavoiteltu "
                    "vaikutus syntyy aina muuttuvassa maailmassa. Suunnitelma, joka ei ota "
                    "huomioon pitkän aikavälin muutoksia, voi saavuttaa tavoitteensa ja jäädä "
                    "silti merkityksettömäksi. Hankkeessa tulevaisuustyötä tehtiin myös "
                    "alueellisissa tulevaisuustapahtumissa Hämeessä, Uudellamaalla, Pirkanmaalla "
                    "ja Etelä-Pohjanmaalla.</p>"
                    "<h3>Pohdittavaksi katsomisen aikana ja sen jälkeen</h3>"
                    "<ul><li>Mitkä megatrendit vaikuttavat eniten omaan alueeseesi ja omaan "
                    "kehittämisaiheeseesi?</li>"
                    "<li>Mitä tavoittelemasi vaikutus tarkoittaisi, jos jokin megatrendi "
                    "voimistuisi odotettua nopeammin?</li>"
                    "<li>Millaisia heikkoja signaaleja voisit seurata, jotta huomaisit muutoksen "
                    "ajoissa?</li></ul>"
                ),
            },
        ],
    },
]

WORKSHOP: dict[str, Any] = {
    "title": "Kokeilevan kehittämisen työpajat",
    "description": (
        "Kokeilevan kehittämisen työpajoissa jokainen osallistuja tuo mukanaan oman konkreettisen "
        "pulman tai kehitysaihion ja hakee sille uutta, innovatiivista tapaa päästä eteenpäin. "
        "Työ etenee vaiheittain: haaste, idea ja hypoteesi, kokeilusuunnitelma, kokeilun toteutus, "
        "tulokset ja arviointi sekä jakaminen ja jatko. "
        "Kouluttaja antaa palautetta jokaisessa vaiheessa, ja osallistujat sparraavat toisiaan "
        "vertaisina."
    ),
    "first_assignment": {
        "title": "Kuvaa kehittämishaasteesi",
        "instructions": (
            "<p>Ensimmäisessä tehtävässä kuvaat kehittämishaasteen, jonka parissa työskentelet "
            "koko työpajakokonaisuuden ajan. Valitse aihe omasta työstäsi: mieluummin rajattu ja "
            "konkreettinen kuin laaja ja yleinen. Kirjoita puolen sivun tai sivun mittainen "
            "kuvaus, jossa vastaat seuraaviin kysymyksiin:</p>"
            "<ul><li><strong>Haaste:</strong> mikä on ongelma tai mahdollisuus, johon haluat "
            "tarttua? Kuvaa haaste, älä vielä ratkaisua.</li>"
            "<li><strong>Keitä se koskee:</strong> kenen arkeen haaste vaikuttaa, ja keitä "
            "tarvitaan mukaan ratkaisemaan sitä?</li>"
            "<li><strong>Miksi nyt:</strong> miksi haaste on ajankohtainen juuri nyt?</li>"
            "<li><strong>Mitä on jo kokeiltu:</strong> mitä asialle on tehty aiemmin omassa "
            "organisaatiossasi tai muualla, ja mitä siitä opittiin?</li>"
            "<li><strong>Hyvä lopputulos:</strong> miltä tilanne näyttäisi, jos onnistuisit? Mistä "
            "sen huomaisi?</li></ul>"
            "<p>Voit halutessasi liittää vastaukseen PDF-liitteen, esimerkiksi yhden dian tai "
            "yhden sivun kuvauksen haasteestasi. Kouluttaja antaa vastauksestasi palautteen, jonka "
            "pohjalta jatkat seuraavaan vaiheeseen eli idean ja hypoteesin muotoiluun.</p>"
        ),
    },
}

# Knowledge checks: (module position, item position, title, prompt HTML, questions in the
# editor's text format, courses.authoring.QUIZ_FORMAT_HELP). The first check's questions are the
# ones the demo learner has answered (demo/builders/courses.py: seed_learner_quiz): choices only.
QUIZZES = [
    (
        1,
        10,
        "Tietovisa: verkostoituminen",
        "<p>Tarkista, mitä jäi mieleen verkostoitumisesta. Saat palautteen jokaisesta "
        "vastauksesta heti.</p>",
        """\
? Mikä Suomen kasvukäytävä on?
* 17 jäsenkunnan ja -kaupungin yhteistyöverkosto | Kasvukäytävä on kuntien ja kaupunkien verkosto.
- Valtion virasto | Verkosto on kuntien oma, ei virasto.
- Yksittäinen hanke Tampereella | Mukana on 17 kuntaa.
! Kasvukäytävä ulottuu Uudeltamaalta Hämeen ja Pirkanmaan kautta Etelä-Pohjanmaalle.

?? Mitkä seuraavista ovat hankkeessa tehtyjä työkaluja?
* Vaikuttavuustyökalu | Se tukee vaikuttavuusajattelua.
* Osaamisväylä | Verkostoitumisen ja vertaisoppimisen sivusto.
- Kuntavaalikone | Sitä ei tehty hankkeessa.
! Molemmat työkalut löytyvät hankkeen sivuilta.
""",
    ),
    (
        3,
        10,
        "Tietovisa: ketterät kokeilut",
        "<p>Kokeile, tunnetko ketterän kokeilun vaiheet. Kysymyksissä on vaihtoehtoja, luku, "
        "lyhyt vastaus, parit ja järjestys.</p>",
        """\
? Mikä on kokeilun tärkein ero tavalliseen hankkeeseen?
* Se on pieni, nopea ja sen tulos opettaa, onnistui se tai ei | Epäonnistunutkin kokeilu opettaa.
- Se on aina kallis | Kokeilut ovat tarkoituksella kevyitä.

?? Mitä kokeilusuunnitelmaan kuuluu?
* Hypoteesi | Mitä oletat tapahtuvan.
* Mittari | Miten tiedät, toimiko kokeilu.
- Lopullinen budjetti viideksi vuodeksi | Kokeilu on lyhyt.

?# Kaksi kylää saa kumpikin 12 kyytiä viikossa kuuden viikon ajan. Montako kyytiä ajetaan yhteensä?
= 144
! Kaksi kylää × 12 kyytiä × kuusi viikkoa = 144 kyytiä.

?~ Millä sanalla kutsutaan kokeilun testattavaa oletusta muodossa ”jos teemme X, niin Y muuttuu”?
* hypoteesi
* työhypoteesi
! Hypoteesi kertoo, mitä oletat tapahtuvan ja mistä sen huomaa.

?= Yhdistä työpajan vaihe ja sen tuotos.
- Haasteen kuvaus = Ongelma ja sen taustat
- Idea ja hypoteesi = Testattava oletus
- Kokeilusuunnitelma = Mittarit ja päätöskriteerit
- = Viiden vuoden talousarvio
! Vaiheet ovat samat kuin työpajan tehtävissä.

?^ Järjestä ketterän kokeilun vaiheet oikeaan järjestykseen.
- Kuvaa kehittämishaaste
- Muotoile idea ja hypoteesi
- Laadi kokeilusuunnitelma
- Toteuta kokeilu
- Arvioi tulokset ja päätä jatkosta
""",
    ),
]

# The course's question bank: (tags, one question in the text format). A check drawing from it
# is in DRAWN_QUIZZES.
BANK = [
    (
        "Verkostojohtaminen",
        """\
? Mikä on verkoston vetäjän tärkein tehtävä?
* Pitää yhteinen tavoite näkyvissä ja rytmittää työtä | Vetäjä kokoaa, ei päätä muiden puolesta.
- Tehdä päätökset jäsenten puolesta | Verkoston jäsenet päättävät omista asioistaan.
- Hoitaa kaikki käytännön työt itse | Työ jaetaan jäsenten kesken.
""",
    ),
    (
        "Verkostojohtaminen",
        """\
?? Mikä auttaa verkostoa pysymään käynnissä, kun ihmiset vaihtuvat?
* Kirjatut sopimukset ja yhteiset työtavat | Tieto ei lähde ihmisen mukana.
* Uusien jäsenten perehdytys | Uusi jäsen pääsee nopeasti mukaan.
- Yhden ihmisen muistiinpanot | Ne lähtevät ihmisen mukana.
""",
    ),
    (
        "Verkostojohtaminen, Kertaus",
        """\
?~ Mikä syntyy verkostossa, kun lupaukset pidetään? Vastaa yhdellä sanalla.
* luottamus
! Luottamus on verkoston tärkein pääoma.
""",
    ),
    (
        "Verkostojohtaminen",
        """\
?# 17 kuntaa lähettää kukin kaksi edustajaa verkoston tapaamiseen. Montako edustajaa siellä on?
= 34
""",
    ),
    (
        "Verkostojohtaminen, Kertaus",
        """\
?^ Järjestä uuden verkoston käynnistämisen vaiheet.
- Kartoita toimijat
- Sovi yhteinen tavoite
- Sovi työnjako ja tapaamisten rytmi
- Arvioi ja kehitä toimintaa
""",
    ),
]

# Knowledge checks that draw their questions from the bank at random for each attempt:
# (module position, item position, title, prompt HTML, how many, tag).
DRAWN_QUIZZES = [
    (
        2,
        9,
        "Tietovisa: verkoston johtaminen",
        "<p>Saat kolme kysymystä kysymyspankista. Jokainen yritys arpoo omat kysymyksensä.</p>",
        3,
        "Verkostojohtaminen",
    ),
]

# Reflection prompts: (module position, item position, title, prompt HTML).
REFLECTIONS = [
    (
        1,
        11,
        "Pohdinta: oma verkostoni",
        "<p>Keiden kanssa teet jo yhteistyötä omassa kunnassasi tai seudullasi? Kenet haluaisit "
        "verkostoosi seuraavaksi, ja miksi?</p>",
    ),
    (
        2,
        10,
        "Pohdinta: verkoston johtaminen",
        "<p>Millainen rooli sinulla on verkostossa: vetäjä, kokoaja vai asiantuntija? Mitä "
        "haluaisit oppia verkoston johtamisesta?</p>",
    ),
    (
        3,
        11,
        "Pohdinta: oman kokeiluni lähtökohdat",
        "<p>Mikä kehittämishaaste sinulla on työn alla? Mitä siitä jo tiedät, ja mitä "
        "haluaisit kokeilla ensimmäiseksi?</p>",
    ),
]

# The workshop's phases: phase -> (title, days from the cohort's start to its due date,
# instructions or None to keep the assignment's own).
PHASES = {
    1: ("Kuvaa kehittämishaasteesi", 21, None),
    2: (
        "Muotoile idea ja hypoteesi",
        42,
        "<p>Muotoile haasteeseesi idea ja sitä koskeva hypoteesi: <em>jos teemme X, niin Y "
        "muuttuu, ja sen huomaa Z:sta</em>. Kerro, mihin oletukseen idea nojaa ja miten sen voi "
        "testata pienesti.</p>",
    ),
    3: (
        "Laadi kokeilusuunnitelma",
        63,
        "<p>Suunnittele kokeilu: kesto, osallistujat, kumppanit, kustannukset, mittarit ja "
        "päätöskriteerit. Kytke suunnitelma tavoiteltuun vaikuttavuuteen: mitä muutosta haet ja "
        "millä mittarilla sen näet?</p>",
    ),
    4: (
        "Toteuta kokeilu",
        105,
        "<p>Toteuta kokeilu ja pidä kokeilupäiväkirjaa: lyhyitä päivättyjä merkintöjä, kuten "
        "mittauksia, havaintoja, valokuvia ja lainauksia käyttäjiltä. Palauta lopuksi lyhyt "
        "kuvaus siitä, miten toteutus meni.</p>",
    ),
    5: (
        "Arvioi tulokset",
        140,
        "<p>Kokoa tulokset mittareittain ja arvioi ne hypoteesia vasten. Mitä opit, mikä "
        "yllätti, mikä jäi epäselväksi?</p>",
    ),
    6: (
        "Jaa tulokset ja päätä jatkosta",
        168,
        "<p>Jaa tulokset kasvukäytävän verkostolle ja päätä jatkosta: skaalataanko, "
        "iteroidaanko vai lopetetaanko kokeilu? Perustele päätös.</p>",
    ),
}

# Every rubric's levels: (points, label).
LEVELS = ((1, "Alkuvaiheessa"), (2, "Kehittyvä"), (3, "Vahva"))

# A rubric per phase: (criterion, description, descriptors for levels 1, 2 and 3).
RUBRICS: dict[int, list[tuple[str, str, tuple[str, str, str]]]] = {
    1: [
        (
            "Haasteen rajaus",
            "Onko haaste kuvattu niin, että sen voi ratkaista kokeilemalla?",
            (
                "Haaste on laaja tai epämääräinen.",
                "Haaste on tunnistettu, mutta rajaus on vielä väljä.",
                "Haaste on rajattu selkeästi ja kytketty omaan työhön.",
            ),
        ),
        (
            "Kohderyhmä",
            "Keitä haaste koskee?",
            (
                "Kohderyhmää ei ole nimetty.",
                "Kohderyhmä on nimetty yleisesti.",
                "Kohderyhmä ja sen arki on kuvattu konkreettisesti.",
            ),
        ),
        (
            "Nykytila",
            "Mitä asialle on jo tehty?",
            (
                "Nykytilaa ei ole kuvattu.",
                "Nykytilaa on kuvattu osittain.",
                "Aiemmat ratkaisut ja niiden puutteet on kuvattu.",
            ),
        ),
    ],
    2: [
        (
            "Hypoteesi",
            "Jos teemme X, niin Y muuttuu, ja sen huomaa Z:sta.",
            (
                "Hypoteesia ei ole muotoiltu.",
                "Hypoteesi on muotoiltu, mutta sitä on vaikea testata.",
                "Hypoteesi on testattava ja mitattava.",
            ),
        ),
        (
            "Oletukset",
            "Mihin oletuksiin idea nojaa?",
            (
                "Oletuksia ei ole tunnistettu.",
                "Osa oletuksista on tunnistettu.",
                "Kriittisin oletus on tunnistettu ja testattavissa pienesti.",
            ),
        ),
    ],
    3: [
        (
            "Suunnitelman toteutettavuus",
            "Kesto, osallistujat, kumppanit ja kustannukset.",
            (
                "Suunnitelmasta puuttuu olennaisia osia.",
                "Suunnitelma on pääosin valmis.",
                "Suunnitelma on toteutettavissa sellaisenaan.",
            ),
        ),
        (
            "Mittarit ja vaikuttavuus",
            "Millä mittarilla haettu muutos näkyy?",
            (
                "Mittareita ei ole.",
                "Mittarit on nimetty, mutta yhteys vaikutukseen on epäselvä.",
                "Mittarit ja päätöskriteerit on kytketty tavoiteltuun vaikuttavuuteen.",
            ),
        ),
    ],
    4: [
        (
            "Kokeilupäiväkirja",
            "Päivätyt merkinnät: mittaukset, havainnot, kuvat ja lainaukset.",
            (
                "Merkintöjä on vähän tai ei lainkaan.",
                "Merkintöjä on, mutta ne ovat satunnaisia.",
                "Merkinnät kattavat kokeilun ja tukevat arviointia.",
            ),
        ),
        (
            "Toteutuksen kuvaus",
            "Miten toteutus meni suunnitelmaan verrattuna?",
            (
                "Toteutusta ei ole kuvattu.",
                "Toteutus on kuvattu yleisesti.",
                "Poikkeamat suunnitelmasta ja niiden syyt on kuvattu.",
            ),
        ),
    ],
    5: [
        (
            "Tulokset",
            "Tulokset mittareittain.",
            (
                "Tuloksia ei ole koottu.",
                "Tulokset on koottu osittain.",
                "Tulokset on koottu kaikista mittareista.",
            ),
        ),
        (
            "Arviointi hypoteesia vasten",
            "Mitä opittiin, mikä yllätti?",
            (
                "Tuloksia ei ole verrattu hypoteesiin.",
                "Vertailu on tehty, mutta johtopäätökset ovat ohuita.",
                "Johtopäätökset ja opit on perusteltu tuloksilla.",
            ),
        ),
    ],
    6: [
        (
            "Jatkopäätös",
            "Skaalataanko, iteroidaanko vai lopetetaanko?",
            (
                "Päätöstä ei ole tehty.",
                "Päätös on tehty, mutta perustelut ovat vähäiset.",
                "Päätös on perusteltu tuloksilla ja resursseilla.",
            ),
        ),
        (
            "Jakaminen verkostolle",
            "Miten opit jaetaan kasvukäytävän kunnille?",
            (
                "Jakamista ei ole suunniteltu.",
                "Jakamisen kanava on nimetty.",
                "Opit on jaettu niin, että toinen kunta voi kokeilla ideaa.",
            ),
        ),
    ],
}
