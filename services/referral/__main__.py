import sys

from services.referral.bootstrap import ENTRY

ENTRY.main(sys.argv)
