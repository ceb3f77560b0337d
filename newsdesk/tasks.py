"""The label tasks, as data: every module that loops over tasks reads them from here.

A task is a head of the model and a key of every per-task dict (labels, thresholds, calibration,
logits, metrics, output fields). "region" is single-label (softmax); the others are multi-label
(sigmoid, one threshold per label). Adding a task: see docs/architecture.md.
"""

TASKS = ("region", "event_types", "actors")
SINGLE_LABEL = ("region",)
MULTI_LABEL = ("event_types", "actors")
