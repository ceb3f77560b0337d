"""Label article files/folders: python infer.py MODEL_DIR PATH [PATH ...] --out results.jsonl"""

import sys

from newsdesk.cli import infer_main

if __name__ == "__main__":
    sys.exit(infer_main())
