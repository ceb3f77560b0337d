#!/usr/bin/env python
"""Summary decoding variants, tried from outside on a loaded model: same summaries? how much faster?

    python bench/decoder_variants.py --model runs/acled/model --data ../shared/data/insightcrime/dev.jsonl --limit 64

Each variant patches this process only (nothing in newsdesk/ is changed) and runs the summary path
(`Predictor.score(..., summary=True)`) on the same articles; the time of `Predictor._summaries`
(constraint build + decoding loop + rendering) is compared with the current code, and so are the
summaries (identical share, ROUGE-L against the reference summaries, faithfulness).

  current         the code as it is
  cached-mask     `WordConstraint.mask` with its step-invariant parts (which word each subset token
                  starts, whether it is punctuation, whether the article allows it; they depend only
                  on the article, not on the decoding state) computed once per constraint instead of
                  at every step. Must give identical summaries.
  lead-vocab      the article-bound vocabulary (and casing) built from the text of the first window
                  only -- the window the decoder reads -- instead of the whole article: a smaller
                  trie for long articles. Changes summaries; the quality columns say by how much.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from newsdesk.env import offline_defaults  # noqa: E402

offline_defaults()

VARIANTS = ("current", "cached-mask", "lead-vocab")


class StaleVariant(RuntimeError):
    """A variant written against code that has changed since."""


# ----------------------------------------------------------------------------- variants
# sha256 of the source of newsdesk.summary.WordConstraint.mask that `cached_mask` reproduces; when the
# mask changes, the variant is stale: it is skipped (and its test too) until rewritten against the new mask.
MASK_SOURCE_SHA = "e2b3e115f5b6a5e4d30da0f7d5771991391df7c1c4d236093b576e1c0c6872af"


def mask_is_current() -> bool:
    import hashlib
    import inspect

    from newsdesk.summary import WordConstraint

    return hashlib.sha256(inspect.getsource(WordConstraint.mask).encode()).hexdigest() == MASK_SOURCE_SHA


def cached_mask(self):
    """`WordConstraint.mask` with the tensors that depend only on each row's article (not on the
    decoding state) computed once per constraint: the article's live nodes, the word each subset token
    starts, whether it is punctuation, whether the article allows it. Same result at every step."""
    import torch

    from newsdesk.summary import CONTENT, PUNCT

    rows, n_sub = self.node.shape[0], len(self.subset)
    inv = self.__dict__.get("_invariant")
    if inv is None:
        live = self.live_children[self.article]  # [rows, nodes]
        start_node = self.root_node.clamp(min=0)
        is_start = self.root_node >= 0
        start_word = torch.where(is_start, self.node_word[start_node], torch.full_like(start_node, -1))
        sw = start_word.unsqueeze(0).expand(rows, -1)
        swc = sw.clamp(min=0)
        starts0 = is_start.unsqueeze(0) & self.alive[self.article][:, start_node]  # [rows, subset]
        punct = is_start & (start_word >= 0) & (self.kinds[start_word.clamp(min=0)] == PUNCT)
        inv = self.__dict__["_invariant"] = {
            "live": live, "sw": sw, "swc": swc, "sw_ok": (sw >= 0) & self.word_ok[self.article.unsqueeze(1), swc],
            "starts0": starts0, "starts_live": starts0 & live[:, start_node], "punct": punct.unsqueeze(0),
        }
    pending = torch.where(self.node > 0, self.node_word[self.node], torch.full_like(self.node, -1))
    pending_content = (pending >= 0) & (self.kinds[pending.clamp(min=0)] == CONTENT)
    last = torch.where(pending >= 0, pending, self.last_word)
    # continuations of the current word (as the mask does)
    m = torch.zeros((rows, n_sub + 1), dtype=torch.bool, device=self.node.device)
    cc, cn = self.child_col[self.node], self.child_node[self.node]
    valid = (cc >= 0) & self.alive[self.article.unsqueeze(1), cn]
    word = self.node_word[cn]
    w = word.clamp(min=0)
    ends = (word >= 0) & self.word_ok[self.article.unsqueeze(1), w] & ~self.used.gather(1, w)
    valid &= ends | inv["live"].gather(1, cn)
    m.scatter_(1, torch.where(valid, cc, torch.full_like(cc, n_sub)), valid)
    m = m[:, :n_sub]
    # new words: only the state-dependent parts are computed per step
    can_end, kind = self._word_end()
    sw = inv["sw"]
    ok = (inv["sw_ok"] & ~self.used.gather(1, inv["swc"]) & ~(pending_content.unsqueeze(1) & (sw == pending.unsqueeze(1)))
          & (sw != last.unsqueeze(1)))
    starts = (inv["starts0"] & ok) | inv["starts_live"]
    m |= can_end.unsqueeze(1) & starts & ~inv["punct"]
    m |= (can_end & (kind == CONTENT)).unsqueeze(1) & starts & inv["punct"]
    m[:, self.end_col] = can_end & (kind == CONTENT)
    return m


@contextmanager
def variant(name: str, predictor):
    import newsdesk.summary as summary

    if name == "current":
        yield
    elif name == "cached-mask":
        if not mask_is_current():
            raise StaleVariant("WordConstraint.mask changed since cached_mask was written: rewrite it against the new mask")
        original = summary.WordConstraint.mask
        summary.WordConstraint.mask = cached_mask
        try:
            yield
        finally:
            summary.WordConstraint.mask = original
    elif name == "lead-vocab":
        from newsdesk.data import tokenize_windows

        vocab = predictor.vocab
        build = vocab.constraint
        c = predictor.config

        def lead_constraint(texts, beams=1, device="cpu"):
            docs = tokenize_windows(predictor.tokenizer, texts, c.max_length, c.stride)
            leads = [t[: max((e for _, e in d["offsets"][0]), default=len(t))] or t for t, d in zip(texts, docs)]
            return build(leads, beams=beams, device=device)

        vocab.constraint = lead_constraint
        try:
            yield
        finally:
            del vocab.constraint
    else:
        raise ValueError(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")


# ----------------------------------------------------------------------------- main
def run(predictor, texts: list[str], batch_size: int) -> tuple[list[str], float]:
    spent = [0.0]
    inner = predictor._summaries

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    predictor._summaries = timed
    try:
        scored = predictor.score(texts, batch_size=batch_size, summary=True, clean=False, evidence=False)
    finally:
        del predictor._summaries
    return [s.summary for s in scored], spent[0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="runs/default/model")
    p.add_argument("--data", nargs="+", default=["data/dev.jsonl"], help="records with reference summaries (default data/dev.jsonl)")
    p.add_argument("--limit", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--dtype", default="fp32")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--repeats", type=int, default=1, help="best of N timings per variant (default 1)")
    p.add_argument("--variants", default=",".join(VARIANTS))
    args = p.parse_args(argv)
    os.chdir(REPO)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from speed import load_articles, machine

    from newsdesk.faithfulness import check
    from newsdesk.metrics import rouge
    from newsdesk.predictor import Predictor

    records = [r for r in load_articles(args.data, None) if r.get("summary")][: args.limit]
    texts = [r["text"] for r in records]
    predictor = Predictor.load(args.model, device="cpu", dtype=args.dtype, generation={"summary_mode": "abstractive"})
    run(predictor, texts[:2], args.batch_size)  # warm-up
    print(f"machine: {machine()}\nmodel {args.model}, dtype {predictor.dtype}, {len(texts)} articles with reference summaries "
          f"from {' '.join(args.data)}, batch size {args.batch_size}, torch threads {torch.get_num_threads()}\n")
    rows = ["| variant | summary s (constraint + decoding + rendering) | x current | identical to current | ROUGE-L | unsupported share |",
            "|---|---:|---:|---:|---:|---:|"]
    ref = None
    for name in [v.strip() for v in args.variants.split(",") if v.strip()]:
        best, out = float("inf"), None
        try:
            for _ in range(max(1, args.repeats)):
                with variant(name, predictor):
                    out, s = run(predictor, texts, args.batch_size)
                best = min(best, s)
        except StaleVariant as exc:
            rows.append(f"| {name} | skipped: {exc} | | | | |")
            continue
        if ref is None:
            ref = (out, best)
        same = sum(a == b for a, b in zip(out, ref[0])) / len(out)
        rl = float(rouge(out, [r["summary"] for r in records])["rougeL"])
        unsupported = sum(check(s, t)["verdict"] == "unsupported" for s, t in zip(out, texts)) / len(out)
        rows.append(f"| {name} | {best:.2f} | {ref[1] / best:.2f}x | {100 * same:.0f}% | {rl:.3f} | {100 * unsupported:.0f}% |")
    print("\n".join(rows))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
