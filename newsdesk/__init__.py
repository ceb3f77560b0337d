"""newsdesk: label news articles by region, event types and actors, with a one-line summary.

    import newsdesk
    model = newsdesk.load("runs/default/model")
    model.predict("Iraqi forces captured ...")          # -> Prediction
    newsdesk.predict(["...", "..."], model="runs/default/model")
"""

__version__ = "0.1.0"
__all__ = ["Prediction", "Predictor", "load", "predict", "__version__"]


def __getattr__(name: str):
    # Imported on first use: `newsdesk --help` and `import newsdesk.config` stay fast (no torch).
    if name in ("Prediction", "Predictor", "load", "predict"):
        from newsdesk import predictor

        return getattr(predictor, name)
    raise AttributeError(f"module 'newsdesk' has no attribute {name!r}")
