"""Summaries made of words, not word pieces: the word constraint for decoding, and rendering.

A summary may contain only
  (a) words of its article, in their surface form ("al-Waleed", "Mexico's", "US-led", "2,000"),
  (b) simple inflections of those words that are real words (`word_variants`, checked against a
      lexicon of words seen in the training texts and lemminflect's verb tables: "captured" ->
      "captures", "took" -> "takes", never "explosiving"),
  (c) a closed headline vocabulary learnt from the training headlines (function words and common
      headline words such as "kills", "seizes", "agree"; names, places, numbers and words under three
      letters other than function words excluded: "s" of "U.S." is not a word),
  (d) "," and ":" between words.
`WordConstraint` enforces this during decoding with a trie of the allowed words' word pieces, for a
whole batch at once (tensor tables, no per-row Python): a piece may only continue a word the
article allows, a word may only end where a whole allowed word ends, no content word is written
twice, the summary may not end on a function word or punctuation, punctuation only follows a
content word, "the"/"a"/"an" only precede a content word and a preposition only a content word or a
determiner. `render` turns the generated words into one line, each article word written as the
article writes it (a name seen only in an all-caps dateline as a name: "BEIRUT —" -> "Beirut"), in
sentence case, without an article before a name the article never writes after one ("the Syria").
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import torch

FUNCTION_WORDS = """
a an the this that these those some any each every all both no not nor
of in on at to for from by with without into onto over under after before during since until
about above across against along amid among around as behind below beneath beside between beyond
near off out through toward towards upon via within
and or but so yet if than then while when where whether because though although
is are was were be been being has have had do does did will would shall should can could may might must
it its he she they them their his her him we us our you your i me my who whom whose which what
new more most less least many much few several other another such own same
says said say tells told calls call
""".split()
PUNCTUATION_WORDS = (",", ":")
# conjunctions a headline uses once: "X and Y and Z push to Marib" is a list, not a headline
ONCE_WORDS = ("and", "as", "while", "but", "or")
ARTICLES = ("the", "a", "an")  # a content word must follow one
# a content word or a determiner must follow one ("in the", "in Syria"; not "in and", "of ,")
PREPOSITIONS = set("""of in on at to for from by with without into onto over under after before during since until
about above across against along amid among around behind below beneath beside between beyond near off out through
toward towards upon via within""".split())
DETERMINERS = set("the a an this that these those some any each every all both no its their his her our your my "
                  "many much few several other another such".split())
WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’\-][^\W_]+)*")
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ion", "ions")
HEADLINE_MIN_COUNT = 3  # training headlines a word must appear in to join the headline vocabulary
HEADLINE_MAX_WORDS = 2000
LEXICON_MIN_COUNT = 2  # training texts a word must appear in to count as a real word
VOCAB_FILE = "summary_vocab.json"


def headline_word_ok(word: str) -> bool:
    """A headline word is a function word or has three letters or more: the letters of "U.S." or
    "3 pct" headlines ("s", "u", "ap", "bn") are not words ("Rapid s Support Forces")."""
    return word in FUNCTION_WORDS or len(word) >= 3 or word in SHORT_HEADLINE_WORDS


SHORT_HEADLINE_WORDS = {"up", "go", "tv", "ex"}


def word_variants(word: str, irregular: bool = True) -> set[str]:
    """A word and its simple inflections (capture -> captures, captured, capturing; forces -> force);
    with `irregular`, also the forms of lemminflect's verb tables (took -> take, takes, taken; told ->
    tell). Candidates only: `SummaryWords.real` (or `known`, for the decoder) keeps those that are real words."""
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
    return out | verb_forms(w) if irregular else out


@lru_cache(maxsize=50000)
def verb_forms(word: str) -> frozenset[str]:
    """Every inflection of the verbs `word` is a form of, from lemminflect's tables (irregular ones too:
    "took" -> take, takes, taking, taken): real words by construction."""
    import lemminflect

    out: set[str] = set()
    for lemma in lemminflect.getAllLemmas(word).get("VERB", ()):
        for forms in lemminflect.getAllInflections(lemma, upos="VERB").values():
            out.update(forms)
    return frozenset(out)


def article_words(text: str) -> list[str]:
    """Words of a text as written (letters/digits with inner apostrophes and hyphens; numbers with , and .)."""
    return WORD_RE.findall(text)


# ----------------------------------------------------------------------------- word lists
@dataclass
class SummaryWords:
    """The headline vocabulary and the lexicon of real words, learnt from training data."""

    headline: list[str]
    lexicon: set[str]

    @classmethod
    def default(cls) -> "SummaryWords":
        return cls(list(FUNCTION_WORDS), set())

    @classmethod
    def learn(cls, summaries: Iterable[str], texts: Iterable[str]) -> "SummaryWords":
        """Headline words: lower-case words of >= HEADLINE_MIN_COUNT training headlines that are not
        names (capitalised mid-sentence in most of their occurrences in the training texts) nor numbers.
        Lexicon: lower-cased words of >= LEXICON_MIN_COUNT training texts and headlines."""
        texts = list(texts)
        doc_freq: Counter = Counter()
        lower, upper = Counter(), Counter()
        for t in texts:
            words = article_words(t)
            doc_freq.update({w.lower() for w in words})
            for k, w in enumerate(words):
                if k and w[:1].isupper() and not w.isupper():
                    upper[w.lower()] += 1
                elif w[:1].islower():
                    lower[w.lower()] += 1
        head = Counter()
        for s in summaries:
            ws = {w.lower() for w in article_words(s)}
            head.update(ws)
            doc_freq.update(ws)
        headline = set(FUNCTION_WORDS)
        for w, c in head.most_common():
            if len(headline) >= HEADLINE_MAX_WORDS or c < HEADLINE_MIN_COUNT:
                break
            if w.isalpha() and lower[w] > upper[w] and lower[w] >= 2 and headline_word_ok(w):
                headline.add(w)
        lexicon = {w for w, c in doc_freq.items() if c >= LEXICON_MIN_COUNT and w.replace("'", "").replace("-", "").isalpha()}
        return cls(sorted(headline), lexicon)

    def save(self, model_dir: str | Path) -> None:
        data = {"headline": sorted(self.headline), "lexicon": sorted(self.lexicon)}
        (Path(model_dir) / VOCAB_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, model_dir: str | Path) -> "SummaryWords":
        path = Path(model_dir) / VOCAB_FILE
        if not path.is_file():
            return cls.default()
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("headline"), list) or not isinstance(data.get("lexicon"), list):
            raise ValueError(f"{path} must hold {{'headline': [...], 'lexicon': [...]}}")
        return cls(list(data["headline"]), set(data["lexicon"]))

    def real(self, word: str) -> bool:
        """Seen in the training texts, a headline word, or a verb form in lemminflect's tables."""
        return self.known(word) or bool(verb_forms(word))

    def known(self, word: str) -> bool:
        """Seen in the training texts or a headline word: the decoder's word constraint writes only these."""
        return word in self.lexicon or word in self._headline_set

    def __post_init__(self):
        self.headline = [w for w in self.headline if headline_word_ok(w)]
        self._headline_set = set(self.headline)


# ----------------------------------------------------------------------------- constraint
CONTENT, FUNCTION, PUNCT = 0, 1, 2


class SummaryVocabulary:
    """Word pieces of words for one tokenizer (cached), and batch constraints built from them."""

    def __init__(self, tokenizer, words: SummaryWords | None = None):
        self.tokenizer = tokenizer
        self.words = words or SummaryWords.default()
        self.size = len(tokenizer)
        self.end_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
        self.uncased = lowercases(tokenizer)
        # wordpiece vocabularies mark continuations ("##s"); BPE/sentencepiece ones mark word starts
        self.space_prefix = not any(t.startswith("##") for t in tokenizer.get_vocab())
        self._pieces: dict[str, tuple[int, ...]] = {}
        self._function = set(FUNCTION_WORDS)

    def key(self, word: str) -> str:
        return word.lower() if self.uncased else word

    def pieces(self, words: list[str]) -> list[tuple[int, ...]]:
        missing = [w for w in dict.fromkeys(words) if w not in self._pieces]
        if missing:
            if len(self._pieces) > 500_000:
                self._pieces.clear()
            text = [(" " + w) if self.space_prefix else w for w in missing]
            for w, ids in zip(missing, self.tokenizer(text, add_special_tokens=False)["input_ids"]):
                self._pieces[w] = tuple(t for t in ids if t < self.size)
        return [self._pieces[w] for w in words]

    def allowed_words(self, text: str) -> tuple[set[str], dict[str, str]]:
        """The article's allowed word keys, and the surface form of each article word (by lower-case key)."""
        surfaces = surface_forms(text)
        allowed = set()
        for low, surf in surfaces.items():
            if len(low) == 1 and low.isalpha() and low not in ("a", "i"):
                continue  # "U.S." -> "U", "S": letters, not words
            allowed.add(self.key(surf))
            for v in word_variants(low, irregular=False):
                if v != low and self.words.known(v):
                    allowed.add(v if self.uncased else _cased_like(v, surfaces))
            if re.search(r"['’]s$", low):  # "Mexico's" -> "Mexico" may be written too
                allowed.add(self.key(surf[:-2]))
        allowed |= {self.key(w) for w in self.words.headline}
        return allowed, surfaces

    def constraint(self, texts: list[str], beams: int = 1, device="cpu") -> tuple[torch.Tensor, "WordConstraint"]:
        """(token subset, constraint) for a batch of articles (rows = articles x beams)."""
        per_article, surfaces = [], []
        for t in texts:
            allowed, surf = self.allowed_words(t)
            per_article.append(allowed)
            surfaces.append(surf)
        vocab = sorted(set().union(*per_article) | set(PUNCTUATION_WORDS))
        pieces = self.pieces(vocab)
        kinds = [PUNCT if w in PUNCTUATION_WORDS else FUNCTION if w.lower() in self._function else CONTENT for w in vocab]
        keep = [i for i, p in enumerate(pieces) if p]
        vocab, pieces, kinds = [vocab[i] for i in keep], [pieces[i] for i in keep], [kinds[i] for i in keep]
        c = WordConstraint.build(vocab, pieces, kinds, per_article, surfaces, self.end_id, beams, device)
        c.uncased, c.headline_set = self.uncased, self.words._headline_set
        c.initial_only = set().union(*(initial_only_words(t) for t in texts)) if texts else set()
        c.after_article = [words_after_articles(t) for t in texts]
        return c.subset, c


class WordConstraint:
    """Trie of allowed words over a token subset, with per-row decoding state (tensors).

    Tables: `child_col/child_node` [nodes, K] (continuations, -1 = none), `root_node` [subset]
    (the node a word-start token leads to, -1 = none), `node_word` [nodes] (the word ending at a
    node, -1 = none), `word_ok` [articles, words], `incidence` [nodes, words] (sparse: the node lies
    on the word's path), `lemmas` [words] (one id for a word's simple forms), `once` [words] (the
    conjunctions of ONCE_WORDS, written at most once, like a content word). State per row: `node`
    (0 = between words), `used` [rows, lemmas] content words written, `last_word`. A token that
    continues the current word wins over a new word.
    """

    def __init__(self, **tables):
        self.__dict__.update(tables)

    @classmethod
    def build(cls, vocab, pieces, kinds, per_article, surfaces, end_id, beams, device) -> "WordConstraint":
        tokens = sorted({t for p in pieces for t in p} | {end_id})
        subset = torch.tensor(tokens, dtype=torch.long)
        col = {t: i for i, t in enumerate(tokens)}
        children: list[dict[int, int]] = [{}]
        node_word = [-1]
        word_nodes: list[list[int]] = []
        for w, p in enumerate(pieces):
            node, path = 0, []
            for t in p:
                c = col[t]
                nxt = children[node].get(c)
                if nxt is None:
                    nxt = len(children)
                    children[node][c] = nxt
                    children.append({})
                    node_word.append(-1)
                node = nxt
                path.append(node)
            if node_word[node] < 0:
                node_word[node] = w
            word_nodes.append(path)
        n_nodes, n_sub, n_art = len(children), len(tokens), len(per_article)
        k = max([len(c) for c in children[1:]] + [1])
        child_col = torch.full((n_nodes, k), -1, dtype=torch.long)
        child_node = torch.zeros((n_nodes, k), dtype=torch.long)
        for n in range(1, n_nodes):
            for j, (c, m) in enumerate(children[n].items()):
                child_col[n, j], child_node[n, j] = c, m
        root_node = torch.full((n_sub,), -1, dtype=torch.long)
        for c, m in children[0].items():
            root_node[c] = m
        index = {w: i for i, w in enumerate(vocab)}
        word_ok = torch.zeros((n_art, len(vocab)), dtype=torch.bool)
        for a, words in enumerate(per_article):
            ids = [index[w] for w in words if w in index] + [index[p] for p in PUNCTUATION_WORDS if p in index]
            word_ok[a, ids] = True
        rows = n_art * beams
        lemma_index: dict[str, int] = {}
        lemmas = torch.tensor([lemma_index.setdefault(lemma(w), len(lemma_index)) for w in vocab], dtype=torch.long)
        # node n lies on the path of word w: [nodes, words], sparse (each word's path is 1-4 nodes)
        pairs = [(n, w) for w, path in enumerate(word_nodes) for n in path]
        incidence = torch.sparse_coo_tensor(torch.tensor(pairs, dtype=torch.long).t() if pairs else torch.zeros((2, 0), dtype=torch.long),
                                            torch.ones(len(pairs)), (n_nodes, len(vocab)),
                                            check_invariants=False).coalesce()  # built here, valid by construction
        t = dict(
            vocab=vocab, kinds=torch.tensor(kinds, dtype=torch.long), surfaces=surfaces, beams=beams,
            is_article=torch.tensor([w.lower() in ARTICLES for w in vocab], dtype=torch.bool).to(device),
            is_preposition=torch.tensor([w.lower() in PREPOSITIONS for w in vocab], dtype=torch.bool).to(device),
            is_determiner=torch.tensor([w.lower() in DETERMINERS for w in vocab], dtype=torch.bool).to(device),
            once=torch.tensor([w.lower() in ONCE_WORDS for w in vocab], dtype=torch.bool).to(device),
            lemmas=lemmas.to(device), incidence=incidence.to(device),
            subset=subset, end_col=col[end_id], child_col=child_col.to(device), child_node=child_node.to(device),
            root_node=root_node.to(device),
            node_word=torch.tensor(node_word, dtype=torch.long).to(device), word_ok=word_ok.to(device),
            article=torch.arange(n_art, device=device).repeat_interleave(beams),
            node=torch.zeros(rows, dtype=torch.long, device=device),
            used=torch.zeros((rows, max(1, len(lemma_index))), dtype=torch.bool, device=device),
            n_words=torch.zeros(rows, dtype=torch.long, device=device),
            last_word=torch.full((rows,), -1, dtype=torch.long, device=device),
        )
        t["kinds"] = t["kinds"].to(device)
        return cls(**t)

    # -- what may come next
    def _word_end(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per row: whether the current word may end here, and its kind (CONTENT/FUNCTION/PUNCT; -1 at the start)."""
        w = self.node_word[self.node]
        has = w >= 0
        wc = w.clamp(min=0)
        used = self.used.gather(1, self.lemmas[wc].unsqueeze(1)).squeeze(1) & ((self.kinds[wc] == CONTENT) | self.once[wc])
        ok = has & self.word_ok[self.article, wc] & ~(used & has)
        kind = torch.where(has, self.kinds[wc], torch.full_like(w, -1))
        at_start = self.node == 0
        return ok | at_start, torch.where(at_start, torch.full_like(kind, -1), kind)

    def mask(self) -> torch.Tensor:
        """[rows, subset] bool: the tokens each row may take next (the end token included). A token is
        offered only if the node it leads to is viable for the row: some word below it may still be
        written by the row (allowed for its article, not a content word it wrote already, in any
        inflected form), so no row is ever led into a dead end."""
        rows, n_sub = self.node.shape[0], len(self.subset)
        dev = self.node.device
        content = self.kinds == CONTENT
        # the word ending at the current node is written once a new word starts: count it as written
        pending = torch.where(self.node > 0, self.node_word[self.node], torch.full_like(self.node, -1))
        last = torch.where(pending >= 0, pending, self.last_word)
        word_used = self.used[:, self.lemmas] & (content | self.once).unsqueeze(0)  # [rows, words]
        avail = self.word_ok[self.article] & ~word_used
        pend_lemma = torch.where(pending >= 0, self.lemmas[pending.clamp(min=0)], torch.full_like(pending, -1))
        same_as_pending = (self.lemmas.unsqueeze(0) == pend_lemma.unsqueeze(1)) & (content | self.once).unsqueeze(0)
        ids = torch.arange(len(self.vocab), device=dev).unsqueeze(0)
        avail_start = avail & ~same_as_pending & (ids != last.unsqueeze(1))
        # after "the": a content word ("the of the border": no); after "in": a content word or a determiner
        prev = last.clamp(min=0)
        after_article = (last >= 0) & self.is_article[prev]
        after_preposition = (last >= 0) & self.is_preposition[prev]
        avail_start &= ~(after_article.unsqueeze(1) & ~content.unsqueeze(0))
        avail_start &= ~(after_preposition.unsqueeze(1) & ~(content | self.is_determiner).unsqueeze(0))
        viable = torch.sparse.mm(self.incidence, avail.t().float()).t() > 0  # [rows, nodes]
        viable_start = torch.sparse.mm(self.incidence, avail_start.t().float()).t() > 0

        # continuations of the current word
        m = torch.zeros((rows, n_sub + 1), dtype=torch.bool, device=dev)
        cc, cn = self.child_col[self.node], self.child_node[self.node]
        valid = (cc >= 0) & viable.gather(1, cn)
        m.scatter_(1, torch.where(valid, cc, torch.full_like(cc, n_sub)), valid)
        m = m[:, :n_sub]
        # a new word (or punctuation) may start where the current word may end
        can_end, kind = self._word_end()
        start_node = self.root_node.clamp(min=0)
        is_start = self.root_node >= 0
        start_word = torch.where(is_start, self.node_word[start_node], torch.full_like(start_node, -1))
        starts = is_start.unsqueeze(0) & viable_start[:, start_node]  # [rows, subset]
        punct_start = is_start & (start_word >= 0) & (self.kinds[start_word.clamp(min=0)] == PUNCT)
        m |= can_end.unsqueeze(1) & starts & ~punct_start.unsqueeze(0)
        m |= (can_end & (kind == CONTENT)).unsqueeze(1) & starts & punct_start.unsqueeze(0)
        m[:, self.end_col] = can_end & (kind == CONTENT)
        return m

    # -- take tokens
    def advance(self, parents: torch.Tensor, cols: torch.Tensor) -> None:
        parents = parents.to(self.node.device)
        self.node, self.used, self.n_words = self.node[parents], self.used[parents], self.n_words[parents]
        self.last_word = self.last_word[parents]
        cols = cols.to(self.node.device)
        cc, cn = self.child_col[self.node], self.child_node[self.node]
        hit = cc == cols.unsqueeze(1)
        is_child = hit.any(1)
        child = (cn * hit).sum(1)
        w = self.node_word[self.node]
        commit = ~is_child & (w >= 0)
        wc = w.clamp(min=0)
        content = commit & ((self.kinds[wc] == CONTENT) | self.once[wc])
        self.used[content.nonzero().flatten(), self.lemmas[wc[content]]] = True
        self.n_words = self.n_words + commit.long()
        self.last_word = torch.where(commit, w, self.last_word)
        ended = cols == self.end_col
        start = self.root_node[cols.clamp(max=len(self.root_node) - 1)]
        self.node = torch.where(is_child, child, torch.where(ended, torch.zeros_like(start), start.clamp(min=0)))

    # -- reading back
    def words_of(self, token_ids: list[int], article: int) -> list[int]:
        """The word ids a generated token sequence spells (same transitions as decoding); an
        unfinished last word is dropped."""
        col = {int(t): i for i, t in enumerate(self.subset.tolist())}
        node, out = 0, []
        child_col, child_node, root_node, node_word = (x.cpu() for x in (self.child_col, self.child_node, self.root_node, self.node_word))
        for t in token_ids:
            c = col.get(int(t))
            if c is None or c == self.end_col:
                break
            row = child_col[node]
            hit = (row == c).nonzero()
            if node and len(hit):
                node = int(child_node[node, int(hit[0, 0])])
                continue
            if node and node_word[node] >= 0:
                out.append(int(node_word[node]))
            node = int(root_node[c])
            if node < 0:
                return out
        if node and node_word[node] >= 0:
            out.append(int(node_word[node]))
        return out

    def render(self, token_ids: list[int], article: int) -> str:
        """Generated tokens of one article -> one line: article words as the article writes them,
        sentence case, no trailing function word or punctuation."""
        kinds = self.kinds.cpu().tolist()
        seen: set[str] = set()
        words = []
        for w in self.words_of(token_ids, article):  # a content word once, in any form (safety net)
            if kinds[w] == CONTENT:
                key = lemma(self.vocab[w])
                if key in seen:
                    continue
                seen.add(key)
            words.append(w)
        while words and kinds[words[-1]] != CONTENT:
            words.pop()
        surf = self.surfaces[article]
        after = self.after_article[article] if getattr(self, "after_article", None) else None
        parts: list[str] = []
        for i, w in enumerate(words):
            key = self.vocab[w]
            if after is not None and key.lower() in ARTICLES and i + 1 < len(words) and kinds[words[i + 1]] == CONTENT:
                nxt = self.vocab[words[i + 1]].lower()
                if (surf.get(nxt) or "")[:1].isupper() and nxt not in after:
                    continue  # "take the Syria": the article never writes "the Syria"
            if kinds[w] == PUNCT:
                if parts:
                    parts[-1] += key
                continue
            if key.lower() in ("a", "an") and i + 1 < len(words):
                nxt = self.vocab[words[i + 1]]
                parts.append(indefinite_article(surf.get(nxt.lower()) or nxt))  # "a immediate ceasefire": "an"
                continue
            if not self.uncased:
                parts.append(key)
            elif kinds[w] == FUNCTION or (key in self.initial_only and key in self.headline_set):
                parts.append(key)  # "a", "says": capitalised in the article only where a sentence starts
            else:
                parts.append(surf.get(key) or _cased_like(key, surf))
        return one_line(" ".join(parts))


def lemma(word: str) -> str:
    """One key for a word's simple forms: "Guatemala's", "Guatemalas", "Guatemala" -> "guatemala";
    "captures", "captured", "capturing", "capture" -> "captur" (a content word is written once, in any form)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suf in ("ing", "ed", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            w = w[: -len(suf)]
            break
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def _cased_like(word: str, surfaces: dict[str, str]) -> str:
    """A variant or headline word: capitalised like its article base word when that is a name."""
    for base in (word[:-1], word[:-2], word[:-3], word + "s", word + "e"):
        s = surfaces.get(base)
        if s and s[:1].isupper() and not s.isupper():
            return word[:1].upper() + word[1:]
    return word


def surface_forms(text: str) -> dict[str, str]:
    """Word key (lower case) -> how the article writes it: the most frequent form, where forms at the
    start of a sentence or in an all-caps line count little ("Two" after a full stop, "MOGADISHU —").
    A name the article writes only in capitals at the start of a line ("BEIRUT —", "TRIPOLI, Libya —")
    or among other capitalised words ("ARMED FORCES OF THE PHILIPPINES") is written "Beirut"; an
    acronym mid-sentence ("NATO") stays as written."""
    forms: dict[str, Counter] = defaultdict(Counter)
    heading, acronym = set(), set()
    matches = list(WORD_RE.finditer(text))
    for i, m in enumerate(matches):
        w = m.group(0)
        before = text[max(0, m.start() - 3) : m.start()].strip()
        initial = m.start() == 0 or before[-1:] in (".", "!", "?", "\n", '"', "“", "—", ":") or "\n" in text[max(0, m.start() - 2) : m.start()]
        shouting = len(w) > 3 and w.isupper()
        forms[w.lower()][w] += 0.1 if (initial or shouting) else 1.0
        if shouting:
            nl = text.rfind("\n", 0, m.start())  # only this line's start is read, not the whole prefix
            line_start = m.start() == 0 or (nl >= 0 and not text[nl + 1 : m.start()].strip(" \t"))
            gaps = [(matches[i - 1], text[matches[i - 1].end() : m.start()])] if i else []
            gaps += [(matches[i + 1], text[m.end() : matches[i + 1].start()])] if i + 1 < len(matches) else []
            run = any(len(n.group(0)) > 1 and n.group(0).isupper() and len(gap) <= 2 for n, gap in gaps)
            (heading if line_start or run else acronym).add(w.lower())
    out = {}
    for k, c in forms.items():
        best = c.most_common(1)[0][0]
        if best.isupper() and best.isalpha() and k in heading and k not in acronym:
            best = best.capitalize()
        out[k] = best
    return out


def indefinite_article(next_word: str) -> str:
    """"a" or "an" by the next word's first sound, as spelled: "an immediate", "a truce", "a UN",
    "an 18-day", "a one-week", "a European"."""
    w = next_word.lower()
    if w[:1].isdigit():
        return "an" if re.match(r"(?:8|11|18|80)(?:\D|$)|8\d\d", w) else "a"
    vowel = w[:1] in "aeiou" and not re.match(r"(?:one|once|eu|uni|use|usu|ura|uk)", w)
    if next_word[:2].isupper() and not re.search(r"[AEIOU]", next_word[1:]):  # read letter by letter: "an RSF"
        vowel = next_word[0] in "AEFHILMNORSX"
    return "an" if vowel or re.match(r"(?:hour|honest|honou?r)", w) else "a"


_AFTER_ARTICLE_RE = re.compile(r"\b(?:the|a|an)\s+(" + WORD_RE.pattern + ")", re.IGNORECASE)


def words_after_articles(text: str) -> set[str]:
    """Lower-case keys of the words the article writes right after "the", "a" or "an" ("the Syrian
    border" -> "syrian"): a name the article never writes so ("Syria") takes no article in a summary."""
    return {m.group(1).lower() for m in _AFTER_ARTICLE_RE.finditer(text)}


def initial_only_words(text: str) -> set[str]:
    """Lower-case keys of words the article capitalises only where a sentence starts."""
    seen_mid, seen_initial = set(), set()
    for m in WORD_RE.finditer(text):
        w = m.group(0)
        before = text[max(0, m.start() - 3) : m.start()].strip()
        initial = m.start() == 0 or before[-1:] in (".", "!", "?", "\n", '"', "“", "—", ":") or "\n" in text[max(0, m.start() - 2) : m.start()]
        (seen_initial if initial else seen_mid).add(w.lower() if initial or w[:1].islower() else None)
    return {w for w in seen_initial if w} - {w for w in seen_mid if w}


def lowercases(tokenizer) -> bool:
    """Whether the tokenizer folds case (then summaries need their case restored)."""
    return tokenizer("Z", add_special_tokens=False)["input_ids"] == tokenizer("z", add_special_tokens=False)["input_ids"]


def one_line(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return text[:1].upper() + text[1:] if text else text


# ----------------------------------------------------------------------------- lead-clause summaries
# Where a clause of a news lead sentence ends: punctuation, a subordinating word, a participle that
# opens a side clause. The clause before the first of these that leaves `min_words` words is the
# headline the reporter wrote first ("Houthi fighters pushed toward the government-held city of
# Marib from the west" | ", moving to within 12 km ...").
_CLAUSE_END = re.compile(
    r",\s|;\s|:\s|\s[—–]\s|\s--\s|\s\((?![A-Z0-9][\w-]{0,7}\))"
    r"|(?<!known)(?<!such)(?<!same)(?<!\bwell)\s(?:after|as(?!\swell\b)|while|amid|following|according|saying|which|who|whose|where|when|but|because|despite|although"
    r"|though|with|accused|killing|leaving|wounding|forcing|prompting|injuring|sparking|ending|citing|raising"
    r"|bringing|marking|adding|in what|in an?|officials|police said|sources)\s")
_DIRECTIONS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "north-east",
               "north-west", "south-east", "south-west", "outside", "ahead", "east-northeast"}
_DATELINE_SEP = re.compile(r"\s(?:[—–]|--?)\s")
_COLON_SEP = re.compile(r"(?<!\d):\s")  # 'NAJAF, Iraq: ...', not a time '10: 45'
# a live blog's or a column's label before a colon: 'Gaza live:', 'Live updates:', 'Analysis:'
_KICKER = re.compile(r"^(?:[\w'’-]+\s){0,3}?(?:live|live updates|updates|update|breaking|breaking news|analysis|explainer"
                     r"|exclusive|factbox|opinion|watch|timeline|latest|in pictures|q&a|fact check)\s?:\s", re.I)
_KICKER_TAIL = re.compile(r"\s[—–-]{1,2}\s(?:live|live updates|updates|latest|as it happened)$", re.I)
# an HTML tag left in the text (AG News: <A HREF=...>...</A>); not Reuters' <Bank of Tokyo Ltd>, a name in brackets
_MARKUP = re.compile(r"</?(?:a|b|i|u|p|br|em|strong|span|div|font|img|sup|sub)(?=[\s/>])[^<>]{0,300}>", re.I)
_TIMESTAMP = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*(?:GMT|UTC|local time|am|pm))?$", re.I)
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WHEN = re.compile(rf"\s(?:(?:late|early)\s)?on\s{_DAYS}(?:\s(?:morning|afternoon|evening|night))?(?=[\s,.;]|$)"
                   rf"|\s(?:late|early)\s{_DAYS}|\s{_DAYS}(?=\s(?:a|an|the|to|that)\s)|(?<!\ban)(?<!\ba)(?<!\bthe)\s(?:overnight|yesterday|today)(?=[\s,.;]|$)")  # not "an overnight vigil"


def strip_dateline(sentence: str) -> str:
    """'MARIB, Yemen — Houthi fighters ...' -> 'Houthi fighters ...'; also 'KABUL (Reuters) - ...',
    'NAJAF, Iraq: ...' and a live-blog time stamp ('13:45 — ...'). A prefix is a dateline when it has at
    most 8 words and its first word is in capitals (or it is a time stamp). A kicker before a colon
    ('Gaza live: ...', 'Analysis: ...') goes too."""
    k = _KICKER.match(sentence)
    if k:
        sentence = _KICKER_TAIL.sub("", sentence[k.end():]).strip()
    m = _DATELINE_SEP.search(sentence) or _COLON_SEP.search(sentence)
    if not m:
        return sentence
    head = sentence[: m.start()].strip()
    words = head.split()
    first = words[0].strip(",") if words else ""
    if 0 < len(words) <= 8 and ((first.isupper() and len(first) > 1 and any(c.isalpha() for c in first))
                                or _TIMESTAMP.match(head)):
        return sentence[m.end():].strip()
    return sentence


def _all_caps(s: str) -> bool:
    """A heading in capitals ("COMMUNIQUÉ OF THE 1,258TH MEETING"), not a lead sentence."""
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def lead_clause(text: str, min_words: int = 8, max_words: int = 18, present: bool = True) -> str:
    """A headline-like line from an article's lead: its first sentence (of at least 5 words, not a
    heading in capitals) without dateline and weekday, cut at the first clause end that leaves `min_words` words; over
    `max_words`, cut back to before the last preposition or conjunction; with `present`, its main verb
    in the headline's present tense (`newsdesk.headline.headline_tense`: "Iraqi forces captured" ->
    "Iraqi forces capture"). Only the article's words (and inflections of them), in its order and
    surface form (HTML tags left in the text dropped); no trailing function word or punctuation;
    sentence case. "" when the article has no sentence."""
    from newsdesk.sentences import sentences

    text = _MARKUP.sub(" ", text)
    lead = ""
    for s in sentences(text) or [text]:
        s = strip_dateline(" ".join(s.split()))
        if len(s.split()) >= 5 and not _all_caps(s):
            lead = s
            break
        lead = lead or s
    lead = _WHEN.sub("", lead)
    for m in _CLAUSE_END.finditer(lead):
        if len(lead[: m.start()].split()) >= min_words:
            lead = lead[: m.start()]
            break
    words = lead.rstrip(" .,;:!?").split()
    if len(words) > max_words:
        words = words[:max_words]
        low = [w.lower() for w in words]
        cut = [i for i in range(min_words, len(words) - 1) if (low[i] in PREPOSITIONS or low[i] in
               ("and", "or", "but", "as", "while", "that", "to"))
               and not (low[i] == "at" and low[i + 1] in ("least", "most"))  # "at least 38": a number
               and not (low[i] == "and" and "between" in low[max(0, i - 6):i])  # "between X | and Y"
               and not (low[i] == "as" and low[i - 1] in ("known", "such", "same", "well"))]  # "known | as Macawisley"
        if cut:
            i = cut[-1]
            if i > min_words and low[i] == "of" and low[i - 1] in _DIRECTIONS:
                i -= 1  # "... district south | of Marib" -> "... district"
            words = words[:i]
    while words and (words[-1].lower().strip(",;:") in FUNCTION_WORDS or words[-1].endswith(("'s", "’s", ",", ";", ":"))):
        if words[-1].endswith(("'s", "’s")) and words[-1].lower().strip(",;:") not in FUNCTION_WORDS and len(words) <= min_words:
            break
        words.pop()
    line = " ".join(words)
    if present:
        from newsdesk.headline import headline_tense

        line = headline_tense(line)
    return one_line(line).rstrip(" .,;:")
