"""Region evidence from the places an article names: "LIBREVILLE — Gabon's oil output ..." is Middle Africa.

The region head reads an article as a whole; on news articles it confused neighbouring regions
(Gabon -> Southern Africa, Democratic Republic of Congo -> Western Africa) although the article names
the country in its dateline. A place table maps names to regions:

  - from the training records: ACLED codes every event's country, admin areas and location, and its
    region; a name whose records fall in one region at least PURITY of the time maps to it
    ("Ituri" -> Middle Africa, "Mexico" -> North America, as ACLED codes it), unless it is a one-word
    English word other than a country ("North", "Centre", "Rice", "Shell": a capital letter in a
    sentence does not make them places);
  - from a hand-written YAML (data/place_regions.yaml, `data.place_regions`): countries the training
    records do not cover, other names of countries ("DR Congo", "Côte d'Ivoire") and demonyms
    ("Togolese"), which weigh less (an "Iranian-backed" militia is no event in Iran).

An article's evidence for region r is the weighted count of its names that map to r (a country counts
COUNTRY_WEIGHT, a demonym DEMONYM_WEIGHT, any other place 1; a name in the first LEAD_CHARS characters,
where the dateline is, counts LEAD_FACTOR times). The served region is the argmax of
log p_head(r) + beta * log(1 + evidence_r), renormalised; beta is fitted on dev (0 turns it off).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

PURITY = 0.9
MIN_NAME_CHARS = 4
COUNTRY_WEIGHT = 3.0
DEMONYM_WEIGHT = 0.5
LEAD_CHARS = 300
LEAD_FACTOR = 2.0
BETAS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
MAX_WORDS = 5
_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*")
_WEIGHT = {"country": COUNTRY_WEIGHT, "demonym": DEMONYM_WEIGHT}


def build_table(records: Iterable[dict], extra: dict | None = None) -> dict[str, list[str]]:
    """name -> [region, kind] (kind: "country", "demonym" or "place").

    `records`: training records with a `region` and ACLED place fields (`country`, `places`, as
    `newsdesk.data` reads them). `extra`: {"countries" | "capitals" | "demonyms": {region: [names]}}
    (data/place_regions.yaml; a capital counts as its country); a name the records map already keeps the
    records' region."""
    counts: dict[str, Counter] = defaultdict(Counter)
    countries: set[str] = set()
    for r in records:
        region = r.get("region")
        if not region:
            continue
        for name in r.get("places") or []:
            counts[name][region] += 1
        if r.get("country"):
            countries.add(r["country"])
    table: dict[str, list[str]] = {}
    for name, c in counts.items():
        region, n = c.most_common(1)[0]
        if n >= PURITY * sum(c.values()) and len(name) >= MIN_NAME_CHARS and name[:1].isupper():
            if name not in countries and _english_word(name):
                continue  # "North" (Lebanon), "Centre" (Burkina Faso), "Rice", "Shell", "Mobile": words first
            table[name] = [region, "country" if name in countries else "place"]
    for kind, key in (("country", "countries"), ("country", "capitals"), ("demonym", "demonyms")):
        for region, names in ((extra or {}).get(key) or {}).items():
            for name in names or []:
                table.setdefault(str(name), [region, kind])
    return table


def _english_word(name: str) -> bool:
    """A one-word place name that is also an English word (lemminflect's tables)."""
    import lemminflect

    return " " not in name and "-" not in name and bool(lemminflect.getAllLemmas(name.lower()))


def load_extra(path: str | Path | None) -> dict:
    """The hand-written table (YAML: countries / capitals / demonyms: {region: [names]})."""
    if not path:
        return {}
    import yaml

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"data.place_regions: {p} not found (give a YAML file of countries and demonyms "
                                "per region, e.g. data/place_regions.yaml, or null to use the training records only)")
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    bad = [k for k in raw if k not in ("countries", "capitals", "demonyms")]
    if bad or not all(isinstance(v, dict) for v in raw.values()):
        raise ValueError(f"{p}: expected 'countries', 'capitals' and 'demonyms', each a mapping region -> [names]; got {sorted(raw)}")
    return raw


class PlaceIndex:
    """Finds the table's names in a text (longest match first; a dateline in capitals matches too)."""

    def __init__(self, table: dict[str, Sequence[str]], regions: Sequence[str]):
        self.regions = list(regions)
        index = {r: i for i, r in enumerate(self.regions)}
        self.names: dict[str, tuple[int, float]] = {}
        for name, (region, kind) in table.items():
            if region in index:
                self.names[name] = (index[region], _WEIGHT.get(kind, 1.0))
        self.upper = {n.upper(): n for n in self.names}

    def matches(self, text: str) -> list[tuple[str, int, str]]:
        """(name as in the table, character offset, region) for every place named in `text`."""
        toks = [(_bare(m.group()), m.start()) for m in _TOKEN.finditer(text)]
        out, i = [], 0
        while i < len(toks):
            if not toks[i][0][:1].isupper():
                i += 1
                continue
            for n in range(min(MAX_WORDS, len(toks) - i), 0, -1):
                span = " ".join(t for t, _ in toks[i:i + n])
                name = span if span in self.names else self.upper.get(span) if span.isupper() else None
                if name:
                    out.append((name, toks[i][1], self.regions[self.names[name][0]]))
                    i += n
                    break
            else:
                i += 1
        return out

    def evidence(self, text: str) -> np.ndarray:
        """Weighted count of the text's place names per region ([regions])."""
        e = np.zeros(len(self.regions))
        for name, start, _ in self.matches(text):
            j, w = self.names[name]
            e[j] += w * (LEAD_FACTOR if start < LEAD_CHARS else 1.0)
        return e


def _bare(token: str) -> str:
    """'Gabon's' -> 'Gabon', 'U.S.' -> 'U.S'."""
    token = token.rstrip(".’'")
    return token[:-2] if token.endswith(("'s", "’s", "'S", "’S")) else token


def fuse(p_region: np.ndarray, evidence: np.ndarray, beta: float) -> np.ndarray:
    """Region probabilities with the place evidence: softmax(log p + beta * log(1 + evidence))."""
    if beta <= 0 or not evidence.any():
        return p_region
    z = np.log(np.clip(p_region, 1e-12, None)) + beta * np.log1p(evidence)
    z = np.exp(z - z.max())
    return z / z.sum()


def fit_beta(probs: Sequence[np.ndarray], evidences: Sequence[np.ndarray], gold: Sequence[int],
             groups: Sequence[str] | None = None) -> tuple[float, dict[float, float]]:
    """The beta of BETAS with the highest region accuracy on dev, averaged over `groups` (the dev files,
    so the few news articles weigh as much as thousands of ACLED notes); ties -> the smaller beta.
    Returns (beta, {beta: score})."""
    groups = list(groups) if groups is not None else ["all"] * len(gold)
    scores = {}
    for beta in BETAS:
        hit = defaultdict(list)
        for p, e, g, grp in zip(probs, evidences, gold, groups):
            hit[grp].append(int(np.argmax(fuse(p, e, beta))) == g)
        scores[beta] = float(np.mean([np.mean(v) for v in hit.values()])) if hit else 0.0
    best = max(BETAS, key=lambda b: (round(scores[b], 6), -b))
    return best, scores
