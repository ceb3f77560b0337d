"""Truecasing articles written in one case (newsdesk.truecase): the table, the restored text, what
it does to actor names, and the model directory / predictor plumbing."""

import json
import shutil

import numpy as np
import pytest

from newsdesk.actors import decode_mentions
from newsdesk.truecase import Truecaser, case_forms, uncased

CASED = [
    "Fighters of the FMLN attacked an army post near Guatemala City on Monday, the Guatemala army said.",
    "The army said the FMLN and al-Shabaab were not involved; Guatemala closed the border.",
    "Officials in Guatemala said the army had retaken the post from the FMLN.",
    "Army units moved in. The FMLN denied it.",  # "Army" and "The" start sentences: no evidence of case
]


def test_case_forms_learns_the_form_written_away_from_sentence_starts():
    forms = case_forms(CASED + ["the fmln in lower case teaches nothing", "THE FMLN IN CAPITALS NEITHER"])
    assert "FMLN" in forms and "Guatemala" in forms
    assert "Army" not in forms and "The" not in forms  # only ever capitalised at a sentence start, else "army"
    assert "al-Shabaab" not in forms  # seen once: below MIN_COUNT
    assert "al-Shabaab" in case_forms(CASED + ["Fighters of al-Shabaab attacked again."])


def test_truecaser_restores_case_in_one_case_text_only_and_keeps_the_length():
    tc = Truecaser(case_forms(CASED))
    lower = "the guatemala army said fighters of the fmln attacked the post. the army retook it on monday."
    out = tc(lower)
    assert out == "The Guatemala army said fighters of the FMLN attacked the post. The army retook it on monday."
    assert tc(lower.upper()) == out  # ALL CAPS: the same
    assert len(out) == len(lower)
    cased = "The guatemala army said the FMLN attacked a post near the border on Monday morning."
    assert not uncased(cased) and tc(cased) == cased  # written with case: left as it is
    assert tc("the fmln") == "the fmln"  # too short to tell
    assert Truecaser(None)(lower) == lower and not Truecaser([])


def test_a_line_in_capitals_of_a_cased_article_is_truecased_unless_lines_is_false():
    tc = Truecaser(case_forms(CASED))
    text = ("STATEMENT OF THE GUATEMALA ARMY ON THE FMLN ATTACK\nAbuja\n\nThe army said on Monday that "
            "fighters of the FMLN attacked a post near the border.")
    out = tc(text)
    assert out.split("\n")[0] == "Statement of the Guatemala army on the FMLN attack"
    assert out.split("\n", 1)[1] == text.split("\n", 1)[1] and len(out) == len(text)
    assert tc(text, lines=False) == text
    short = "UN SAYS\nThe army said on Monday that fighters of the FMLN attacked a post near the border."
    assert tc(short) == short  # a line of fewer than MIN_LETTERS letters is left as written


def test_us_and_may_take_their_capital_only_where_they_name_a_country_or_a_date():
    tc = Truecaser(["US", "May", "FMLN"])
    text = "the guerrillas told us they would attack. the us embassy said us troops may leave on 5 may; let us see."
    assert tc(text) == ("The guerrillas told us they would attack. The US embassy said US troops may leave on 5 May; "
                        "let us see.")


def test_truecasing_keeps_the_length_of_letters_whose_case_changes_it():
    tc = Truecaser(["FMLN"])
    text = "İSTANBUL POLICE SAID THE FMLN HAD NO OFFICE THERE AT ALL."
    assert "İ".lower() != "i" and len("İ".lower()) == 2
    out = tc(text)
    assert len(out) == len(text) and "FMLN" in out


O, B, I = [0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]


def _words(text):
    out, pos = [(0, 0)], 0
    for w in text.split(" "):
        out.append((pos, pos + len(w)))
        pos += len(w) + 1
    return out + [(0, 0)]


def test_truecasing_lets_the_span_rules_trim_a_name_in_capitals():
    """The tagger runs one word too far ("Guatemala army said"): in cased text the rules cut the lower-case
    verb; in capitals every word looks like a name, and the repair ran on through the next capitalised words."""
    cased = "Yesterday the Guatemala army said guerrillas of the FMLN attacked a farm near the border."
    tags = np.array([O, O, O, B, I, I, O, O, O, B, O, O, O, O, O, O, O])
    names = lambda text: [m.text for m in decode_mentions(text, [_words(text)], [tags])]  # noqa: E731
    assert names(cased) == ["Guatemala army", "FMLN"]
    shouted = cased.upper()
    assert names(shouted) == ["GUATEMALA ARMY SAID GUERRILLAS OF THE FMLN"]  # what an ALL-CAPS wire got before
    restored = Truecaser(case_forms(CASED))(shouted)
    assert names(restored) == ["Guatemala army", "FMLN"]


def test_training_learns_the_table_and_the_predictor_serves_cased_names(tiny_model, tmp_path):
    import newsdesk

    cfg = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))
    forms = cfg["truecase"]
    assert isinstance(forms, list) and len(forms) > 50 and all(f.lower() != f for f in forms)
    # a name written in the training samples (data/train.jsonl) with its capitals
    assert {"Hamas", "Houthis"} & set(forms)
    p = newsdesk.load(tiny_model, device="cpu", dtype="fp32")
    article = ("GAZA CITY - HAMAS SAID ON MONDAY THAT ITS FIGHTERS HAD CLASHED WITH ISRAELI TROOPS NEAR THE BORDER. "
               "THE HOUTHIS SAID THEY FIRED A MISSILE.")
    row = p.predict(article)
    assert "truecased" in row.warnings
    scored = p.score([article], summary=False)[0]
    assert scored.truecased and len(scored.text) == len(article) and scored.text.lower() == article.lower()
    assert "Hamas" in scored.text and "Houthis" in scored.text and "HAMAS" not in scored.text
    assert "truecased" not in p.predict(article.title()).warnings  # written with case: read as it is
    # a heading in capitals over a cased article: truecased for reading, still skipped by the lead clause
    release = ("PRESS RELEASE: HAMAS FIGHTERS CLASH WITH TROOPS\n\nHamas fighters clashed with Israeli troops near the "
               "border crossing on Monday, the ministry said. The Houthis fired a missile at a ship.")
    s = p.score([release], summary=False)[0]
    assert s.truecased and s.text.startswith("Press release: Hamas fighters clash with troops\n")
    p.summary_mode = "lead"
    assert p.predict(release).summary.startswith("Hamas fighters clash")
    # a model directory without the table reads one-case text as it is
    bare = tmp_path / "bare"
    shutil.copytree(tiny_model, bare)
    cfg.pop("truecase")
    (bare / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    q = newsdesk.load(bare, device="cpu", dtype="fp32")
    assert "truecased" not in q.predict(article).warnings and q.score([article], summary=False)[0].text == article


@pytest.mark.parametrize("value, message", [
    ("FMLN", "truecase must be a list of cased word forms (strings), got a string"),
    (["FMLN", 3], "truecase must be a list of cased word forms (strings), got a list with a non-string or empty entry"),
])
def test_model_dir_check_names_a_bad_truecase_table(tiny_model, tmp_path, value, message):
    from newsdesk.predictor import ModelDirError, check_model_dir

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
    cfg["truecase"] = value
    (d / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(ModelDirError, match="refit it with bench/fit_truecase.py"):
        check_model_dir(d)
    with pytest.raises(ModelDirError) as e:
        check_model_dir(d)
    assert message in str(e.value)
