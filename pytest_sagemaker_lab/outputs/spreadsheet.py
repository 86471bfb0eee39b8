"""Text cells of the CSV files a person opens in a spreadsheet, kept from being read as formulas.

Excel, LibreOffice Calc and Google Sheets read a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)`` sends the sheet's data to a server when clicked; old Excel ran commands through
DDE). A learner chooses their file's name and their exceptions' messages, and both reach ``report.csv``; a
student may choose their display name, which the roster carries into the Canvas and Moodle files. OWASP's
guidance (docs/facts/hostile-submissions.md) is to prefix such a cell with a single quote, which a spreadsheet
shows as text, and to quote cells that hold separators and quotes (the csv module does).

Left as they are: numbers (``-1.5`` is no formula, and an LMS must read grades as written) and Moodle's
``-`` (its "no grade"); and the identifier columns an LMS matches on, which the callers do not pass here.
"""

from __future__ import annotations

import re

# OWASP's list: the four formula signs, and tab, carriage return and line feed, after which a spreadsheet may
# still find one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain decimal number (``-2``, ``+1.5``, ``6.5e-1``): what a spreadsheet reads as a number, not a formula.
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def spreadsheet_text(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: a leading ``'`` when it could start a formula."""
    if not value.startswith(FORMULA_STARTS) or value == "-" or _is_number(value):
        return value
    return "'" + value


def _is_number(value: str) -> bool:
    return _NUMBER.fullmatch(value) is not None
