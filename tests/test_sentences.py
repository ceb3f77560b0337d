"""Sentence splitting on the cases news text throws at it."""

import pytest

from newsdesk.sentences import sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Troops advanced. Rebels withdrew.", ["Troops advanced.", "Rebels withdrew."]),
        # Titles, initials and dotted initialisms before names do not end a sentence.
        (
            "Gen. Abdul Rashid met Lt. Col. J. R. Smith and Mr. Ali. Dr. Khan was absent.",
            ["Gen. Abdul Rashid met Lt. Col. J. R. Smith and Mr. Ali.", "Dr. Khan was absent."],
        ),
        (
            "U.S. and U.N. officials met in St. Petersburg. Sgt. Diaz and Capt. Ode spoke.",
            ["U.S. and U.N. officials met in St. Petersburg.", "Sgt. Diaz and Capt. Ode spoke."],
        ),
        # An initialism ends a sentence when a sentence opener follows.
        (
            "Aid was cut by the U.S. The U.N. Security Council met.",
            ["Aid was cut by the U.S.", "The U.N. Security Council met."],
        ),
        # Months, "No." before a number, e.g. / i.e.
        (
            "It began on Sept. 11 and ended Jan. 5 at No. 10 Downing St. in London. Some groups, e.g. Hamas, left.",
            [
                "It began on Sept. 11 and ended Jan. 5 at No. 10 Downing St. in London.",
                "Some groups, e.g. Hamas, left.",
            ],
        ),
        # a.m./p.m.: a weekday or time zone continues the sentence, anything else starts a new one.
        (
            "Shelling began at 5 a.m. Tuesday and stopped at 6 p.m. GMT. It resumed at 9 p.m. Residents fled.",
            ["Shelling began at 5 a.m. Tuesday and stopped at 6 p.m. GMT.", "It resumed at 9 p.m.", "Residents fled."],
        ),
        # Decimals and numbers.
        ("Prices rose 3.5 percent in 2023. 2024 was worse.", ["Prices rose 3.5 percent in 2023.", "2024 was worse."]),
        # Quotes after the full stop; ? and ! inside quotes followed by a lower-case verb.
        (
            '"We will not leave." He said it twice. "Why?" she asked. "Never!" They left.',
            ['"We will not leave."', "He said it twice.", '"Why?" she asked.', '"Never!"', "They left."],
        ),
        (
            "Is it over? Nobody knows! Fighting continues.",
            ["Is it over?", "Nobody knows!", "Fighting continues."],
        ),
        # Ellipses: followed by a capital they end a sentence, followed by lower case they do not.
        (
            "He paused... and went on. The vote was delayed… Officials left.",
            ["He paused... and went on.", "The vote was delayed…", "Officials left."],
        ),
        # Paragraph breaks always end a sentence, even without punctuation; single newlines do not.
        (
            "KABUL — Fighting erupted\n\nThe army said\nit had retaken the base.\n \nNo comment",
            ["KABUL — Fighting erupted", "The army said\nit had retaken the base.", "No comment"],
        ),
        ("", []),
        ("  \n\n ", []),
    ],
)
def test_sentences(text, expected):
    assert sentences(text) == expected


def test_spans_are_offsets_without_surrounding_whitespace():
    text = "  First one.   Second one!\n\n  Third one  "
    spans = split_sentences(text)
    assert spans == [(2, 12), (15, 26), (30, 39)]
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one!", "Third one"]


def test_over_long_sentences_are_split_into_bounded_pieces():
    """Issue 14 item 3: a 1 MB line with no sentence break was one "sentence" (its evidence repeated
    the whole line); now it is split into pieces of at most MAX_SENTENCE_CHARS, at a clause mark or a space."""
    from newsdesk.sentences import MAX_SENTENCE_CHARS

    words = "forces attacked the town near the border " * 3000
    spans = split_sentences(words)
    assert len(spans) > 100 and max(b - a for a, b in spans) <= MAX_SENTENCE_CHARS
    assert all(words[a - 1] == " " for a, _ in spans[1:]) and all(words[b] == " " for _, b in spans[:-1])  # at spaces
    assert all(words[a:b] == words[a:b].strip() for a, b in spans)
    clauses = "the army advanced, " * 200 + "and then it stopped. Talks began."
    first = split_sentences(clauses)[0]
    assert clauses[first[1] - 1] == "," and first[1] - first[0] <= MAX_SENTENCE_CHARS
    nospace = "x" * (2 * MAX_SENTENCE_CHARS + 5)
    assert split_sentences(nospace) == [(0, MAX_SENTENCE_CHARS), (MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS),
                                        (2 * MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS + 5)]
    normal = "A sentence of normal length. " * 50  # sentences under the limit are left as they are
    assert len(split_sentences(normal)) == 50
