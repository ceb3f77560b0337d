from pathlib import Path

import pytest

from newsdesk.config import Config, ConfigError, load_config, save_config

REPO = Path(__file__).resolve().parent.parent


def test_shipped_configs_parse_and_start_with_their_command():
    for path in sorted((REPO / "configs").glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# python train.py --config configs/" + path.name), path
        assert isinstance(load_config(path), Config)


def test_overrides_by_dotted_keys_with_types():
    cfg = load_config(REPO / "configs/tiny.yaml", ["--train.epochs", "2", "--output_dir", "runs/x",
                                                   "--train.lr=3e-4", "--data.train", "a.jsonl,b.jsonl",
                                                   "--data.actor_aliases", "null", "--model.tiny.hidden_size", "16"])
    assert cfg.train.epochs == 2 and cfg.output_dir == "runs/x"
    assert cfg.train.lr == pytest.approx(3e-4)
    assert cfg.data.train == ["a.jsonl", "b.jsonl"]
    assert cfg.data.actor_aliases is None
    assert cfg.model.tiny.hidden_size == 16


@pytest.mark.parametrize(
    "args, message",
    [
        (["--train.epoch", "2"], "unknown config key 'train.epoch' (did you mean 'train.epochs'?)"),
        (["--train.epochs", "two"], "config key 'train.epochs' expects int, got 'two' (str)"),
        (["--model.max_length", "1.5"], "config key 'model.max_length' expects int, got 1.5 (float)"),
        (["--bogus", "1"], "unknown config key 'bogus'"),
        (["--train.epochs"], "option --train.epochs needs a value"),
        (["train.epochs", "2"], "expected a --section.key option, got 'train.epochs'"),
        (["--train.loss.region", "x"], "config key 'train.loss.region' expects float, got 'x' (str)"),
    ],
)
def test_errors_name_the_key_and_the_fix(args, message):
    with pytest.raises(ConfigError) as exc:
        load_config(None, args)
    assert message in str(exc.value)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"config file not found: .*nope.yaml"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_unknown_nested_key_is_named(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  loss:\n    regoin: 2\n")
    with pytest.raises(ConfigError, match=r"unknown config key 'train.loss.regoin' \(did you mean 'train.loss.region'\?\)"):
        load_config(p)


def test_resolved_config_round_trips(tmp_path):
    cfg = load_config(REPO / "configs/default.yaml", ["--train.epochs", "3"])
    save_config(cfg, tmp_path / "resolved.yaml", command="python train.py --train.epochs 3")
    text = (tmp_path / "resolved.yaml").read_text()
    assert text.startswith("# Resolved newsdesk config.\n# Made by: python train.py --train.epochs 3")
    assert load_config(tmp_path / "resolved.yaml") == cfg


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model.pooling", "max"], "config key 'model.pooling' must be one of mean, cls, got 'max'"),
        (["--train.mixed_precision", "fp8"], "config key 'train.mixed_precision' must be one of auto, no, bf16, fp16"),
        (["--train.batch_size", "0"], "config key 'train.batch_size' must be at least 1, got 0"),
        (["--train.loss.actor_pos_weight", "heavy"],
         "config key 'train.loss.actor_pos_weight' must be 'balanced', 'none' or a number, got 'heavy'"),
        (["--train.loss.event_pos_weight", "-3"],
         "config key 'train.loss.event_pos_weight' must be 'balanced', 'none' or a positive number, got '-3'"),
        (["--model.stride", "200"], "config key 'model.stride' must be between 0 and half of model.max_length (128), got 200"),
        # issue 14 item 11: accepted before, then a NaN loss and a saved model with exit 0
        (["--train.lr", "-1"], "config key 'train.lr' must be at least 0, got -1.0"),
        (["--train.lr", "nan"], "config key 'train.lr' must be a finite number, got nan"),
        (["--train.head_lr", "inf"], "config key 'train.head_lr' must be a finite number, got inf"),
        (["--train.max_steps", "-5"], "config key 'train.max_steps' must be at least 1, got -5"),
        (["--train.warmup_ratio", "1.5"], "config key 'train.warmup_ratio' must be at least 0 and below 1, got 1.5"),
        (["--train.max_grad_norm", "0"], "config key 'train.max_grad_norm' must be above 0, got 0.0"),
        (["--model.dropout", "1"], "config key 'model.dropout' must be at least 0 and below 1, got 1.0"),
        (["--train.loss.summary", "-1"], "config key 'train.loss.summary' must be at least 0, got -1.0"),
        (["--model.tiny.hidden_size", "33"],
         "config key 'model.tiny.hidden_size' must be a multiple of model.tiny.num_attention_heads (2), got 33"),
        # issue 12 item 4: these failed after an epoch, or never
        (["--train.early_stopping_metric", "rougeL"],
         "config key 'train.early_stopping_metric' must be one of score, region/accuracy, region/macro_f1, "
         "event_types/micro_f1, event_types/macro_f1, actors/micro_f1, actors/macro_f1, summary/rouge1, summary/rouge2, "
         "summary/rougeL, got 'rougeL'"),
        (["--train.early_stopping_metric", "summary/rougeL", "--train.summary_epochs", "2"],
         "actors/macro_f1 (with train.summary_epochs > 0 the label epochs generate no summaries), got 'summary/rougeL'"),
        (["--train.early_stopping_metric", "summary/rougeL", "--train.eval_summaries", "0"],
         "(train.eval_summaries is 0: the label epochs generate no summaries), got 'summary/rougeL'"),
        (["--train.summary_epochs", "2", "--model.summary", "false"],
         "config key 'train.summary_epochs' must be 0 when model.summary is false"),
        (["--data.label_descriptions", "{truce: [A truce was agreed.]}"],
         "config key 'data.label_descriptions' names 'truce', which is not an event type; use one of data.event_types: "
         "capture, ceasefire,"),
        (["--data.label_descriptions", "{ceasefire: []}"],
         "config key 'data.label_descriptions.ceasefire' must be a non-empty list of non-empty sentences, got []"),
        (["--data.label_triggers", "{truce: {match: [truce]}}"],
         "config key 'data.label_triggers' names 'truce', which is not an event type; use one of data.event_types: "
         "capture, ceasefire,"),
        (["--data.label_triggers", "{ceasefire: {match: [truce], unless: [urged]}}"],
         "config key 'data.label_triggers.ceasefire' has 'unless'; its keys are 'match' (patterns that say the event "
         "happened) and 'except' (cues that it did not)"),
        (["--data.label_triggers", "{ceasefire: {except: [urged]}}"],
         "config key 'data.label_triggers.ceasefire.match' must be a non-empty list of regular expressions, got None"),
        (["--data.label_triggers", "{ceasefire: {match: [truce, 'cease(fire']}}"],
         "config key 'data.label_triggers.ceasefire.match[1]' is not a valid regular expression (missing ), unterminated "
         "subpattern at position 5): 'cease(fire'"),
        (["--data.repeat", "{data/trian.jsonl: 4}"],
         "config key 'data.repeat' names 'data/trian.jsonl', which is not in data.train; use one of the data.train "
         "entries: data/train.jsonl"),
        (["--data.repeat", "{data/train.jsonl: 0}"], "config key 'data.repeat.data/train.jsonl' must be at least 1"),
        (["--data.mention_spans", "{muc4/train.jsonl: match}"],
         "config key 'data.mention_spans' names 'muc4/train.jsonl', which is not in data.train"),
        (["--data.mention_spans", "{data/train.jsonl: exact}"],
         "config key 'data.mention_spans.data/train.jsonl' must be one of match, got 'exact'"),
        (["--data.event_types", "capture,capture"],
         "config key 'data.event_types' must be a list of distinct, non-empty event type names, got 'capture'"),
        (["--data.train", ""], "config key 'data.train' must be a non-empty list of training files, got []"),
        (["--generation.min_summary_tokens", "40"],
         "config key 'generation.min_summary_tokens' must be at most generation.max_summary_tokens (32), got 40"),
        (["--generation.length_penalty", "nan"], "config key 'generation.length_penalty' must be a finite number, got nan"),
        (["--train.summary_batch_size", "0"], "config key 'train.summary_batch_size' must be at least 1, got 0"),
        (["--train.summary_lr", "-0.1"], "config key 'train.summary_lr' must be at least 0, got -0.1"),
        (["--train.summary_per_epoch", "-1"], "config key 'train.summary_per_epoch' must be at least 0, got -1"),
        (["--data.actor_min_count", "0"], "config key 'data.actor_min_count' must be at least 1, got 0"),
    ],
)
def test_values_are_checked(args, message):
    """Every bad value fails when the config is loaded (before any data or model), naming the key, the
    bad value and what is allowed."""
    with pytest.raises(ConfigError) as exc:
        load_config(None, args)
    assert message in str(exc.value)


def test_early_stopping_metric_names_are_the_ones_training_reports():
    """config.METRIC_NAMES (what train.early_stopping_metric may name) is exactly what a training epoch
    reports (evaluation.headline_table of a run with every task)."""
    from newsdesk.config import METRIC_NAMES
    from newsdesk.evaluation import headline_table

    full = {"region": {"accuracy": 1, "macro_f1": 1}, "event_types": {"micro_f1": 1, "macro_f1": 1},
            "actors": {"micro_f1": 1, "macro_f1": 1}, "summary": {"rouge1": 1, "rouge2": 1, "rougeL": 1}, "score": 1}
    assert set(headline_table(full)) == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        assert load_config(None, ["--train.early_stopping_metric", name]).train.early_stopping_metric == name


def test_bare_no_is_a_string_for_string_keys(tmp_path):
    assert load_config(None, ["--train.mixed_precision", "no"]).train.mixed_precision == "no"
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  mixed_precision: no\n")
    assert load_config(p).train.mixed_precision == "no"


def test_drop_event_types_takes_a_type_out_of_data_and_taxonomy():
    from newsdesk.config import load_config
    from newsdesk.training import read_data

    cfg = load_config("configs/tiny.yaml", ["--data.drop_event_types", "ceasefire"])
    train, dev = read_data(cfg)
    assert not any("ceasefire" in (r.get("event_types") or []) for r in train + dev)
    assert any(r.get("event_types") for r in train)  # other labels kept
    with pytest.raises(ConfigError, match="still describes"):
        load_config("configs/acled.yaml", ["--data.drop_event_types", "ceasefire"])
