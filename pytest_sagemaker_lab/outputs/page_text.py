"""Text on a learner's feedback page: the grader's paths taken out, and the same text made safe for HTML
and for Markdown.

The path rule. Every absolute file path in what a page quotes (messages, hints, errors; never the
learner's own code) is shown as its last part: ``libgomp at /work/main/.venv/lib/.../libgomp.so.1``
becomes ``libgomp at libgomp.so.1``. A path is a ``/`` that starts a word (not the ``//`` of ``s3://``,
not the ``/`` inside ``a/b``, ``1/2`` or ``</b>``) followed by two names or more (``/a/b``), a ``~/``
followed by a name, a ``file://`` URL, or a Windows drive path (``C:\\...``). This covers the grader's
own prefixes (its interpreter, virtual environment and site-packages), its home and working folder, its
temporary folders and the sandbox's, on any machine, without having to know them. Kept as written:
paths under ``/opt/ml/`` (the training container's own folders, the same for everyone on SageMaker) and
``/dev/``.
"""

from __future__ import annotations

import re

KEPT_PREFIXES = ("/opt/ml/", "/dev/")
_SEGMENT = r"[^\s'\"`()<>\[\]{},;|:*?/\\]+"
# Two names at least (``/s`` is a unit, ``</code>`` a tag), or one under ``~``; not after a word character,
# a dot, a dash, a slash, a bracket or an operator: ``s3://b/k``, ``a/b``, ``../x``, ``x[1]/2`` are no paths.
_POSIX_PATH = re.compile(rf"(?<![\w.~/\\<>)\]}}*+-])(?:~(?:/{_SEGMENT})+|(?:/{_SEGMENT}){{2,}})/?")
_FILE_URL = re.compile(rf"file://(?:/{_SEGMENT})+/?")
_WINDOWS_PATH = re.compile(rf"(?<![\w])[A-Za-z]:\\(?:{_SEGMENT}\\)*{_SEGMENT}")


def _last_part(match: re.Match[str]) -> str:
    path = match.group(0)
    if path.startswith(KEPT_PREFIXES):
        return path
    parts = [part for part in re.split(r"[/\\]", path.removeprefix("file://")) if part and part != "~"]
    return parts[-1] if parts else path


def without_paths(text: str) -> str:
    """``text`` with every absolute path of the grader's machine shown as its last part (the module's rule)."""
    text = _FILE_URL.sub(_last_part, text)
    text = _WINDOWS_PATH.sub(_last_part, text)
    return _POSIX_PATH.sub(_last_part, text)


# A `code` span in a message or hint (hints put commands in backticks): shown as code on the page.
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def html_inline(text: str) -> str:
    """``text`` as HTML: escaped, its `code` spans in <code>, its line breaks kept."""
    from markupsafe import Markup, escape

    pieces = []
    for index, piece in enumerate(_CODE_SPAN.split(text)):
        pieces.append(f"<code>{escape(piece)}</code>" if index % 2 else str(escape(piece)))
    return Markup("".join(pieces).replace("\n", "<br>\n"))


# Characters that make Markdown of running text: emphasis, code, links, raw HTML and entities, GFM's
# tables and strikethrough. ``_`` is only escaped where it could emphasise (see _underscores).
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|~])")
# What makes a block of a line's start: headings, lists (``-``, ``+``, ``1.``, ``1)``), setext and thematic
# lines (``>`` and ``*`` are escaped anywhere).
_MD_LINE_START = re.compile(r"^([-+=#]|\d{1,9}(?=[.)](?:\s|$)))")


def _underscores(match: re.Match[str]) -> str:
    """A run of ``_`` between letters or digits on both sides (``bucket_name``) cannot open or close
    emphasis in CommonMark, so it stays readable; any other run is escaped."""
    text, start, end = match.string, match.start(), match.end()
    inside_word = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return match.group(0) if inside_word else "\\_" * len(match.group(0))


def _md_escape(piece: str, line_start: bool) -> str:
    """A piece of running text between code spans; only one at a line's start can start a block."""
    piece = re.sub(r"_+", _underscores, _MD_SPECIAL.sub(r"\\\1", piece))
    found = _MD_LINE_START.match(piece) if line_start else None
    if found:  # ``1.`` -> ``1\.``; ``#`` -> ``\#``
        marker = found.group(0)
        piece = marker + "\\" + piece[len(marker):] if marker.isdigit() else "\\" + piece
    return piece


def md_inline(text: str) -> str:
    """``text`` as one Markdown paragraph: escaped, its `code` spans as code, each line break a hard
    break (a backslash at the line's end), blank lines dropped, no indentation (it would make code)."""
    lines = []
    for line in text.splitlines():
        pieces = _CODE_SPAN.split(line.strip())
        if not pieces[0] and len(pieces) == 1:
            continue
        # A span holds no backtick, so one on each side fences it.
        lines.append("".join(f"`{piece}`" if index % 2 else _md_escape(piece, line_start=index == 0)
                             for index, piece in enumerate(pieces)))
    return "\\\n".join(lines)


def md_line(text: str) -> str:
    """``text`` on one line (a heading's, a list item's): escaped as md_inline, its line breaks spaces."""
    return md_inline(" ".join(text.split()))


def md_fence(code: str, info: str = "") -> str:
    """``code`` in a fenced block whose fence is longer than any run of backticks in it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{code.rstrip()}\n{fence}"
