"""Size limits of one output row: whatever the input, a row stays bounded.

Labels are bounded by the label sets and evidence sentences by `predictor.EVIDENCE_CHARS` (cut
with `cut`). Actors and actor mentions grow with the text instead. On one 1 MB line of article
words with no sentence break (4,296 windows) the tiny model found 6,039 mention spans and 51
actors (a 0.5 MB row): each distinct span the mention head tags becomes a mention, distinct spans
make distinct actors. The closed-set actor head takes the max probability over an article's
windows, so with thousands of windows a label needs to clear its threshold (tuned on articles of
one to three windows) in only one of them: that is how the same kind of line got ~285 actor labels
before. The training articles have at most 8 actors and 21 mentions each, so the caps below only
bind on such inputs, and the row then says so in `warnings` (`actor_mentions_capped:N`,
`actors_capped:N`, N = the count before the cap):

    actor_mentions  the first MAX_MENTIONS, by position in the text
    actors          the first MAX_ACTORS, in the row's order (first mention, then catalogue actors by probability)
    names           actor names and mention texts over MAX_NAME_CHARS are cut at a word, ending " …"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdesk.predictor import Prediction

MAX_MENTIONS = 300  # actor mentions listed per article
MAX_ACTORS = 50  # actors per article
MAX_NAME_CHARS = 120  # an actor name or mention text longer than this is cut


def cut(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start cut at a word boundary, plus " …"."""
    if len(text) <= limit:
        return text
    at = text.rfind(" ", 0, limit)
    return text[: at if at > limit // 2 else limit].rstrip() + " …"


def bound(p: "Prediction") -> "Prediction":
    """Apply the caps above to a prediction (in place; returned for chaining). Error rows pass unchanged."""
    if p.error is not None:
        return p
    mentions = p.actor_mentions or []
    if len(mentions) > MAX_MENTIONS:
        p.warnings.append(f"actor_mentions_capped:{len(mentions)}")
        p.actor_mentions = mentions[:MAX_MENTIONS]
    for m in p.actor_mentions or []:
        if isinstance(m.get("text"), str):
            m["text"] = cut(m["text"], MAX_NAME_CHARS)
    if p.actors is None:
        return p
    actors = p.actors
    if len(actors) > MAX_ACTORS:
        p.warnings.append(f"actors_capped:{len(actors)}")
        actors = actors[:MAX_ACTORS]
    names: dict[str, str] = {}  # original name -> name in the row
    for a in actors:
        names.setdefault(a, cut(a, MAX_NAME_CHARS))
    p.actors = list(dict.fromkeys(names.values()))
    if p.evidence and isinstance(p.evidence.get("actors"), dict):
        p.evidence["actors"] = {names[a]: ev for a, ev in p.evidence["actors"].items() if a in names}
    return p
