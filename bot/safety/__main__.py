"""`python -m bot.safety explain "message" [--json]`: the findings and rules behind one decision."""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # spaCy's thinc imports TensorFlow, which logs on import

from bot.safety.explain import as_text, explain  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    explain_command = commands.add_parser("explain", help="print what the screen found in a message and why")
    explain_command.add_argument("message", help="the patient's message, in quotes")
    explain_command.add_argument("--json", action="store_true", help="machine-readable output")
    arguments = parser.parse_args(argv)
    explanation = explain(arguments.message)
    print(json.dumps(explanation, indent=2, ensure_ascii=False) if arguments.json else as_text(explanation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
