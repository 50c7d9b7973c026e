"""The trained model's NLU components and every message to compare them on, shared by the tests
that check rasa_ext's NLU speed-ups against Rasa's own code."""

import pytest
from rasa.engine import loader
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.language.nlu_examples import read_nlu_examples
from bot.paths import HELD_OUT_NLU, MODEL, ROOT
from rasa_ext.graph_runner import SequentialGraphRunner

ODD_MESSAGES = ["", "   ", "😀😀😀", "¿cuánto cuesta la mesoterapia?", "<script>alert(1)</script>", "hello " * 2000,
                "qwertyuiop asdfghjkl", "HOW MANY sessions?!", "a a a a a b"]


@pytest.fixture(scope="session")
def trained_nlu(tmp_path_factory: pytest.TempPathFactory) -> list:
    """models/current.tar.gz's NLU components, in pipeline order (tokenizer first)."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: run `make test`, which trains first")
    _, runner = loader.load_predict_graph_runner(
        tmp_path_factory.mktemp("model"), MODEL, LocalModelStorage, SequentialGraphRunner)
    return [node._component for name, node in runner._instantiated_nodes.items()
            if name.startswith("run_") and "Policy" not in name]


@pytest.fixture(scope="session")
def nlu_texts() -> list[str]:
    """Every training and held-out NLU example, and some odd messages."""
    training = [example.text for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
                for example in read_nlu_examples(path)]
    return training + [example.text for example in read_nlu_examples(HELD_OUT_NLU)] + ODD_MESSAGES
