import sys

from services.supervision.bootstrap import main

main(sys.argv)
