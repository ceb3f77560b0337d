"""Readable, article-bound one-line summaries.

Two pieces around the decoder:
- `ArticleVocabulary`: a logits processor that lets the decoder write only word pieces found in
  the article (and simple inflections of its words), function words and punctuation, so a summary
  names the places, people and numbers the article names, not ones from the training domain.
- `render`: turns generated ids into text cased and spaced like the article. The embedded model's
  vocabulary is uncased ("el salvador gangs ..."), so each word piece takes its surface form from
  the article ("El Salvador"), and spacing between two pieces follows how they are joined there
  ("Mexico's", "ex-police", not "mexico ' s", "ex - police").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import torch
from transformers import LogitsProcessor

FUNCTION_WORDS = """
a an the this that these those some any each every all both no not nor
of in on at to for from by with without into onto over under after before during since until
about above across against along amid among around as behind below beneath beside between beyond
near off out through toward towards upon via within
and or but so yet if than then while when where whether because though although
is are was were be been being has have had do does did will would shall should can could may might must
it its it's he she they them their his her him we us our you your i me my who whom whose which what
new more most less least many much few several other another such own same
says said say tells told calls call
after amid over
""".split()
PUNCTUATION = list(".,;:!?'\"()-%$") + ["'s", "’", "—", "–"]
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ion", "ions")
_NO_SPACE_BEFORE = set(".,;:!?%)]}’”") | {"'", "'s", "n't"}
_NO_SPACE_AFTER = set("([{$#“‘")
_CLITICS = {"s", "t", "re", "ve", "ll", "d", "m"}


def word_variants(word: str) -> set[str]:
    """A word and its simple inflections (capture -> captures, captured, capturing; forces -> force)."""
    w = word.lower()
    out = {w}
    if not w.isalpha() or len(w) < 3:
        return out
    for suf in _SUFFIXES:
        if suf == "d" and not w.endswith("ed") or suf == "s" and w.endswith("ss"):
            continue
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            stem = w[: -len(suf)]
            out |= {stem + "e"} | ({stem} if len(stem) >= 4 else set())
    stems = set(out)
    for stem in stems:
        out |= {stem + s for s in _SUFFIXES}
        if stem.endswith("e"):
            out |= {stem[:-1] + "ing", stem + "d"}
    return out


class ArticleVocabulary(LogitsProcessor):
    """Keep each article's summary inside its own words.

    Per article row (beams of article i share its constraints):
    - only allowed tokens (article words, their inflections, function words, punctuation, end);
    - a word-piece continuation ("##eed") only right after a piece it continues in one of those
      words, and a piece that never ends a word there must be continued (no "AzM", "MOGAi");
    - no content word twice ("a ceasefire in a ceasefire").
    """

    def __init__(self, constraints: list["ArticleConstraint"], vocab: "SummaryVocabulary", num_beams: int = 1):
        self.constraints = constraints
        self.vocab = vocab
        self.num_beams = num_beams

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        v = self.vocab
        n_vocab = min(scores.shape[1], v.size)
        mask = torch.zeros_like(scores, dtype=torch.bool)
        for r in range(scores.shape[0]):
            c = self.constraints[r // self.num_beams]
            row = c.allowed[:n_vocab] & ~v.continuation[:n_vocab]
            last = int(input_ids[r, -1])
            follow = [t for t in c.follow.get(last, ()) if t < n_vocab]
            if last in c.prefix_only:
                row = torch.zeros_like(row)
            if follow:
                row[follow] = True
            prev = input_ids[r, 1:]
            prev = prev[(prev < n_vocab)]
            if prev.numel():
                row[prev[~v.repeatable[prev]]] = False
            if not row.any():
                row[v.end_ids] = True
            mask[r, :n_vocab] = row
        return scores.masked_fill(~mask, torch.finfo(scores.dtype).min)


class NoImmediateRepeat(LogitsProcessor):
    """Forbid generating the token just generated ("the the")."""

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[1] > 1:
            scores = scores.scatter(1, input_ids[:, -1:], torch.finfo(scores.dtype).min)
        return scores


@dataclass
class ArticleConstraint:
    allowed: torch.Tensor  # [vocab] bool
    follow: dict[int, set[int]]  # piece -> continuation pieces seen after it
    prefix_only: set[int]  # pieces that never end a word


class SummaryVocabulary:
    """Builds per-article constraints for a tokenizer (shared masks computed once)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.size = len(tokenizer)
        self.end_ids = [t for t in (tokenizer.sep_token_id, tokenizer.eos_token_id) if t is not None]
        vocab = tokenizer.get_vocab()
        self.continuation = torch.zeros(self.size, dtype=torch.bool)
        self.continuation[[i for tok, i in vocab.items() if tok.startswith("##") and i < self.size]] = True
        self._word_pieces: dict[str, tuple[list[int], ...]] = {}  # word -> its pieces (see _cached_pieces)
        base = {t for seq in self._cached_pieces(FUNCTION_WORDS + PUNCTUATION) for t in seq} | set(self.end_ids)
        self.base = torch.zeros(self.size, dtype=torch.bool)
        self.base[list(base)] = True
        self.repeatable = self.base | self.continuation
        # plain Python sets (and the word-piece cache above): `constraints` runs for every article
        self._continuation_ids = set(self.continuation.nonzero().flatten().tolist())
        self._base_ids = set(self.base.nonzero().flatten().tolist())

    def _cached_pieces(self, words) -> list[list[int]]:
        """Word pieces of each word, as written and with a leading space (sentencepiece/BPE vocabularies
        mark word starts; once when both agree), tokenized once per process."""
        missing = [w for w in words if w not in self._word_pieces]
        if missing:
            if len(self._word_pieces) > 500_000:
                self._word_pieces.clear()
            for w, a, b in zip(missing, *(self.tokenizer(ws, add_special_tokens=False)["input_ids"]
                                         for ws in (missing, [" " + w for w in missing]))):
                a, b = [t for t in a if t < self.size], [t for t in b if t < self.size]
                self._word_pieces[w] = (a,) if a == b else (a, b)
        return [seq for w in words for seq in self._word_pieces[w]]

    def constraints(self, texts: list[str]) -> list[ArticleConstraint]:
        out = []
        for text in texts:
            words = set(re.findall(r"\w+(?:['’]\w+)?", text))
            variants = {v for w in words for v in word_variants(w)} | words
            ids: set[int] = set()
            follow: dict[int, set[int]] = defaultdict(set)
            ends, inner = set(), set()
            for seq in self._cached_pieces(variants):
                if not seq:
                    continue
                ids.update(seq)
                ends.add(seq[-1])
                inner.update(seq[:-1])
                for a, b in zip(seq, seq[1:]):
                    if b in self._continuation_ids:
                        follow[a].add(b)
            allowed = self.base.clone()
            if ids:
                allowed[list(ids)] = True
            out.append(ArticleConstraint(allowed, dict(follow), inner - ends - self._base_ids))
        return out

    def mask(self, texts: list[str]) -> torch.Tensor:
        """Allowed tokens per article ([articles, vocab] bool)."""
        return torch.stack([c.allowed for c in self.constraints(texts)]) if texts else torch.zeros(0, self.size, dtype=torch.bool)


def lowercases(tokenizer) -> bool:
    """Whether the tokenizer folds case (then summaries need their case restored)."""
    return tokenizer("Z", add_special_tokens=False)["input_ids"] == tokenizer("z", add_special_tokens=False)["input_ids"]


def encode_whole(tokenizer, text: str):
    """The whole text through the fast backend: no "longer than max length" warning, no truncation.

    The backend keeps the truncation/padding state of the last call made through the wrapper
    (windowing enables truncation at max_length), so switch it off for this call and restore it.
    """
    backend = tokenizer.backend_tokenizer
    truncation, padding = backend.truncation, backend.padding
    backend.no_truncation()
    backend.no_padding()
    try:
        return backend.encode(text, add_special_tokens=False)
    finally:
        if truncation:
            backend.enable_truncation(**truncation)
        if padding:
            backend.enable_padding(**padding)


def _surfaces(tokenizer, text: str):
    """Surface forms of each token id in `text`, and the join (gap, surface) seen for each id pair.

    Forms at the start of a sentence or in all-caps datelines count little: "Two" after a full
    stop or "MOGADISHU —" should not decide how the word is cased elsewhere.
    """
    enc = encode_whole(tokenizer, text)
    ids, offs = enc.ids, enc.offsets
    single: dict[int, Counter] = defaultdict(Counter)
    pair: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for k, (tid, (s, e)) in enumerate(zip(ids, offs)):
        surf = text[s:e]
        before = text[max(0, s - 3) : s].strip()
        initial = k == 0 or before[-1:] in (".", "!", "?", "\n", '"', "“") or text[max(0, s - 2) : s].count("\n")
        shouting = len(surf) > 3 and surf.isupper()
        single[tid][surf] += 0.1 if (initial or shouting) else 1.0
        if k:
            prev_end = offs[k - 1][1]
            pair[(ids[k - 1], tid)][(s > prev_end, surf)] += 1
    return single, pair


def render(token_ids: list[int], tokenizer, article: str, restore_case: bool | None = None) -> str:
    """Generated ids -> one line of text, cased and spaced like the article."""
    special = set(tokenizer.all_special_ids)
    ids = [t for t in token_ids if t not in special]
    if restore_case is None:
        restore_case = lowercases(tokenizer)
    if not restore_case:
        text = tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True)
        return one_line(text)
    single, pair = _surfaces(tokenizer, article)
    out: list[str] = []
    prev = None
    for tid in ids:
        piece = tokenizer.convert_ids_to_tokens(tid)
        if prev is not None and (prev, tid) in pair:
            gap, surf = pair[(prev, tid)].most_common(1)[0][0]
        else:
            surf = single[tid].most_common(1)[0][0] if tid in single else piece.removeprefix("##")
            after_apostrophe = bool(out) and out[-1][-1:] in ("'", "’") and surf.lower() in _CLITICS
            gap = not piece.startswith("##") and surf not in _NO_SPACE_BEFORE and not after_apostrophe and not (
                out and (out[-1][-1:] in _NO_SPACE_AFTER or surf.startswith("-") or out[-1].endswith("-"))
            )
        out.append((" " if gap and out else "") + surf)
        prev = tid
    return one_line("".join(out))


def one_line(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return text[:1].upper() + text[1:] if text else text
