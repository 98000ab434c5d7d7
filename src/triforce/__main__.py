"""Allow ``python -m triforce``."""
import sys

from triforce.cli.main import main

sys.exit(main())
