"""Few-shot event types: probes on sentence states, add-label / remove, nothing else moves."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from newsdesk.fewshot import add_label, article_scores, fit_probe, positives, read_examples, remove_label

REPO = Path(__file__).resolve().parent.parent

EXAMPLES = [
    "The two sides exchanged prisoners at the border crossing on Sunday.",
    "Forty detainees were freed in a prisoner swap brokered by Qatar.",
    "The rebels handed over 12 captured soldiers in exchange for 30 of their fighters.",
    "A prisoner exchange between the army and the militia took place in the capital.",
    "Both parties released hundreds of captives under the swap deal.",
]
ARTICLES = [
    "Rebels captured the town of Kidal on Monday. Separately, the army shelled positions near Gao.",
    "Protesters marched in the capital against fuel prices. Police fired tear gas.",
    "The government and the rebels swapped 40 prisoners on Friday. Fighting continued in the north.",
]


def test_positives_pick_the_sentence_nearest_the_prototype():
    proto = np.array([1.0, 0.0])
    single = np.array([[1.0, 0.0]])
    article = np.array([[0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])
    pos = positives([single, article])
    assert pos.shape == (2, 2) and np.allclose(pos[1], [0.9, 0.1])  # the article gives its on-topic sentence
    w, b = fit_probe(np.array([[1.0, 0.0], [0.9, 0.1]]), np.array([[0.0, 1.0], [0.1, 0.9], [0.2, 0.8]]))
    scores = article_scores(w, b, [article, np.array([[0.0, 1.0]]), np.zeros((0, 2))])
    assert scores[0] > 0 > scores[1] and scores[2] == -10.0  # max over sentences; an empty article scores low
    assert proto @ np.asarray(w) > 0


def test_read_examples_txt_lines_paragraphs_and_jsonl(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n\n")
    (tmp_path / "b.txt").write_text("para one\nstill one\n\npara two\n")
    (tmp_path / "c.jsonl").write_text('{"text": "x"}\n"y"\n')
    assert read_examples(tmp_path / "a.txt") == ["one", "two"]
    assert read_examples(tmp_path / "b.txt") == ["para one\nstill one", "para two"]
    assert read_examples(tmp_path / "c.jsonl") == ["x", "y"]
    (tmp_path / "d.jsonl").write_text('{"title": "no text"}\n')
    with pytest.raises(ValueError, match="item 1 has no text"):
        read_examples(tmp_path / "d.jsonl")


@pytest.fixture()
def model_dir(tiny_model, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(tiny_model, d)
    return d


def test_add_label_adds_one_type_and_changes_no_other_decision(model_dir):
    import newsdesk

    before = newsdesk.load(model_dir, device="cpu", dtype="fp32").predict(ARTICLES, summary=False)
    dev = [{"text": t, "event_types": (["prisoner_exchange"] if "swap" in t else [])} for t in ARTICLES + EXAMPLES[:2]]
    entry = add_label(model_dir, "prisoner_exchange", EXAMPLES, ["Warring sides exchange prisoners."], dev,
                      device="cpu", dtype="fp32")
    assert entry["examples"] == 5 and entry["source"] == "add-label" and len(entry["weight"]) == 32
    cfg = json.loads((model_dir / "config.json").read_text())
    assert "prisoner_exchange" in cfg["fewshot"] and "prisoner_exchange" not in cfg["labels"]["event_types"]
    assert "prisoner_exchange" in (model_dir / "README.md").read_text()
    p = newsdesk.load(model_dir, device="cpu", dtype="fp32")
    after = p.predict(ARTICLES, summary=False)
    assert "prisoner_exchange" in p.labels["event_types"]
    for a, b in zip(before, after):
        assert [e for e in b.event_types if e != "prisoner_exchange"] == a.event_types
        assert {k: v for k, v in b.scores["event_types"].items() if k != "prisoner_exchange"} == a.scores["event_types"]
        assert (a.region, a.actors, a.scores["region"]) == (b.region, b.actors, b.scores["region"])
    for b in after:
        if "prisoner_exchange" in b.event_types:  # its evidence is one of the article's sentences
            assert b.evidence["event_types"]["prisoner_exchange"]["sentence"] in ARTICLES[after.index(b)]
    remove_label(model_dir, "prisoner_exchange")
    again = newsdesk.load(model_dir, device="cpu", dtype="fp32").predict(ARTICLES, summary=False)
    assert [a.to_dict() for a in again] == [a.to_dict() for a in before]
    assert "prisoner_exchange" not in (model_dir / "README.md").read_text()
    with pytest.raises(ValueError, match="is not a few-shot label"):
        remove_label(model_dir, "prisoner_exchange")


def test_hard_negatives_pull_their_sentences_down(model_dir, tmp_path):
    """`--negatives`: a truce reads like a prisoner exchange (the acled model gave 'Negotiators agreed on
    a 72-hour truce ...' prisoner_exchange p 0.96 from 10 examples); given as a hard negative it scores lower."""
    from tests.conftest import run_cli

    truce = "Negotiators agreed on a 72-hour truce so that aid convoys could enter the besieged district."
    other = tmp_path / "other"
    shutil.copytree(model_dir, other)
    plain = add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", dtype="fp32")
    ex, neg = tmp_path / "ex.txt", tmp_path / "neg.txt"
    ex.write_text("\n".join(EXAMPLES) + "\n")
    neg.write_text(truce + "\n")
    proc = run_cli("-m", "newsdesk.cli", "add-label", str(other), "prisoner_exchange", "--examples", str(ex),
                   "--negatives", str(neg), "--device", "cpu")
    assert "1 hard negatives" in proc.stderr
    hard = json.loads((other / "config.json").read_text())["fewshot"]["prisoner_exchange"]
    assert hard["negatives"] == 1 and plain["negatives"] == 0
    import newsdesk

    score = lambda d: newsdesk.load(d, device="cpu", dtype="fp32").predict(truce, summary=False).scores["event_types"]["prisoner_exchange"]  # noqa: E731
    assert score(other) < score(model_dir) - 0.05
    swap = newsdesk.load(other, device="cpu", dtype="fp32").predict(EXAMPLES[0], summary=False)
    assert swap.scores["event_types"]["prisoner_exchange"] > score(other)


def test_frozen_view_reads_the_pretrained_encoder_and_changes_no_other_decision(model_dir):
    """--view frozen: the probe reads the pretrained MiniLM's sentence vectors (saved in the model dir as
    frozen_encoder/), which tell a prisoner swap from a capture before any fine-tuning; the head's labels
    stay identical; removing the last frozen label removes the encoder. The tiny model's own base is
    random, so the frozen view comes from the embedded MiniLM here and is refused without it."""
    import newsdesk
    from newsdesk.predictor import ModelDirError

    with pytest.raises(ValueError, match="built at random, not pretrained: no frozen view"):
        add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", dtype="fp32", view="frozen")
    assert add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", dtype="fp32")["view"] == "model"  # auto: no frozen view
    remove_label(model_dir, "prisoner_exchange")
    before = newsdesk.load(model_dir, device="cpu", dtype="fp32").predict(ARTICLES, summary=False)
    entry = add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", dtype="fp32", view="frozen",
                      frozen_model="embedded")
    assert entry["view"] == "frozen" and len(entry["weight"]) == 384 and (model_dir / "frozen_encoder" / "config.json").is_file()
    p = newsdesk.load(model_dir, device="cpu", dtype="fp32")
    after = p.predict(ARTICLES, summary=False)
    for a, b in zip(before, after):
        assert {k: v for k, v in b.scores["event_types"].items() if k != "prisoner_exchange"} == a.scores["event_types"]
        assert [e for e in b.event_types if e != "prisoner_exchange"] == a.event_types
    j = p.labels["event_types"].index("prisoner_exchange")
    swap = [p.probabilities(s)["event_types"][j] for s in p.score(ARTICLES, summary=False)]
    assert swap[2] > max(swap[0], swap[1]) + 0.2, swap  # "swapped 40 prisoners" over a capture and a protest
    if "prisoner_exchange" in after[2].event_types:  # its evidence: the sentence that says so
        assert after[2].evidence["event_types"]["prisoner_exchange"]["sentence"] == "The government and the rebels swapped 40 prisoners on Friday."
    shutil.rmtree(model_dir / "frozen_encoder")
    with pytest.raises(ModelDirError, match="frozen_encoder is missing: few-shot label 'prisoner_exchange' reads"):
        newsdesk.load(model_dir, device="cpu")
    remove_label(model_dir, "prisoner_exchange")  # the fix the message names
    add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", dtype="fp32", view="frozen", frozen_model="embedded")
    assert (model_dir / "frozen_encoder" / "config.json").is_file()
    remove_label(model_dir, "prisoner_exchange")
    assert not (model_dir / "frozen_encoder").exists()  # no label reads it any more
    # a model saved before the bank kept its sentences: the frozen view needs texts for its negatives
    with np.load(model_dir / "sentence_bank.npz") as z:
        np.savez(model_dir / "sentence_bank.npz", **{k: z[k] for k in z.files if k != "texts"})
    with pytest.raises(ValueError, match="holds no sentences .* give texts for the frozen view's negatives with --bank-texts"):
        add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", view="frozen", frozen_model="embedded")
    entry = add_label(model_dir, "prisoner_exchange", EXAMPLES, device="cpu", view="frozen", frozen_model="embedded",
                      bank_texts=ARTICLES[:2])
    assert entry["view"] == "frozen"
    # auto with dev: both views fitted, the one of higher cross-validated F1 kept (a tie keeps the model's)
    dev = [{"text": t, "event_types": ["prisoner_exchange"] if t in EXAMPLES or "swapped" in t else []} for t in ARTICLES + EXAMPLES]
    entry = add_label(model_dir, "prisoner_exchange", EXAMPLES, dev_records=dev, device="cpu", view="auto",
                      frozen_model="embedded", bank_texts=ARTICLES[:2])
    cv = entry["view_cv_f1"]
    assert set(cv) == {"model", "frozen"} and entry["view"] == ("frozen" if cv["frozen"] > cv["model"] else "model")
    assert f"dev CV F1 model {cv['model']:.3f}, frozen {cv['frozen']:.3f}" in (model_dir / "README.md").read_text()
    remove_label(model_dir, "prisoner_exchange")
    again = newsdesk.load(model_dir, device="cpu", dtype="fp32").predict(ARTICLES, summary=False)
    assert [a.to_dict() for a in again] == [a.to_dict() for a in before]


def test_add_label_refuses_a_head_label(model_dir):
    with pytest.raises(ValueError, match="already"):
        add_label(model_dir, "capture", EXAMPLES, device="cpu", dtype="fp32")


def test_add_label_cli(model_dir, tmp_path):
    from tests.conftest import run_cli

    ex = tmp_path / "ex.txt"
    ex.write_text("\n".join(EXAMPLES) + "\n")
    proc = run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "prisoner_exchange", "--examples", str(ex),
                   "--description", "Warring sides exchange prisoners.", "--device", "cpu")
    assert "added few-shot event type 'prisoner_exchange'" in proc.stderr and "(no --dev)" in proc.stderr
    assert "prisoner_exchange" in json.loads((model_dir / "config.json").read_text())["fewshot"]
    bad = run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "capture", "--examples", str(ex), check=False)
    assert bad.returncode == 1 and "already" in bad.stderr
    bad = run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "swap", "--examples", str(ex), "--view", "frozen", check=False)
    assert bad.returncode == 1 and "error: the model's base checkpoint (tiny) was built at random, not pretrained" in bad.stderr
    ok = run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "swap", "--examples", str(ex), "--view", "frozen",
                 "--frozen-model", "embedded")
    assert "view frozen" in ok.stderr and (model_dir / "frozen_encoder").is_dir()
    run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "--remove", "swap")
    gone = run_cli("-m", "newsdesk.cli", "add-label", str(model_dir), "--remove", "prisoner_exchange")
    assert "removed" in gone.stderr and not json.loads((model_dir / "config.json").read_text())["fewshot"]


def test_a_built_in_label_fuses_its_best_sentence_and_keeps_the_probe_only_where_it_helps():
    """Written dev (19 ceasefires): the best sentence's head logit fused with the article's was worth more
    than the probe (cross-validated F1 0.68 vs 0.59 for head + probe); the fusion picks by CV on dev."""
    from types import SimpleNamespace

    from newsdesk.evidence import sentence_head_max
    from newsdesk.fewshot import fit_dev

    rng = np.random.default_rng(0)
    n = 400
    gold = (rng.random(n) < 0.1).astype(float)
    head = rng.normal(0, 1, n) + 1.5 * gold
    sent = rng.normal(0, 1, n) + 3.0 * gold
    noise = rng.normal(0, 1, n)
    out = fit_dev(noise, gold, head, sent)
    assert len(out["fuse"]) == 4 and out["fuse"][1] == 0.0 and out["fuse"][2] > 0  # probe dropped
    assert out["fuse_cv_f1"]["without_probe"] >= out["fuse_cv_f1"]["with_probe"]
    informative = rng.normal(0, 1, n) + 4.0 * gold
    out = fit_dev(informative, gold, head, rng.normal(0, 1, n))
    assert out["fuse"][1] > 0  # a probe that separates the classes is kept
    assert len(fit_dev(informative, gold, head)["fuse"]) == 3  # without sentence logits: [head, probe, b]
    s = SimpleNamespace(logits={"event_types": np.array([-2.0, 0.5])},
                        sentence_logits={"event_types": np.array([[-3.0, 0.1], [1.7, -1.0]])})
    assert sentence_head_max(s, 0) == 1.7
    s.sentence_logits = {}
    assert sentence_head_max(s, 0) == -2.0  # no sentences scored: the article's logit


TRIGGERS = {"match": ["cease-?fires?", "truces?", "cessation of (?:all )?(?:hostilities|combat)"],
            "except": ["call\\w* for", "collaps\\w*"]}


def test_trigger_features_find_a_clean_trigger_sentence():
    from newsdesk.triggers import trigger_features
    from newsdesk.sentences import split_sentences

    def feats(text):
        return trigger_features(text, split_sentences(text), TRIGGERS)

    # announced: a trigger sentence without an except cue
    assert feats("Troops took the town. The army announced the cessation of all combat operations in Daraa.") == (1.0, 1.0)
    # only demanded, or broken: a trigger, no clean one
    assert feats("The UN called for a ceasefire in the north. Fighting went on.") == (1.0, 0.0)
    assert feats("A truce collapsed on Monday as clashes resumed.") == (1.0, 0.0)
    # one clean sentence is enough (multi-instance), whichever comes first
    assert feats("Leaders called for a truce. On Friday both sides agreed to a ceasefire.") == (1.0, 1.0)
    # whole words: "truces" matches, "ceasefirex" / "distrucesd" do not; no trigger at all
    assert feats("Rebels shelled the ceasefirex line near distrucesd.") == (0.0, 0.0)
    assert feats("Two truces held.") == (1.0, 1.0)
    # no sentence spans: the whole text is one sentence
    assert trigger_features("A cease-fire took effect.", [], TRIGGERS) == (1.0, 1.0)


def test_fusion_keeps_the_trigger_features_when_they_separate_and_the_predictor_applies_them():
    """fit_dev picks the feature set by CV; with triggers it writes a 6-number fuse [head, probe,
    sentence, trigger, clean trigger, bias] that Predictor.probabilities applies (numbers by hand)."""
    from types import SimpleNamespace

    from newsdesk.calibration import sigmoid
    from newsdesk.fewshot import FUSE_FEATURES, fit_dev

    rng = np.random.default_rng(1)
    n = 400
    gold = (rng.random(n) < 0.1).astype(float)
    head, sent, noise = rng.normal(0, 1, n) + 0.3 * gold, rng.normal(0, 1, n) + 0.3 * gold, rng.normal(0, 1, n)
    trig = np.where(gold > 0, 1.0, (rng.random(n) < 0.3).astype(float))  # positives all have a trigger
    clean = np.where(gold > 0, 1.0, trig * (rng.random(n) < 0.2))  # few negatives a clean one
    out = fit_dev(noise, gold, head, sent, np.stack([trig, clean], 1))
    assert FUSE_FEATURES == ("head", "probe", "sentence", "trigger", "clean_trigger")
    assert out["fuse_cv_f1"]["triggers"] > out["fuse_cv_f1"]["without_probe"] + 0.2
    assert max(out["fuse_cv_f1"], key=out["fuse_cv_f1"].get) in ("triggers", "probe_triggers")
    assert len(out["fuse"]) == 6 and out["fuse"][4] > 1.0  # the clean trigger weighs
    # without trigger features the fuse keeps its 4 numbers
    assert len(fit_dev(noise, gold, head, sent)["fuse"]) == 4

    from newsdesk.predictor import Predictor

    text = "Rebels took the town. The army announced a truce in the north."
    spans = [(0, 21), (22, len(text))]
    s = SimpleNamespace(text=text, sentences=spans, logits={"event_types": np.array([0.5, -1.0]), "region": np.zeros(1),
                                                             "actors": np.zeros(0)},
                        sentence_logits={"event_types": np.array([[0.0, -2.0], [0.0, 1.0]])}, fewshot={"ceasefire": np.array([0.3, 0.2])})
    probe = {"fuse": [0.5, 0.25, 1.0, 0.75, 2.0, -3.0], "triggers": TRIGGERS, "threshold": 0.5}
    fake = SimpleNamespace(config=SimpleNamespace(fewshot={"ceasefire": probe}, labels={"event_types": ["capture", "ceasefire"]}),
                           place_index=None, place_beta=0.0, calibrate=lambda logits: {"event_types": sigmoid(logits["event_types"])})
    p = Predictor.probabilities(fake, s)["event_types"][1]
    # 0.5 * (-1.0) head + 0.25 * 0.3 probe + 1.0 * 1.0 best sentence + 0.75 * 1 trigger + 2.0 * 1 clean - 3.0 = 0.325
    assert abs(p - sigmoid(0.325)) < 1e-9
    s.text = "Rebels took the town. Leaders called for a truce in the north."
    # trigger but not clean: 0.325 - 2.0
    assert abs(Predictor.probabilities(fake, s)["event_types"][1] - sigmoid(-1.675)) < 1e-9


@pytest.mark.parametrize("config", ["configs/acled.yaml", "configs/default.yaml"])
def test_shipped_ceasefire_cues_tell_a_truce_in_force_from_one_offered_refused_or_ended(config):
    """Written dev hard negatives that the first cue list called clean: a truce offered, asked for, one
    side "ready for", a plan, an old truce ended or fighting resumed. They pulled the clean-trigger weight
    down and with it the seed's Daraa cessation (p 0.19 < 0.25)."""
    from newsdesk.config import load_config
    from newsdesk.triggers import sentence_triggers

    spec = load_config(REPO / config).data.label_triggers["ceasefire"]
    not_clean = ["The council offered to mediate a truce between the two militias.",
                 "The rebels said they were ready for a ceasefire if the army withdrew.",
                 "Elders called on both gangs to declare a truce.",
                 "Residents are asking for a ceasefire on their streets.",
                 "The ministers endorsed a plan for a 30-day ceasefire.",
                 "Gunmen fought for hours on Sunday, ending a truce the cartels had kept since March.",
                 "The group said it no longer considered itself bound by the ceasefire.",
                 "Clashes resumed on the third day of the truce.",
                 "There would be no truce before the talks, the ministry said."]
    clean = ["The Syrian military announced the cessation of all combat operations in Daraa for 48 hours.",
             "A ceasefire took effect at midnight along the front.",
             "The truce between the two clans has held for a month and was extended on Friday."]
    assert [sentence_triggers(s, spec) for s in not_clean] == [(True, False)] * len(not_clean)
    assert [sentence_triggers(s, spec) for s in clean] == [(True, True)] * len(clean)
