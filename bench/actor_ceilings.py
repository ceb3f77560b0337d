#!/usr/bin/env python
"""Ceilings of issue 13's two unmet actor bars, measured on a trained model (nothing is written).

    python bench/actor_ceilings.py --model runs/acled_tc/model --data-dir ../shared/data
    python bench/actor_ceilings.py --model runs/acled_tc/model --data-dir ../shared/data --only catalogue

perpetrators  MUC-4 dev perpetrator organisations (muc4/dev.jsonl `actors`: the PerpOrg entities of its
              templates, first mention). A copy of the model's encoder gets a B/I/O "perpetrator" tag
              head and is fine-tuned on muc4/train alone (token labels: every occurrence in the text of
              any mention its templates give a PerpOrg entity; the texts truecased as the predictor
              does) -- what the shared encoder can learn of the role when nothing else competes for it,
              an upper bound for a perpetrator head trained with the other tasks. Per epoch: dev P/R/F1
              of the tagged names (a span's words, once per article) at several cuts on the span's best
              tag probability, scored two ways: `strict` as bench/quality.py (against the gold first
              mentions, through the model's alias table) and `entity` (MUC-4's own convention: a name
              that is any mention of a gold entity finds it; names of one entity count once).
catalogue     ACLED Middle East 2018 dev (acled_me2018/dev.jsonl), catalogue actors of the actor head:
              micro-F1 at the model's thresholds, then at per-label thresholds fitted on that same dev
              set (coordinate ascent on the micro-F1, three rounds over the labels, cuts 0.025-0.975):
              an in-sample upper bound of any threshold policy on this head. The TF-IDF baseline to
              beat is in bench/quality.py's table (0.900 on the same records).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsdesk.cleaning import clean_text  # noqa: E402
from newsdesk.data import LabelMaps, pack_windows, tokenize_windows  # noqa: E402
from newsdesk.evaluation import actor_name_key  # noqa: E402
from newsdesk.predictor import Predictor  # noqa: E402

TAGS = 3  # O, B, I
CUTS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
_WORD = re.compile(r"[\w'\-.&]")


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    """Records as written: MUC-4's `meta.templates` mix strings and offsets in one list, which
    `newsdesk.data.read_records` (Arrow, through `datasets`) cannot type."""
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return rows[:limit] if limit else rows


# ----------------------------------------------------------------------------- perpetrators
def perpetrator_entities(record: dict) -> list[list[str]]:
    """The PerpOrg entities of a MUC-4 record's templates, each the list of its mention strings."""
    return [[m[0] for m in ent] for t in (record.get("meta") or {}).get("templates", []) for ent in t.get("PerpOrg", [])]


def tag_windows(predictor: Predictor, record: dict) -> dict:
    """Windows of a record's (cleaned, truecased) text and B/I/O perpetrator tags per token."""
    text = predictor.truecaser(clean_text(record["text"]))
    ents = perpetrator_entities(record)
    spans = [(m.start(), m.end()) for e in ents for s in {x.strip() for x in e} if s
             for m in re.finditer(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text, re.IGNORECASE)]
    cfg = predictor.config
    d = tokenize_windows(predictor.tokenizer, [text], cfg.max_length, cfg.stride)[0]
    tags = []
    for offs in d["offsets"]:
        row = []
        for a, b in offs:
            t = -100 if a == b else 0
            for s, e in spans:
                if a != b and a >= s and b <= e:
                    t = 1 if a == s else 2
            row.append(t)
        tags.append(row)
    return {"text": text, "gold": record.get("actors") or [], "entities": ents, "windows": d["windows"],
            "offsets": d["offsets"], "tags": tags}


class Tagger(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module, hidden: int, bf16: bool = False):
        super().__init__()
        self.encoder, self.head, self.bf16 = encoder, torch.nn.Linear(hidden, TAGS), bf16

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(h.float())


def tagged_names(tagger: Tagger, doc: dict, pad: int, key) -> dict[str, float]:
    """name key -> best tag probability of the spans the tagger marks (a span: B or I tokens with
    P(B)+P(I) > 0.5, widened to whole words)."""
    ids, mask = pack_windows(doc["windows"], pad)
    with torch.no_grad():
        probs = tagger(ids, mask).softmax(-1).numpy()
    text, found = doc["text"], {}
    for k, offs in enumerate(doc["offsets"]):
        cur = None
        for j, (a, b) in enumerate(list(offs) + [(0, 0)]):
            p = float(probs[k, j, 1] + probs[k, j, 2]) if a != b else 0.0
            if p > 0.5 and cur is not None and probs[k, j, 1] <= probs[k, j, 2]:
                cur[1], cur[2] = b, max(cur[2], p)
                continue
            if cur is not None:
                s, e = cur[0], cur[1]
                while s > 0 and _WORD.match(text[s - 1]):
                    s -= 1
                while e < len(text) and _WORD.match(text[e]):
                    e += 1
                name = text[s:e].strip(" .,\"'()")
                if name:
                    found[key(name)] = max(found.get(key(name), 0.0), cur[2])
                cur = None
            if p > 0.5:
                cur = [a, b, p]
    return found


def perpetrator_scores(found: list[dict[str, float]], docs: list[dict], key, cut: float) -> dict[str, float]:
    s_tp = s_pred = s_gold = e_tp = e_pred = e_gold = 0
    for f, d in zip(found, docs):
        pred = {k for k, v in f.items() if v >= cut}
        gold = {key(g) for g in d["gold"]}
        s_tp, s_pred, s_gold = s_tp + len(pred & gold), s_pred + len(pred), s_gold + len(gold)
        ents = {frozenset(key(m) for m in e) for e in d["entities"]}
        hit = {e for e in ents if e & pred}
        other = {p for p in pred if not any(p in e for e in ents)}
        e_tp, e_pred, e_gold = e_tp + len(hit), e_pred + len(hit) + len(other), e_gold + len(ents)
    out = {}
    for kind, tp, n, g in (("strict", s_tp, s_pred, s_gold), ("entity", e_tp, e_pred, e_gold)):
        p, r = (tp / n if n else 0.0), (tp / g if g else 0.0)
        out.update({f"{kind}_p": p, f"{kind}_r": r, f"{kind}_f1": 2 * p * r / (p + r) if p + r else 0.0})
    return out


def perpetrators(predictor: Predictor, data_dir: Path, epochs: int, lr: float, limit: int | None, log=print) -> list[dict]:
    train = [tag_windows(predictor, r) for r in read_jsonl(data_dir / "muc4/train.jsonl", limit)]
    dev = [tag_windows(predictor, r) for r in read_jsonl(data_dir / "muc4/dev.jsonl", limit)]
    key = actor_name_key(predictor.aliases)
    pad = predictor.tokenizer.pad_token_id or 0
    tagger = Tagger(copy.deepcopy(predictor.model.encoder()).float().cpu(), predictor.model.hidden_size,
                    bf16=predictor.dtype == "bf16")
    opt = torch.optim.AdamW([{"params": tagger.encoder.parameters(), "lr": lr},
                             {"params": tagger.head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    weight = torch.tensor([1.0, 5.0, 5.0])  # B and I are ~1% of the tokens
    windows = [(w, t) for d in train for w, t in zip(d["windows"], d["tags"])]
    log(f"perpetrators: {len(train)} train / {len(dev)} dev records, {len(windows)} train windows, "
        f"{sum(1 for d in dev if d['gold'])} dev records with a gold perpetrator organisation")
    rows, t0 = [], time.time()
    for epoch in range(1, epochs + 1):
        tagger.train()
        order = np.random.RandomState(epoch).permutation(len(windows))
        total = 0.0
        for i in range(0, len(order), 32):
            batch = [windows[j] for j in order[i : i + 32]]
            ids, mask = pack_windows([w for w, _ in batch], pad)
            gold = torch.full(ids.shape, -100, dtype=torch.long)
            for k, (_, t) in enumerate(batch):
                gold[k, : len(t)] = torch.tensor(t)
            loss = torch.nn.functional.cross_entropy(tagger(ids, mask).reshape(-1, TAGS), gold.reshape(-1), weight=weight,
                                                     ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(batch)
        tagger.eval()
        found = [tagged_names(tagger, d, pad, key) for d in dev]
        for cut in CUTS:
            rows.append({"epoch": epoch, "cut": cut, **perpetrator_scores(found, dev, key, cut)})
        best = max((r for r in rows if r["epoch"] == epoch), key=lambda r: r["strict_f1"])
        log(f"  epoch {epoch}: loss {total / max(1, len(windows)):.4f}, best strict F1 {best['strict_f1']:.3f} "
            f"(entity {best['entity_f1']:.3f}) at cut {best['cut']}, {time.time() - t0:.0f} s")
    return rows


# ----------------------------------------------------------------------------- catalogue
def micro(probs: np.ndarray, gold: np.ndarray, cuts: np.ndarray) -> tuple[float, float, float]:
    pred = probs >= cuts
    tp, n, g = int((pred & gold).sum()), int(pred.sum()), int(gold.sum())
    p, r = (tp / n if n else 0.0), (tp / g if g else 0.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fit_cuts_in_sample(probs: np.ndarray, gold: np.ndarray, start: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-label cuts maximising the pooled micro-F1 on (probs, gold) themselves, label by label."""
    cuts = start.astype(float).copy()
    grid = np.round(np.arange(0.025, 1.0, 0.025), 3)
    pred = probs >= cuts
    tp, n, g = int((pred & gold).sum()), int(pred.sum()), int(gold.sum())
    for _ in range(rounds):
        for j in range(probs.shape[1]):
            col, gc = probs[:, j], gold[:, j]
            old = col >= cuts[j]
            t0, n0 = int((old & gc).sum()), int(old.sum())
            best = (2 * tp / (n + g) if n + g else 0.0, cuts[j], tp, n)
            for c in grid:
                new = col >= c
                t1, n1 = tp - t0 + int((new & gc).sum()), n - n0 + int(new.sum())
                f = 2 * t1 / (n1 + g) if n1 + g else 0.0
                if f > best[0] + 1e-12:
                    best = (f, c, t1, n1)
            _, cuts[j], tp, n = best
    return cuts


def catalogue(predictor: Predictor, data_dir: Path, limit: int | None, log=print) -> dict:
    records = [r for r in read_jsonl(data_dir / "acled_me2018/dev.jsonl", limit) if r.get("actors") is not None]
    labels = predictor.labels["actors"]
    index = {a: j for j, a in enumerate(labels)}
    canonical = LabelMaps({}, predictor.aliases).canonical_actor
    gold = np.zeros((len(records), len(labels)), dtype=bool)
    for i, r in enumerate(records):
        for a in r["actors"]:
            if canonical(a) in index:
                gold[i, index[canonical(a)]] = True
    scored = predictor.score([r["text"] for r in records], summary=False, evidence=False)
    probs = np.stack([predictor.probabilities(s)["actors"] for s in scored])
    served = predictor.thresholds("actors")
    fitted = fit_cuts_in_sample(probs, gold, served)
    out = {"records": len(records), "served": micro(probs, gold, served), "in_sample": micro(probs, gold, fitted),
           "labels_moved": int((np.abs(fitted - served) > 1e-9).sum())}
    log(f"catalogue: {len(records)} ACLED ME-2018 dev records; head P/R/F1 at the model's thresholds "
        f"{'/'.join(f'{x:.3f}' for x in out['served'])}; at per-label thresholds fitted on these records "
        f"{'/'.join(f'{x:.3f}' for x in out['in_sample'])} ({out['labels_moved']} labels moved)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="model directory (train.py's output)")
    parser.add_argument("--data-dir", required=True, help="folder holding muc4/ and acled_me2018/ (../shared/data)")
    parser.add_argument("--only", choices=("perpetrators", "catalogue"), help="one of the two measurements")
    parser.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs of the perpetrator tagger (default 3)")
    parser.add_argument("--lr", type=float, default=5e-5, help="encoder learning rate of the perpetrator tagger")
    parser.add_argument("--limit", type=int, help="first N records of each file (quick runs)")
    parser.add_argument("--json", metavar="PATH", help="write every number to PATH")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    need = {"perpetrators": ["muc4/train.jsonl", "muc4/dev.jsonl"], "catalogue": ["acled_me2018/dev.jsonl"]}
    missing = [p for k, ps in need.items() if args.only in (None, k) for p in ps if not (data_dir / p).is_file()]
    if missing:
        parser.error(f"--data-dir {data_dir} lacks {', '.join(missing)}: point it at the folder holding muc4/ and "
                     "acled_me2018/ (../shared/data)")
    predictor = Predictor.load(args.model, device="cpu", dtype="auto")
    torch.manual_seed(0)
    result: dict = {"model": args.model, "dtype": predictor.dtype}
    if args.only in (None, "catalogue"):
        result["catalogue"] = catalogue(predictor, data_dir, args.limit)
    if args.only in (None, "perpetrators"):
        result["perpetrators"] = perpetrators(predictor, data_dir, args.epochs, args.lr, args.limit)
        print("\n| epoch | cut | strict P | strict R | strict F1 | entity F1 |\n|---|---|---|---|---|---|")
        for r in result["perpetrators"]:
            print(f"| {r['epoch']} | {r['cut']} | {r['strict_p']:.3f} | {r['strict_r']:.3f} | {r['strict_f1']:.3f} | "
                  f"{r['entity_f1']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
