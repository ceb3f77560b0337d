"""Train a newsdesk model: python train.py --config configs/default.yaml [--section.key VALUE ...]"""

import sys

from newsdesk.cli import train_main

if __name__ == "__main__":
    sys.exit(train_main())
