import sys

from services.assessment.bootstrap import ENTRY

ENTRY.main(sys.argv)
