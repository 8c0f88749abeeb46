"""One bounded question to the network: does this URL answer? (Used before any download.)"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

__all__: list[str] = []


def url_answers(url: str, timeout: float, *, http_errors_count: bool) -> bool:
    """True if ``url`` answers a HEAD request within ``timeout`` seconds, name lookup included.

    With ``http_errors_count`` an HTTP error status (401, 404…) still counts as an answer
    (the server is reachable); without it only 2xx/3xx do. Never raises.
    """
    answer: list[bool] = []

    def probe() -> None:
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout)
            answer.append(True)
        except urllib.error.HTTPError:
            answer.append(http_errors_count)
        except (OSError, ValueError):
            answer.append(False)

    # A thread bounds the whole probe: urlopen's timeout does not cover name resolution.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(answer and answer[0])
