"""The browser tests run only when asked (`make test-browser` sets GIST_BROWSER_TESTS=1): they
need Debian's Chromium and take minutes, so `make test` does not collect them."""

import os

if os.environ.get("GIST_BROWSER_TESTS", "").strip() != "1":
    collect_ignore_glob = ["test_*.py"]
