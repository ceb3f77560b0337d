"""Row size limits (newsdesk.limits): a row stays bounded whatever the input (issue 14 item 3)."""

from newsdesk.limits import MAX_ACTORS, MAX_MENTIONS, MAX_NAME_CHARS, bound, cut
from newsdesk.predictor import Prediction


def _prediction(n_actors: int, n_mentions: int, name_len: int = 10) -> Prediction:
    actors = [f"actor{i:03d}" + "x" * max(0, name_len - 8) for i in range(n_actors)]
    mentions = [{"text": actors[i % n_actors], "start": i * 10, "end": i * 10 + 8, "canonical": None, "score": 0.9}
                for i in range(n_mentions)]
    return Prediction(id="a", source=None, region="r", event_types=[], actors=actors, summary=None, scores={},
                      actor_mentions=mentions, evidence={"region": {}, "event_types": {},
                                                         "actors": {a: {"sentence": "s", "score": 0.9} for a in actors}})


def test_mentions_and_actors_are_capped_with_a_warning():
    p = bound(_prediction(3 * MAX_ACTORS, 20 * MAX_MENTIONS))
    assert len(p.actor_mentions) == MAX_MENTIONS and len(p.actors) == MAX_ACTORS
    assert p.actors == [f"actor{i:03d}xx" for i in range(MAX_ACTORS)]  # the first ones, in order
    assert set(p.evidence["actors"]) == set(p.actors)
    assert f"actor_mentions_capped:{20 * MAX_MENTIONS}" in p.warnings and f"actors_capped:{3 * MAX_ACTORS}" in p.warnings


def test_a_row_under_the_caps_is_unchanged():
    p = _prediction(8, 21)
    before = p.to_dict()
    assert bound(p).to_dict() == before


def test_runaway_names_are_cut_at_a_word():
    p = _prediction(1, 1)
    long_name = "Forces " * 100
    p.actors, p.actor_mentions[0]["text"] = [long_name.strip()], long_name.strip()
    p.evidence["actors"] = {long_name.strip(): {"sentence": "s", "score": 1.0}}
    bound(p)
    assert len(p.actors[0]) <= MAX_NAME_CHARS + 2 and p.actors[0].endswith(" …") and p.actors[0].startswith("Forces Forces")
    assert p.actor_mentions[0]["text"] == p.actors[0] and list(p.evidence["actors"]) == p.actors


def test_error_rows_pass_through():
    p = Prediction(id="a", source=None, region=None, event_types=None, actors=None, summary=None, scores=None, error="empty")
    assert bound(p) is p and p.warnings == []


def test_cut():
    assert cut("short", 10) == "short"
    assert cut("one two three four", 10) == "one two …"
    assert cut("x" * 30, 10) == "x" * 10 + " …"
