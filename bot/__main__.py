"""``python -m bot`` is the same as ``mentorbot``."""

import sys

from bot.cli import main

sys.exit(main())
