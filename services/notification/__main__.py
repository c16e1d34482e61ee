import sys

from services.notification.bootstrap import ENTRY

ENTRY.main(sys.argv)
