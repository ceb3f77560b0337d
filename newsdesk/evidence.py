"""Evidence: the sentence of the article that best supports each predicted label.

Method (costs one pooling per sentence, no extra encoder pass): the encoder states of the tokens
of each sentence (in the window holding most of it) are mean-pooled (`NewsdeskModel.pool_segments`)
and scored by the same heads plus the lexical layer on the sentence's own word pieces
(`NewsdeskModel.classify`) — i.e. "what would the model say if the article were only this
sentence" — and by the few-shot probes (`NewsdeskModel.fewshot_scores`: an article has a few-shot
label when one of its sentences has it). For each predicted label the highest-scoring sentence is
the evidence; its score is the calibrated probability of the label from that sentence alone.
This module only aligns sentences with token positions; the tensors go through the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from newsdesk.data import pack_bags
from newsdesk.sentences import split_sentences


def sentence_slots(offsets: list[list[tuple[int, int]]], spans: list[tuple[int, int]]) -> list[tuple[int, np.ndarray]]:
    """For each sentence: (window index, token positions in that window) — the window with most of it."""
    starts = np.array([s for s, _ in spans])
    ends = np.array([e for _, e in spans])
    best: list[tuple[int, np.ndarray]] = [(-1, np.zeros(0, dtype=np.int64)) for _ in spans]
    for w, offs in enumerate(offsets):
        o = np.asarray(offs, dtype=np.int64).reshape(-1, 2)
        j = np.searchsorted(starts, o[:, 0], side="right") - 1
        ok = (o[:, 1] > o[:, 0]) & (j >= 0)  # not a special token, after the first sentence start
        ok[ok] &= o[ok, 0] < ends[j[ok]]
        positions = np.nonzero(ok)[0]
        for sent in np.unique(j[ok]):
            pos = positions[j[positions] == sent]
            if len(pos) > len(best[sent][1]):
                best[sent] = (w, pos)
    return best


@torch.no_grad()
def sentence_rows(model, hidden: torch.Tensor, docs: list[dict], special_ids: set[int], vectors: bool = False):
    """Per article of a batch: (sentence spans, {task: [sentences, labels] logits}, {few-shot label: [sentences]},
    and with `vectors` the sentences' pooled states, L2-normalised [sentences, hidden]; else None).

    `docs[d]` = {"text", "windows" (token ids), "offsets", "rows" (rows of `hidden` holding the
    article's windows)}. One pooling, one head call and one lexical call for the whole batch.
    """
    width = hidden.shape[1]
    flat_index, segment, bags, owners = [], [], [], []
    for d, doc in enumerate(docs):
        spans = split_sentences(doc["text"])
        for j, (w, pos) in enumerate(sentence_slots(doc["offsets"], spans)):
            if w < 0:
                continue
            flat_index.append(doc["rows"][w] * width + torch.from_numpy(pos))
            segment.append(torch.full((len(pos),), len(owners), dtype=torch.long))
            bags.append(sorted({doc["windows"][w][k] for k in pos.tolist()} - special_ids) or [0])
            owners.append((d, spans[j]))
    results: list[tuple[list, dict, dict, Any]] = [([], {}, {}, None) for _ in docs]
    if not owners:
        return results
    dev = hidden.device
    n = len(owners)
    pooled = model.pool_segments(hidden, torch.cat(flat_index).to(dev), torch.cat(segment).to(dev), n)
    lex_ids, lex_off = pack_bags(bags)
    logits, _ = model.classify(pooled.to(hidden.dtype), torch.arange(n, device=dev), n, lex_ids.to(dev), lex_off.to(dev))
    probes = model.fewshot_scores(pooled)
    arrays = {k: v.float().cpu().numpy() for k, v in logits.items()}
    probe_arrays = {k: v.float().cpu().numpy() for k, v in probes.items()}
    unit = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy() if vectors else None
    owner = np.array([o for o, _ in owners])
    for d in range(len(docs)):
        rows = np.nonzero(owner == d)[0]
        results[d] = ([owners[r][1] for r in rows], {k: v[rows] for k, v in arrays.items()},
                      {k: v[rows] for k, v in probe_arrays.items()}, unit[rows] if unit is not None else None)
    return results


def sentence_head_max(s, j: int) -> float:
    """The head's highest event-type logit `j` over an article's sentences (its article logit when the
    article has no sentence logits)."""
    sl = getattr(s, "sentence_logits", None)
    if sl is not None and len(sl.get("event_types", [])):
        return float(np.max(sl["event_types"][:, j]))
    return float(s.logits["event_types"][j])
