import sys

from govcloud.cli import main

sys.exit(main())
