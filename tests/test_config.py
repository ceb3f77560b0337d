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
        (["--train.loss.actor_pos_weight", "heavy"], "config key 'train.loss.actor_pos_weight' must be 'balanced', 'none' or a number"),
        (["--model.stride", "200"], "config key 'model.stride' must be between 0 and half of model.max_length"),
    ],
)
def test_values_are_checked(args, message):
    with pytest.raises(ConfigError) as exc:
        load_config(None, args)
    assert message in str(exc.value)


def test_bare_no_is_a_string_for_string_keys(tmp_path):
    assert load_config(None, ["--train.mixed_precision", "no"]).train.mixed_precision == "no"
    p = tmp_path / "c.yaml"
    p.write_text("train:\n  mixed_precision: no\n")
    assert load_config(p).train.mixed_precision == "no"
