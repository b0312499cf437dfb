# hostile: raises SystemExit from a cell, which IPython reports as an error and survives
import sys
sys.exit("leaving early")
