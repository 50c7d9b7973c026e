"""`python -m bot …`, the command staff and deploy files use; the command line lives in runtime/cli.py."""

import sys

from runtime.cli import main

sys.exit(main())
