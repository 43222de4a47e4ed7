import sys

from quizproof.cli import main

sys.exit(main())
