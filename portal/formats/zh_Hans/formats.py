"""Chinese number and date-input formats for the portal (FORMAT_MODULE_PATH).

Django's zh_Hans formats group digits by ten thousand with no separator ("10000000.00"),
which makes amounts hard to read next to the portal's "¥10,000,000.00" (the `cny` filter and
the programme's documents); `intcomma` now groups the same way in both languages. Only what
differs from Django's zh_Hans formats is here; the rest (dates "2026年5月1日") comes from
Django. USE_THOUSAND_SEPARATOR stays off, so form inputs never get commas.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Django's list has "%Y年%n月%j日" (%n is whitespace, %j the day of the year), which never
# matches a date typed the Chinese way; these do.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]
