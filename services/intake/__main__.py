import sys

from services.intake.bootstrap import ENTRY

ENTRY.main(sys.argv)
