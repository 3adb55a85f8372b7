"""Finnish: 6.12.2026 klo 7.06 and 9.00–12.00 (Kotus' recommendations); the long forms
(6. joulukuuta 2026, 6. joulukuuta 2026 kello 7.06) are Django's own."""

from config.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS

__all__ = ["DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS", "TIME_INPUT_FORMATS"]

TIME_FORMAT = "G.i"
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = r"j.n.Y \k\l\o G.i"
