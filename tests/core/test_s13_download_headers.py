"""Download names reach the browser whole: ä, ö and å through RFC 6266 filename*, a plain
name beside it for older clients, and nothing that could break the header."""

from core.http import content_disposition, download_name


def test_a_name_with_nordic_letters_has_a_plain_fallback_and_the_utf8_name():
    name = download_name("läsnäolo", "Åbo – Kevät 2027", "2026-12-07", extension="xlsx")
    assert name == "läsnäolo-åbo-kevät-2027-2026-12-07.xlsx"
    assert content_disposition(name) == (
        'attachment; filename="lasnaolo-abo-kevat-2027-2026-12-07.xlsx"; '
        "filename*=UTF-8''l%C3%A4sn%C3%A4olo-%C3%A5bo-kev%C3%A4t-2027-2026-12-07.xlsx"
    )


def test_quotes_and_line_breaks_in_a_name_cannot_break_the_header():
    header = content_disposition('raportti "a"\r\nSet-Cookie: x.pdf')
    assert "\r" not in header
    assert "\n" not in header
    assert header.startswith('attachment; filename="raportti _a___Set-Cookie: x.pdf"; filename*=')
