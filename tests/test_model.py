"""The model on tiny configurations built in code: masked multi-task loss, save/load, backbones."""

import pytest
import torch
from transformers import AutoTokenizer

from newsdesk.model import NewsdeskModel, create_model, embedded_model_path

LABELS = {"region": ["Europe", "Middle East"], "event_types": ["capture", "ceasefire", "advance"], "actors": ["IS", "Kurds"]}
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(embedded_model_path())


@pytest.fixture()
def tiny(tokenizer):
    torch.manual_seed(0)
    return create_model("tiny", tokenizer, LABELS, tiny=dict(TINY), generation={"max_summary_tokens": 6})


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
    out = tiny(**b, region=torch.tensor([-100, -100]), event_types=torch.tensor([[1.0, 0, 0], [-100, -100, -100]]),
               actors=torch.tensor([[-100.0, -100], [-100, -100]]))
    assert set(out.losses) == {"event_types"}
    out.loss.backward()
    g = grads(tiny)
    assert g["event_head.weight"] and g["region_head.weight"] is False and g["actor_head.weight"] is False
    assert not any(v for n, v in g.items() if n.startswith("backbone.decoder."))
    assert any(v for n, v in g.items() if n.startswith("backbone.encoder."))


def test_all_tasks_train_together(tiny, tokenizer):
    b = batch(tokenizer)
    summary = tokenizer(["forces capture crossing"], return_tensors="pt")["input_ids"][:, 1:]
    out = tiny(**b, region=torch.tensor([1, 0]), event_types=torch.tensor([[1.0, 0, 0], [0, 1, 0]]),
               actors=torch.tensor([[1.0, 0], [0, 0]]), summary_labels=summary, summary_window=torch.tensor([0]),
               loss_weights={"summary": 0.5})
    assert set(out.losses) == {"region", "event_types", "actors", "summary"}
    expected = sum(v for k, v in out.losses.items() if k != "summary") + 0.5 * out.losses["summary"]
    assert torch.allclose(out.loss, expected)
    out.loss.backward()
    assert grads(tiny)["backbone.decoder.bert.encoder.layer.0.crossattention.self.query.weight"]


def test_windows_pool_max_for_multilabel_mean_for_region(tiny, tokenizer):
    tiny.eval()
    b = batch(tokenizer)
    with torch.no_grad():
        sep = tiny(b["input_ids"], b["attention_mask"])  # two documents, one window each
        joint = tiny(b["input_ids"], b["attention_mask"], doc_index=torch.tensor([0, 0]))  # one doc, two windows
    assert torch.allclose(joint.event_logits[0], sep.event_logits.max(0).values)
    assert torch.allclose(joint.region_logits[0], sep.region_logits.mean(0), atol=1e-6)


def test_save_and_load_round_trip_identically(tiny, tokenizer, tmp_path):
    tiny.config.event_thresholds = [0.3, 0.9, 0.5]
    tiny.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file() and not list(tmp_path.glob("*.bin"))
    loaded = NewsdeskModel.from_pretrained(tmp_path)
    assert loaded.config.event_thresholds == [0.3, 0.9, 0.5]
    assert loaded.config.event_labels == LABELS["event_types"]
    sd, sd2 = tiny.state_dict(), loaded.state_dict()
    assert sd.keys() == sd2.keys() and all(torch.equal(sd[k], sd2[k]) for k in sd)
    tiny.eval(), loaded.eval()
    b = batch(tokenizer)
    with torch.no_grad():
        a, c = tiny(**b), loaded(**b)
        assert torch.equal(a.actor_logits, c.actor_logits) and torch.equal(a.region_logits, c.region_logits)
        ga = tiny.generate_summary(a.hidden_states, b["attention_mask"])
        gc = loaded.generate_summary(c.hidden_states, b["attention_mask"])
    assert torch.equal(ga, gc) and ga[0, 0].item() == tokenizer.cls_token_id


def test_seq2seq_checkpoint_uses_its_own_encoder_and_decoder(tokenizer, tmp_path):
    """A T5-like checkpoint (tiny, saved locally) is selectable by name/path like any other."""
    from transformers import T5Config, T5ForConditionalGeneration

    t5 = T5ForConditionalGeneration(T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                             num_heads=2, decoder_start_token_id=0, pad_token_id=0, eos_token_id=102))
    t5.save_pretrained(tmp_path / "t5")
    tokenizer.save_pretrained(tmp_path / "t5")
    model = create_model(str(tmp_path / "t5"), tokenizer, LABELS, generation={"max_summary_tokens": 4})
    assert model.config.backbone_kind == "seq2seq" and model.has_summary
    assert torch.equal(model.backbone.encoder.block[0].layer[0].SelfAttention.q.weight,
                       t5.encoder.block[0].layer[0].SelfAttention.q.weight)  # pretrained weights loaded
    b = batch(tokenizer)
    out = model(**b, region=torch.tensor([0, 1]), summary_labels=torch.tensor([[2000, 102]]), summary_window=torch.tensor([1]))
    assert set(out.losses) == {"region", "summary"}
    out.loss.backward()
    model.save_pretrained(tmp_path / "nd")
    again = NewsdeskModel.from_pretrained(tmp_path / "nd")
    assert again.config.backbone_kind == "seq2seq"
    model.eval(), again.eval()
    with torch.no_grad():
        assert torch.equal(model(**b).event_logits, again(**b).event_logits)
        assert model.generate_summary(out.hidden_states[:1].detach(), b["attention_mask"][:1]).shape[0] == 1


def test_encoder_only_model_without_summary_head(tokenizer):
    model = create_model("tiny", tokenizer, LABELS, summary=False, tiny=dict(TINY))
    assert model.config.backbone_kind == "encoder" and not model.has_summary
    out = model(**batch(tokenizer), summary_labels=torch.tensor([[5, 6]]), summary_window=torch.tensor([0]))
    assert "summary" not in out.losses
