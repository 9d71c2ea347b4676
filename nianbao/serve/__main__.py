import sys

from nianbao.serve.commands import main

sys.exit(main())
