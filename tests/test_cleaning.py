"""Tests for newsdesk.cleaning: normalisation, boilerplate, footer cut, title split."""

from __future__ import annotations

import pytest

from newsdesk.cleaning import clean_text, is_boilerplate, normalise, split_title

BODY = (
    "Government forces said on Tuesday they had pushed rebel fighters out of two villages east of the "
    "river after a day of heavy fighting. Residents said hundreds of families had fled towards the city."
)

SEED_LIKE = f"""Middle East

Rebels seize river crossing as army advances in the south

{BODY}

Advertisement

"We have lost everything," said a farmer who fled with his family.
Share this article

Related Articles
Truce talks stall in the capital
Aid convoy reaches besieged town
Back to top button
"""


def test_normalise_unicode_and_whitespace():
    raw = "Bogota\u0301\u00a0 said\u200b the\u00adre\tis  a   truce.\r\nNext\rline\u2028end\x07\x00"
    assert normalise(raw) == "Bogotá said there is a truce.\nNext\nline\nend"


def test_normalise_paragraph_separator_and_trailing_spaces():
    assert normalise("  one  \u2029two ") == "one\n\ntwo"


@pytest.mark.parametrize(
    "line",
    [
        "Related Articles", "Back to top button", "Share this article", "Share on WhatsApp",
        "Click to share on Twitter (Opens in new window)", "Follow us on Telegram", "ADVERTISEMENT",
        "Subscribe to our daily newsletter", "Read more: Talks collapse", "You may also like",
        "Tags: Syria, Idlib", "© 2025 Example News", "All rights reserved.", "We use cookies to improve the site",
        "— Print —", "Skip to main content", "12 Comments",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Read the statement, the ministry told reporters.",
        "Shares in the state oil company fell 4% after the attack.",
        "The ad hoc committee met on Monday.",
        "Related talks are due in Geneva next week, diplomats said.",
        "",
    ],
)
def test_article_lines_are_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_clean_text_drops_boilerplate_and_cuts_footer():
    text = clean_text(SEED_LIKE)
    assert "Advertisement" not in text and "Share this article" not in text
    assert "Related Articles" not in text and "Truce talks stall" not in text and "Back to top" not in text
    assert text.endswith('"We have lost everything," said a farmer who fled with his family.')
    assert "\n\n\n" not in text


def test_footer_marker_before_real_text_is_only_dropped():
    text = clean_text(f"Related Articles\n\n{BODY}")
    assert text == BODY


def test_clean_text_keeps_paragraphs_and_line_breaks():
    assert clean_text("First line\nsecond line\n\n\n\nNext paragraph") == "First line\nsecond line\n\nNext paragraph"
    assert clean_text(None) == "" and clean_text("   \n  ") == ""


def test_split_title_seed_like_layout():
    title, body = split_title(SEED_LIKE)
    assert title == "Rebels seize river crossing as army advances in the south"
    assert body.startswith("Government forces said on Tuesday")
    assert "Middle East" not in body and "Related Articles" not in body


def test_split_title_without_headline():
    title, body = split_title(f"{BODY}\n\n{BODY}")
    assert title is None and body == f"{BODY}\n\n{BODY}"
    assert split_title(BODY) == (None, BODY)


def test_split_title_section_without_headline_is_dropped():
    assert split_title(f"Africa\n\n{BODY}\n\n{BODY}") == (None, f"{BODY}\n\n{BODY}")


def test_split_title_keeps_a_capitalised_short_headline():
    # Looks like a section line ("Ceasefire Talks Collapse"), but no headline follows: it is the title.
    raw = f"Ceasefire Talks Collapse\n\n{BODY}\n\n{BODY}"
    assert split_title(raw) == ("Ceasefire Talks Collapse", f"{BODY}\n\n{BODY}")


def test_split_title_known_section():
    raw = f"Breaking World News\n\nArmy retakes the border town\n\n{BODY}"
    assert split_title(raw, known_sections=("breaking world news",)) == ("Army retakes the border town", BODY)
