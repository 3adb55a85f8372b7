"""Demo data for the discussions: the main cohort's area with a pinned welcome thread by the
instructor, a lively discussion with a quoted reply and a hidden post, and a question on the
first text page answered by the instructor (marked as the answer) and a peer.

Written through discussions.services, so subscriptions, notifications and the search index are
as real use leaves them. Idempotent: a thread found by its cohort and title is left alone.
"""

from __future__ import annotations

from typing import Any

from courses.models import Course, Item
from discussions import services
from discussions.models import Thread
from learners.models import Cohort


def _thread(cohort: Cohort, title: str) -> Thread | None:
    return Thread.objects.filter(cohort=cohort, title=title).first()


def seed(*, course: Course, cohort: Cohort, users: dict[str, Any]) -> None:
    oona, olli, kaisa = users["oppija"], users["ohjaaja"], users["koordinaattori"]
    laura, mikko, sanna = users["laura.virtanen"], users["mikko.laine"], users["sanna.korhonen"]

    title = "Tervetuloa keskustelemaan!"
    if _thread(cohort, title) is None:
        welcome = services.thread_start(
            cohort=cohort,
            author=olli,
            title=title,
            body="<p>Tämä on ryhmämme yhteinen keskustelualue. Kerro lyhyesti, mistä "
            "<strong>kehittämishaasteesta</strong> aiot työpajoissa lähteä liikkeelle.</p>"
            "<p>Kysymykset oppitunneista kannattaa kysyä oppitunnin sivulla: ne näkyvät "
            "siellä koko ryhmälle.</p>",
            pinned=True,
        )
        services.post_reply(
            thread=welcome,
            author=laura,
            body="<p>Hei! Tampereella haluamme kokeilla kimppakyytejä työpaikka-alueille.</p>",
        )

    title = "Miten saitte kunnan johdon mukaan kokeiluun?"
    if _thread(cohort, title) is None:
        thread = services.thread_start(
            cohort=cohort,
            author=oona,
            title=title,
            body="<p>Hämeenlinnassa kokeilun idea on valmis, mutta johtoryhmä epäröi. "
            "Millä perusteilla te saitte luvan kokeilla?</p>",
        )
        opening = thread.posts.get()
        first = services.post_reply(
            thread=thread,
            author=mikko,
            body="<p>Meillä auttoi, että kokeilu oli <em>pieni ja rajattu</em>: kuusi viikkoa "
            "ja selvä mittari. Johtoryhmä hyväksyi sen riskittömänä.</p>",
            quote=opening,
        )
        services.post_reply(
            thread=thread,
            author=sanna,
            body="<p>Sama kokemus. Lisäksi pyysimme yhden johtoryhmän jäsenen kokeilun "
            "kummiksi.</p>",
            quote=first,
        )
        offtopic = services.post_reply(
            thread=thread,
            author=laura,
            body="<p>Myyn käytetyn sähköpyörän, kysy lisää!</p>",
        )
        services.post_hide(
            post=offtopic, by=olli, reason="Ei liity kurssiin: ilmoitukset muualle, kiitos."
        )
        services.post_pin(post=first, by=kaisa, pinned=True)

    item = (
        Item.objects.filter(module__course=course, kind=Item.Kind.PAGE, is_published=True)
        .order_by("module__position", "position")
        .first()
    )
    title = "Mitä eroa on verkostolla ja kumppanuudella?"
    if item is not None and _thread(cohort, title) is None:
        question = services.thread_start(
            cohort=cohort,
            author=oona,
            title=title,
            body="<p>Oppitunnilla puhutaan sekä verkostoista että kumppanuuksista. "
            "Ovatko ne sama asia?</p>",
            item=item,
        )
        answer = services.post_reply(
            thread=question,
            author=olli,
            body="<p>Hyvä kysymys! Kumppanuus on sovittu, tavoitteellinen yhteistyö kahden "
            "toimijan välillä; verkosto on väljempi joukko toimijoita, joista kumppanuuksia "
            "voi syntyä.</p>",
        )
        services.post_reply(
            thread=question,
            author=laura,
            body="<p>Meillä kaupungin liikenneverkosto toimii juuri näin: siitä on syntynyt "
            "kaksi kumppanuutta.</p>",
        )
        services.thread_mark_answer(thread=question, by=oona, post=answer)
