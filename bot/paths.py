"""Where the project's files live, so every module agrees on one layout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
MODELS = ROOT / "models"
MODEL = MODELS / "current.tar.gz"  # what `make model` trains and every server loads
CLINIC_CONFIG = ROOT / "clinic.yml"
DOMAIN = ROOT / "domain.yml"
HELD_OUT_NLU = ROOT / "tests" / "nlu" / "test_nlu.yml"
SEEDS = ROOT / "content" / "seeds"
FAQ_SOURCES = ROOT / "content" / "faq_sources.yml"
