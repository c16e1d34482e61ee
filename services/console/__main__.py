import sys

from services.console.bootstrap import main

main(sys.argv)
