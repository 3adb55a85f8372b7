"""One pager for every paged list: the next page keeps the list's filters."""

import html
import re

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

PAGER = "includes/_pagination.html"


def links(markup: str) -> dict[str, str]:
    return {
        rel: html.unescape(href) for href, rel in re.findall(r'href="([^"]+)" rel="(\w+)"', markup)
    }


def test_the_next_and_previous_pages_keep_every_filter_of_the_list():
    request = RequestFactory().get("/cohorts/1/", {"q": "Oona Ö", "org": "3", "page": "2"})
    page = Paginator(range(100), 10).get_page(2)

    found = links(render_to_string(PAGER, {"page": page}, request=request))

    assert found == {
        "prev": "?q=Oona+%C3%96&org=3&page=1",
        "next": "?q=Oona+%C3%96&org=3&page=3",
    }


def test_a_list_that_fits_one_page_shows_no_pager():
    request = RequestFactory().get("/notifications/")
    page = Paginator(range(5), 10).get_page(1)

    assert "pagination" not in render_to_string(PAGER, {"page": page}, request=request)


def test_the_first_and_last_pages_link_only_one_way():
    request = RequestFactory().get("/queue/", {"status": "submitted"})
    paginator = Paginator(range(30), 10)

    assert set(
        links(render_to_string(PAGER, {"page": paginator.get_page(1)}, request=request))
    ) == {"next"}
    assert set(
        links(render_to_string(PAGER, {"page": paginator.get_page(3)}, request=request))
    ) == {"prev"}
