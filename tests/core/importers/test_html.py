"""HTML pages: furniture dropped, blocks as lines, entities decoded, charsets honoured."""

from __future__ import annotations

import codecs
import socket
from pathlib import Path

import pytest

from annotator.core.importers import DateCertainty, read_document
from annotator.core.importers.html import convert_html, declared_charset, looks_like_html
from tests.growth import Repeat, assert_linear


def text_of(html: str) -> str:
    return convert_html(html).text


PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta charset="utf-8">
  <title>Statement on Strikes | Example Ministry</title>
  <meta name="description" content="not text">
  <style>p { color: red }</style>
  <script>var x = "<p>not text</p>";</script>
</head>
<body>
  <header><a href="/">Home</a> <div>Site banner</div></header>
  <nav><ul><li>Menu one</li><li>Menu two</li></ul></nav>
  <main>
    <h1>Statement on   Strikes</h1>
    <p>First paragraph with <b>bold</b>, <a href="https://example.org">a link</a> and
       a line
       wrapped in the source.</p>
    <p>Second &amp; last paragraph &mdash; &#8220;quoted&#8221;&nbsp;text.</p>
    <ul><li>Item one</li><li>Item <i>two</i></li></ul>
    <noscript>Enable JavaScript</noscript>
    <form><button>Subscribe</button><input type="text" value="x"></form>
    <aside>Related stories</aside>
  </main>
  <footer>Copyright footer</footer>
</body>
</html>"""


def test_page_text() -> None:
    assert text_of(PAGE) == (
        "Statement on Strikes\n\n"
        "First paragraph with bold, a link and a line wrapped in the source.\n\n"
        "Second & last paragraph — “quoted” text.\n\n"
        "- Item one\n- Item two\n"
    )


@pytest.mark.parametrize(
    "dropped",
    [
        "<script>alert(1)</script>",
        "<style>.x{}</style>",
        "<noscript>no</noscript>",
        "<template><p>t</p></template>",
        "<nav>nav</nav>",
        "<aside>aside</aside>",
        "<form>form</form>",
        "<button>Click</button>",
        "<svg><title>Logo</title><text>svg</text></svg>",
        "<iframe>frame</iframe>",
        '<div role="navigation">menu</div>',
        '<div role="banner">banner</div>',
        '<div role="contentinfo">info</div>',
        "<div hidden>hidden</div>",
        '<span aria-hidden="true">icon</span>',
        '<div style="display: none">none</div>',
        "<header>page header</header>",
        "<footer>page footer</footer>",
    ],
)
def test_furniture_is_dropped(dropped: str) -> None:
    assert text_of(f"<body><p>Keep</p>{dropped}<p>Also kept</p></body>") == ("Keep\n\nAlso kept\n")


def test_article_header_and_footer_are_content() -> None:
    html = (
        "<header>Site</header><article><header><h1>Title</h1><p>June 13, 2024</p></header>"
        "<p>Body.</p><footer>Filed under: Yemen</footer></article>"
    )
    assert text_of(html) == "Title\n\nJune 13, 2024\n\nBody.\n\nFiled under: Yemen\n"


def test_headings_paragraphs_divs_and_breaks_are_lines() -> None:
    html = "<h2>Head</h2>text in body<div>Div one<div>Div two</div></div><p>a<br>b<br/>c</p>"
    assert text_of(html) == "Head\n\ntext in body\n\nDiv one\n\nDiv two\n\na\nb\nc\n"


def test_lists() -> None:
    html = (
        "<p>Intro</p><ul><li>One<ul><li>Sub</li></ul></li><li><p>Two</p></li></ul>"
        '<ol start="3"><li>Three<li>Four</ol><dl><dt>Term</dt><dd>Meaning</dd></dl>'
    )
    assert text_of(html) == (
        "Intro\n\n- One\n  - Sub\n- Two\n\n3. Three\n4. Four\n\nTerm\nMeaning\n"
    )


def test_tables_are_rows_of_cells() -> None:
    html = (
        "<table><caption>Costs</caption><tr><th>Route</th><th>Days</th></tr>"
        "<tr><td>Suez</td><td><p>10</p></td></tr><tr><td>Cape</td><td>24</td></tr></table>"
        "<p>After</p>"
    )
    assert text_of(html) == "Costs\n\nRoute | Days\nSuez | 10\nCape | 24\n\nAfter\n"


def test_pre_keeps_its_lines() -> None:
    assert text_of("<p>x</p><pre>\n  line one\n    line two\n</pre>") == (
        "x\n\n  line one\n    line two\n"
    )


def test_blockquote_is_a_block() -> None:
    assert text_of("<p>He said:</p><blockquote>Quote   here.</blockquote>") == (
        "He said:\n\nQuote here.\n"
    )


def test_entities_are_decoded() -> None:
    html = "<p>AT&amp;T &lt;b&gt; &eacute;t&eacute; &#x627;&#1604; &copy; &unknown;</p>"
    assert text_of(html) == "AT&T <b> été ال © &unknown;\n"


@pytest.mark.parametrize(
    "html",
    [
        "<p>Unclosed <b>bold <i>italic",
        "<div><p>one<p>two</div></span></p>text",
        "<p>stray </li></ul></table> end tags",
        "<![if !supportLists]>Word list<![endif]>",
        "<![bogus section]>after",
        "<p class='x>broken attribute</p>",
        "<<p>>double<</p>>",
        "<!DOCTYPE html [ <!x> ]><p>dtd</p>",
        "<!--unclosed comment <p>gone",
        "<p>text</p><",
        "<a <a <a <a",
        "</",
        "<table><td>cell without row",
        "<li>item without list",
        "<script>never closed",
        "&#xFFFFFFFF; &#0; &#55296;",
    ],
)
def test_malformed_html_does_not_raise(html: str) -> None:
    assert isinstance(text_of(html), str)


def test_malformed_html_keeps_its_text() -> None:
    assert text_of("<p>Unclosed <b>bold <i>italic") == "Unclosed bold italic\n"
    assert text_of("<div><p>one<p>two</div></span>three") == "one\n\ntwo\n\nthree\n"
    assert text_of("<![if !supportLists]>Word list<![endif]>") == "Word list\n"


@pytest.mark.parametrize(
    "html",
    [
        Repeat("<a ", 100_000),
        Repeat("<!--x", 40_000),
        Repeat("<p>", 70_000),
        Repeat("<li>", 50_000),
        Repeat("<b><i>", 35_000),
        Repeat("<a b='", 35_000),
        Repeat("<", 200_000),
        Repeat("</", 100_000),
    ],
    ids=["open-tags", "comments", "paragraphs", "items", "nesting", "quotes", "lt", "end-tags"],
)
def test_hostile_html_is_linear(html: Repeat) -> None:
    assert_linear(convert_html, html)


def test_hints_from_head() -> None:
    hints = convert_html(
        '<html lang="fr-FR"><head><title>Page Title | Site</title>'
        '<meta name="author" content="Jane Doe">'
        '<meta property="og:site_name" content="Example Ministry">'
        '<meta name="article:published_time" content="2017-06-26T09:30:00+02:00">'
        "</head><body><p>x</p></body></html>"
    ).hints
    assert hints.title is None
    assert hints.fallback_title == "Page Title"
    assert hints.issuer == "Example Ministry"
    assert hints.fallback_issuer == "Jane Doe"
    assert hints.date == "2017-06-26T09:30:00+02:00"
    assert hints.language == "fr-FR"


def test_first_h1_is_the_title_hint() -> None:
    assert convert_html("<h2>Kicker</h2><h1>Real  title</h1><h1>Other</h1>").hints.title == (
        "Real title"
    )


def test_declared_charset() -> None:
    assert declared_charset(b'<meta charset="windows-1251">') == "cp1251"
    http_equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    assert declared_charset(http_equiv) == "cp1252"
    assert declared_charset(b"<meta charset=utf-16>") is None
    assert declared_charset(b"<meta charset=no-such-codec>") is None
    assert declared_charset(b"<p>charset=koi8-r</p>") is None


def test_looks_like_html() -> None:
    assert looks_like_html("<!DOCTYPE html><p>x")
    assert looks_like_html("\n  <!-- saved page --><HTML><body>")
    assert looks_like_html('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">')
    assert not looks_like_html("Plain text mentioning <html> later")
    assert not looks_like_html("<p>fragment</p>")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_meta_charset_is_honoured(tmp_path: Path) -> None:
    body = "<p>Заявление пресс-секретаря о Сирии, опубликованное сегодня</p>"
    html = f'<html><head><meta charset="windows-1251"></head><body>{body}</body></html>'
    document = read_document(write(tmp_path, "ru.html", html.encode("cp1251")))
    assert document.text == "Заявление пресс-секретаря о Сирии, опубликованное сегодня\n"
    assert document.metadata.language == "ru"


def test_http_equiv_charset_is_honoured(tmp_path: Path) -> None:
    html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=koi8-r">'
        "</head><body><p>Привет</p></body></html>"
    )
    document = read_document(write(tmp_path, "ru.htm", html.encode("koi8_r")))
    assert document.text == "Привет\n"


def test_bom_wins_over_meta_charset(tmp_path: Path) -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>café “x”</p></body></html>'
    document = read_document(write(tmp_path, "a.html", codecs.BOM_UTF8 + html.encode()))
    assert document.text == "café “x”\n"


def test_without_declaration_the_usual_rules_apply(tmp_path: Path) -> None:
    html = "<html><body><p>“Smart” 5 €</p></body></html>"
    assert read_document(write(tmp_path, "a.html", html.encode("cp1252"))).text == "“Smart” 5 €\n"


def test_latin1_and_ascii_labels_mean_windows_1252(tmp_path: Path) -> None:
    html = '<meta charset="us-ascii"><p>“quoted” 5 €</p>'.encode("cp1252")
    assert read_document(write(tmp_path, "a.html", html)).text == "“quoted” 5 €\n"


def test_a_declaration_that_does_not_fit_falls_back(tmp_path: Path) -> None:
    html_bytes = '<meta charset="utf-8"><p>caf\xe9</p>'.encode("latin-1")
    assert read_document(write(tmp_path, "b.html", html_bytes)).text == "café\n"


def test_html_metadata(tmp_path: Path) -> None:
    html = (
        '<html lang="en"><head><title>Ignored | Site</title>'
        '<meta name="citation_publisher" content="Example Research Institute">'
        '<meta name="dc.date" content="2019-03-05"></head>'
        "<body><nav>Home | About</nav><h1>Assessing Maritime Risk</h1>"
        "<p>The situation in the Red Sea has deteriorated and shipping has declined.</p>"
        "</body></html>"
    )
    metadata = read_document(write(tmp_path, "page.html", html.encode())).metadata
    assert metadata.title == "Assessing Maritime Risk"
    assert metadata.issuer == "Example Research Institute"
    assert metadata.published is not None and metadata.published.isoformat() == "2019-03-05"
    assert metadata.date_certainty is DateCertainty.EXACT
    assert metadata.language == "en"


def test_a_title_element_in_the_body_is_not_text() -> None:
    assert text_of("<body><title>Tab title</title><p>Text.</p></body>") == "Text.\n"


def test_title_element_is_only_a_fallback(tmp_path: Path) -> None:
    html = "<html><head><title>Fallback Title | Site</title></head><body><p>a.</p></body></html>"
    document = read_document(write(tmp_path, "page.html", html.encode()))
    assert document.text == "a.\n"
    assert document.metadata.title == "Fallback Title"


def test_declared_language_is_used(tmp_path: Path) -> None:
    html = '<html lang="fr-FR"><body><p>Bonjour.</p></body></html>'
    assert read_document(write(tmp_path, "fr.html", html.encode())).metadata.language == "fr"


def test_declared_language_yields_to_a_clear_script(tmp_path: Path) -> None:
    html = '<html lang="en"><body><p>' + "البيت الأبيض مكتب السكرتير الصحفي " * 5 + "</p>"
    assert read_document(write(tmp_path, "ar.html", html.encode())).metadata.language == "ar"


def test_html_with_no_text_is_refused(tmp_path: Path) -> None:
    from annotator.core.errors import ImportRefused

    html = "<html><head><script>x()</script></head><body><nav>menu</nav></body></html>"
    with pytest.raises(ImportRefused, match=r"^empty\.html: no text found; nothing imported$"):
        read_document(write(tmp_path, "empty.html", html.encode()))


def test_import_never_touches_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the importer tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    html = (
        '<html><head><link rel="stylesheet" href="https://example.org/s.css">'
        '<script src="https://example.org/a.js"></script></head><body>'
        '<img src="https://example.org/i.png" alt="x"><iframe src="https://example.org"></iframe>'
        "<p>Offline text.</p></body></html>"
    )
    assert read_document(write(tmp_path, "page.html", html.encode())).text == "Offline text.\n"
