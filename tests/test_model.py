"""The model on tiny configurations built in code: masked multi-task loss, save/load, backbones."""

import pytest
import torch
from transformers import AutoTokenizer

from newsdesk.config import ModelConfig, TinyModelConfig
from newsdesk.model import NewsdeskModel, create_model, embedded_model_path, generation_config

LABELS = {"region": ["Europe", "Middle East"], "event_types": ["capture", "ceasefire", "advance"], "actors": ["IS", "Kurds"]}
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(embedded_model_path())


def model_cfg(name="tiny", **kw):
    return ModelConfig(name=name, tiny=TinyModelConfig(**TINY), **kw)


@pytest.fixture()
def tiny(tokenizer):
    torch.manual_seed(0)
    return create_model(model_cfg(), tokenizer, LABELS, generation={"max_summary_tokens": 6})


def batch(tokenizer, n_docs=2):
    enc = tokenizer(["Iraqi forces captured the crossing.", "A truce was announced in Daraa."][:n_docs],
                    padding=True, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
            "lexical_ids": torch.tensor([2000, 2001, 2002]), "lexical_offsets": torch.tensor([0, 2])}


def grads(model):
    return {n: (p.grad is not None and p.grad.abs().sum().item() > 0) for n, p in model.named_parameters()}


def test_loss_masks_tasks_a_batch_does_not_carry(tiny, tokenizer):
    b = batch(tokenizer)
    # doc 0: events only; doc 1: nothing for events; nobody has region, actors or summary
    out = tiny(**b, labels={"region": torch.tensor([-100, -100]), "event_types": torch.tensor([[1.0, 0, 0], [-100, -100, -100]]),
                            "actors": torch.tensor([[-100.0, -100], [-100, -100]])})
    assert set(out.losses) == {"event_types"}
    out.loss.backward()
    g = grads(tiny)
    assert g["heads.event_types.weight"] and g["heads.region.weight"] is False and g["heads.actors.weight"] is False
    assert g["mention_head.weight"] is False
    assert not any(v for n, v in g.items() if n.startswith(("backbone.decoder.", "copy_head.")))
    assert any(v for n, v in g.items() if n.startswith("backbone.encoder."))


def test_all_tasks_train_together(tiny, tokenizer):
    b = batch(tokenizer)
    summary = tokenizer(["forces capture crossing"], return_tensors="pt")["input_ids"][:, 1:]
    tags = torch.full_like(b["input_ids"], -100)
    tags[0, 1:3] = torch.tensor([1, 2])  # "iraqi forces" is a mention
    tags[0, 3:5] = 0
    out = tiny(**b, labels={"region": torch.tensor([1, 0]), "event_types": torch.tensor([[1.0, 0, 0], [0, 1, 0]]),
                            "actors": torch.tensor([[1.0, 0], [0, 0]])}, mention_labels=tags,
               summary_labels=summary, summary_window=torch.tensor([0]), loss_weights={"summary": 0.5})
    assert set(out.losses) == {"region", "event_types", "actors", "mentions", "summary"}
    expected = sum(v for k, v in out.losses.items() if k != "summary") + 0.5 * out.losses["summary"]
    assert torch.allclose(out.loss, expected)
    out.loss.backward()
    g = grads(tiny)
    assert g["backbone.decoder.bert.encoder.layer.0.crossattention.self.query.weight"]
    assert g["copy_head.gate.weight"] and g["copy_head.query.weight"] and g["mention_head.weight"]


def test_windows_pool_max_for_multilabel_mean_for_region(tiny, tokenizer):
    tiny.eval()
    b = batch(tokenizer)
    with torch.no_grad():
        sep = tiny(b["input_ids"], b["attention_mask"])  # two documents, one window each
        joint = tiny(b["input_ids"], b["attention_mask"], doc_index=torch.tensor([0, 0]))  # one doc, two windows
    assert torch.allclose(joint.logits["event_types"][0], sep.logits["event_types"].max(0).values)
    assert torch.allclose(joint.logits["region"][0], sep.logits["region"].mean(0), atol=1e-6)


def test_save_and_load_round_trip_identically(tiny, tokenizer, tmp_path):
    tiny.config.thresholds = {"event_types": [0.3, 0.9, 0.5]}
    tiny.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file() and not list(tmp_path.glob("*.bin"))
    assert (tmp_path / "generation_config.json").is_file()
    loaded = NewsdeskModel.from_pretrained(tmp_path)
    assert loaded.config.thresholds == {"event_types": [0.3, 0.9, 0.5]}
    assert loaded.config.labels["event_types"] == LABELS["event_types"]
    assert loaded.summary_settings.max_new_tokens == 6 and loaded.config.checksum() == tiny.config.label_checksum
    sd, sd2 = tiny.state_dict(), loaded.state_dict()
    assert sd.keys() == sd2.keys() and all(torch.equal(sd[k], sd2[k]) for k in sd)
    tiny.eval(), loaded.eval()
    b = batch(tokenizer)
    with torch.no_grad():
        a, c = tiny(**b), loaded(**b)
        from transformers.utils import ModelOutput

        assert isinstance(a, ModelOutput) and a["logits"] is a.logits  # HF output: attribute and key access
        assert all(torch.equal(a.logits[t], c.logits[t]) for t in LABELS)
        assert torch.equal(a.mention_logits, c.mention_logits)
        ga = tiny.generate_summary(a.hidden_states, b["attention_mask"], b["input_ids"])
        gc = loaded.generate_summary(c.hidden_states, b["attention_mask"], b["input_ids"])
    assert torch.equal(ga, gc) and ga.shape[0] == 2 and ga.shape[1] <= 7 and (ga[:, -1] == tokenizer.sep_token_id).all()


def test_seq2seq_checkpoint_uses_its_own_encoder_and_decoder(tokenizer, tmp_path):
    """A T5-like checkpoint (tiny, saved locally) is selectable by name/path like any other."""
    from transformers import T5Config, T5ForConditionalGeneration

    t5 = T5ForConditionalGeneration(T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                             num_heads=2, decoder_start_token_id=0, pad_token_id=0, eos_token_id=102))
    t5.save_pretrained(tmp_path / "t5")
    tokenizer.save_pretrained(tmp_path / "t5")
    model = create_model(model_cfg(str(tmp_path / "t5")), tokenizer, LABELS, generation={"max_summary_tokens": 4})
    assert model.config.backbone_kind == "seq2seq" and model.has_summary
    assert torch.equal(model.backbone.encoder.block[0].layer[0].SelfAttention.q.weight,
                       t5.encoder.block[0].layer[0].SelfAttention.q.weight)  # pretrained weights loaded
    b = batch(tokenizer)
    out = model(**b, labels={"region": torch.tensor([0, 1])}, summary_labels=torch.tensor([[2000, 102]]), summary_window=torch.tensor([1]))
    assert set(out.losses) == {"region", "summary"}
    out.loss.backward()
    model.save_pretrained(tmp_path / "nd")
    again = NewsdeskModel.from_pretrained(tmp_path / "nd")
    assert again.config.backbone_kind == "seq2seq"
    model.eval(), again.eval()
    with torch.no_grad():
        assert torch.equal(model(**b).logits["event_types"], again(**b).logits["event_types"])
        assert model.generate_summary(out.hidden_states[:1].detach(), b["attention_mask"][:1], b["input_ids"][:1]).shape[0] == 1


def test_encoder_only_model_without_summary_head(tokenizer):
    model = create_model(model_cfg(summary=False), tokenizer, LABELS)
    assert model.config.backbone_kind == "encoder" and not model.has_summary
    out = model(**batch(tokenizer), summary_labels=torch.tensor([[5, 6]]), summary_window=torch.tensor([0]))
    assert "summary" not in out.losses


@pytest.mark.parametrize("kind", ["bert2bert", "t5"])
def test_own_decoding_loop_matches_hf_generate_without_the_copy_path(tokenizer, tmp_path, kind):
    """Greedy and beam search of generate_summary (copy path off) write what transformers' generate writes."""
    from transformers import T5Config, T5ForConditionalGeneration
    from transformers.modeling_outputs import BaseModelOutput

    torch.manual_seed(1)
    if kind == "t5":
        t5 = T5ForConditionalGeneration(T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                                 num_heads=2, decoder_start_token_id=0, pad_token_id=0, eos_token_id=102))
        t5.save_pretrained(tmp_path / "t5")
        model = create_model(model_cfg(str(tmp_path / "t5"), copy=False), tokenizer, LABELS)
    else:
        model = create_model(model_cfg(copy=False), tokenizer, LABELS)
    model.eval()
    b = batch(tokenizer)
    with torch.no_grad():
        hidden = model(**b).hidden_states
        for beams in (1, 3):
            g = generation_config({"num_beams": beams, "max_summary_tokens": 6, "min_summary_tokens": 0}, model.summary_settings)
            ours = model.generate_summary(hidden, b["attention_mask"], b["input_ids"], settings=g)
            theirs = model.backbone.generate(encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                                             attention_mask=b["attention_mask"], max_new_tokens=6, num_beams=beams,
                                             do_sample=False, early_stopping=True, length_penalty=1.0)
            start = 1  # generate() returns the start token first
            for row_ours, row_theirs in zip(ours.tolist(), theirs.tolist()):
                want = [t for t in row_theirs[start:] if t not in (tokenizer.pad_token_id,)]
                end = 102
                want = want[: want.index(end)] if end in want else want
                got = row_ours[: row_ours.index(end)] if end in row_ours else row_ours
                assert got == want, (beams, got, want)


def test_copy_path_writes_a_name_only_the_article_contains(tokenizer):
    """Trained for a few steps to copy, the decoder writes an article-only name ("Labbezanga") through the
    copy path, and the rendered summary keeps the article's casing."""
    from newsdesk.summary import SummaryVocabulary, SummaryWords

    torch.manual_seed(0)
    model = create_model(model_cfg(), tokenizer, LABELS, generation={"max_summary_tokens": 8, "min_summary_tokens": 0})
    names = ["Labbezanga", "Ayorou", "Kidal", "Menaka"]
    texts = [f"Rebels seized {n} on Monday after fighting." for n in names]
    enc = tokenizer(texts, padding=True, return_tensors="pt")
    targets = tokenizer([f"rebels seize {n.lower()}" for n in names], padding=True, return_tensors="pt")["input_ids"][:, 1:]
    targets = targets.masked_fill(targets == tokenizer.pad_token_id, -100)
    opt = torch.optim.Adam([p for n, p in model.named_parameters() if n.startswith("copy_head")], lr=0.05)
    for _ in range(60):
        hidden = model.encode(enc["input_ids"], enc["attention_mask"]).detach()
        loss = model.summary_loss(hidden, enc["attention_mask"], enc["input_ids"], targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    article = "Rebels seized Labbezanga on Monday after fighting."
    e = tokenizer([article], return_tensors="pt")
    vocab = SummaryVocabulary(tokenizer, SummaryWords(["seize", "on"], {"seize"}))
    subset, constraint = vocab.constraint([article])
    with torch.no_grad():
        hidden = model.encode(e["input_ids"], e["attention_mask"])
        ids = model.generate_summary(hidden, e["attention_mask"], e["input_ids"], subset=subset, constraint=constraint)
    summary = constraint.render(ids[0].tolist(), 0)
    assert "Labbezanga" in summary.split(), summary  # copied, cased as the article writes it
    with torch.no_grad():  # the copy path is what makes the target likely: without it the loss is far higher
        with_copy = model.summary_loss(hidden[:, :], e["attention_mask"], e["input_ids"], targets[:1]).item()
        copy_head, model.copy_head = model.copy_head, None
        without = model.summary_loss(hidden, e["attention_mask"], e["input_ids"], targets[:1]).item()
        model.copy_head = copy_head
    assert with_copy < without - 1.0, (with_copy, without)


def test_automodel_loads_a_model_directory_without_remote_code(tiny, tmp_path):
    from transformers import AutoModel

    tiny.save_pretrained(tmp_path)
    assert type(AutoModel.from_pretrained(tmp_path)) is NewsdeskModel


def test_newsdesk_generation_keys_survive_save_and_load(tokenizer, tmp_path):
    # The backbone's generation config starts as one derived from its model config ("_from_model_config"),
    # and transformers drops unknown keys when it loads such a file: constrain_to_article: false and the
    # summary mode were silently back to their defaults after a save and load.
    model = create_model(model_cfg(), tokenizer, LABELS,
                         generation={"constrain_to_article": False, "summary_mode": "lead", "max_summary_tokens": 6})
    model.save_pretrained(tmp_path)
    loaded = NewsdeskModel.from_pretrained(tmp_path).summary_settings
    assert (loaded.constrain_to_article, loaded.summary_mode, loaded.max_new_tokens) == (False, "lead", 6)
