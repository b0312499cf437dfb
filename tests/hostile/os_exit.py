# hostile: kills its own kernel in the middle of the notebook
import os
os._exit(3)
