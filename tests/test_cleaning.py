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
        # bylines, publication dates, breadcrumbs, photo credits and wire credits that scrapers keep
        "By Qassim Abdul-Zahra and Bassem Mroue, Associated Press", "By Sarah Jones | Reuters",
        "Written by Sarah Jones on 17/06/2017", "Posted by admin on June 17, 2017 in Middle East, News",
        "Published: June 17, 2017 10:45 AM", "Last updated on 17 June 2017, 10:45 GMT", "Updated 3 hours ago",
        "17 June 2017 | 10:45 am", "23:58", "Home > World > Middle East", "Home / News", "Photo: Reuters",
        "File photo of Iraqi soldiers at a checkpoint near the border", "AP Photo/Hadi Mizban", "Getty Images",
        "Iraqi soldiers celebrate at the crossing. (AFP Photo)", "Listen to this article", "3 min read",
        "(Reporting by Ahmed Rasheed in Baghdad; Editing by Peter Graff)", "Sign in | Register",
        # a row of share buttons on one line (served as the summary of a scraped page before)
        "Share on Facebook  Share on Twitter", "Facebook | X | WhatsApp", "Share on Telegram, Share via Email",
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
        "By Sunday, the army had taken the town.", "By late afternoon the rebels had withdrawn",
        "On 17 June 2017 the army said it had taken the town.", "Reuters reported that 12 people died.",
        "Week 22 (26 May – 1 June)", "March 2017: the army retakes Mosul", "The photo: soldiers at a checkpoint",
        "Twitter and Facebook removed the accounts on Monday.", "X said it had suspended the account",
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


def test_page_furniture_above_the_article_is_not_its_lead():
    """A scraped page's byline and date lines came before the first sentence, and the lead clause
    (the summary of `summary_mode: lead`) served "By Sarah Jones and Ali Omar, Associated Press"."""
    from newsdesk.summary import lead_clause

    raw = ("Rebels seize river crossing\n\nBy Sarah Jones and Ali Omar, Associated Press\n\n"
           "Published: June 17, 2017 10:45 AM\n\nHome > World > Africa\n\n" + BODY)
    assert lead_clause(clean_text(raw)) == lead_clause(BODY) != ""
    assert lead_clause(split_title(raw)[1]).startswith("Government forces push")


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


def test_split_title_drops_a_menu_above_the_article():
    """A scraped page's menu ("Menu\nWorld\nAfrica") above section and headline is navigation: before,
    the menu stayed in the body and "World\nAfrica\n\nSudan army" was tagged as one actor."""
    raw = f"Skip to main content\nMenu\nWorld\nAfrica\n\nSudan army retakes key bridge in Khartoum North\n\n{BODY}\n\n{BODY}"
    assert split_title(raw) == ("Sudan army retakes key bridge in Khartoum North", f"{BODY}\n\n{BODY}")
    # a short paragraph of real text (not every line a capitalised label) stays
    raw = f"Army Retakes Bridge\nthe army said on Thursday\n\n{BODY}\n\n{BODY}"
    assert split_title(raw)[1].startswith("Army Retakes Bridge")
