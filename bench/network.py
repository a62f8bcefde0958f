#!/usr/bin/env python3
"""Latency of the AVUF network endpoints (SPEC §6, §9), one client, sequential requests.

    python3 bench/network.py [--base-url http://127.0.0.1:8080] [-n 300] [--warmup 20]

For each endpoint: `--warmup` requests not counted, then `-n` timed GET requests over one
persistent keep-alive connection (http.client), each timed from sending the request to the
last byte of the body. Prints, per endpoint, the statuses seen, the body size, and the
median, p90, p99 and max latency in milliseconds; exits 1 if any request failed (a status
other than 2xx or 304, or a network error), 0 otherwise.

No conditional requests are sent (no If-None-Match): every answer is computed and sent in
full. Run it against a server on a large network: bench/network.sh does the whole thing
(throwaway PostgreSQL, bench/generate.sql, release build). Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import math
import statistics
import sys
import time
import urllib.parse


def current_academic_year(today: datetime.date) -> str:
    """The academic year the server considers current: September opens a new one."""
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}-{first + 1}"


def endpoints(academic_year: str) -> list[str]:
    return [
        "/api/v1/network/stats",
        f"/api/v1/network/stats?academic_year={academic_year}",
        "/api/v1/network/stats?region=Bretagne",
        "/api/v1/network/actions?q=compost",
        "/api/v1/network/actions?theme=food&limit=50",
        "/api/v1/network/labels",
    ]


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (p in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


class Client:
    """One keep-alive connection, reopened if the server closes it."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https"):
            raise SystemExit(f"--base-url must be http(s)://host:port, not {base_url!r}")
        self.scheme = parsed.scheme
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.prefix = parsed.path.rstrip("/")
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def get(self, path: str) -> tuple[int, int, float]:
        """(status, body bytes, seconds). Retries once on a connection the server closed."""
        for attempt in (0, 1):
            if self.conn is None:
                # Connect before the clock starts: a reconnection is not the endpoint's latency.
                self.conn = self._connect()
                self.conn.connect()
            start = time.perf_counter()
            try:
                self.conn.request("GET", self.prefix + path, headers={"Accept": "application/json"})
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                self.reconnects += 1
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if response.will_close:
                self.close()
            return response.status, len(body), elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8080", help="server root (default %(default)s)")
    parser.add_argument("-n", "--requests", type=int, default=300, help="timed requests per endpoint (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint first (default %(default)s)")
    parser.add_argument("--academic-year", default=current_academic_year(datetime.date.today()),
                        help="the year of the academic_year filter (default: the current one, %(default)s)")
    parser.add_argument("--cold", action="store_true",
                        help="make every request a distinct URI (an ignored `_cold` parameter) so that "
                             "no answer comes from the server's per-version cache: measures computation")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default %(default)s)")
    parser.add_argument("--target-ms", type=float, default=50.0,
                        help="median target printed beside each endpoint (default %(default)s)")
    args = parser.parse_args()
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")

    client = Client(args.base_url, args.timeout)
    rows = []
    failed = False
    for path in endpoints(args.academic_year):
        statuses: dict[str, int] = {}
        latencies: list[float] = []
        sizes: list[int] = []
        errors = 0
        for i in range(args.warmup + args.requests):
            try:
                target = path
                if args.cold:
                    target += ("&" if "?" in path else "?") + f"_cold={i}"
                status, size, seconds = client.get(target)
            except (OSError, http.client.HTTPException) as err:
                errors += 1
                key = type(err).__name__
                client.close()
                if i >= args.warmup:
                    statuses[key] = statuses.get(key, 0) + 1
                continue
            if not (200 <= status < 300 or status == 304):
                errors += 1
            if i < args.warmup:
                continue
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            latencies.append(seconds * 1000)
            sizes.append(size)
        if errors:
            failed = True
        latencies.sort()
        median = statistics.median(latencies) if latencies else math.nan
        rows.append({
            "endpoint": path,
            "requests": args.requests,
            "statuses": " ".join(f"{k}x{v}" for k, v in sorted(statuses.items())),
            "bytes": f"{statistics.median(sizes):.0f}" if sizes else "-",
            "median": median,
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else math.nan,
            "target": "-" if errors or not latencies else ("ok" if median < args.target_ms else "OVER"),
            "errors": errors,
        })
        # Progress on stderr: a slow endpoint otherwise looks like a hang.
        print(f"  {path}: median {ms(median)} ms" + (f", {errors} failed" if errors else ""), file=sys.stderr)
    client.close()

    headers = ["endpoint", "requests", "statuses", "bytes", "median ms", "p90 ms", "p99 ms", "max ms",
               f"median<{args.target_ms:g}"]
    table = [[r["endpoint"], str(r["requests"]), r["statuses"], r["bytes"],
              ms(r["median"]), ms(r["p90"]), ms(r["p99"]), ms(r["max"]), r["target"]]
             for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    numeric = {1, 3, 4, 5, 6, 7}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    print(f"{args.base_url}: {args.requests} sequential requests per endpoint after {args.warmup} warm-up, "
          f"one keep-alive connection")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in table:
        print(line(row))
    if client.reconnects:
        print(f"(the server closed the connection {client.reconnects} time(s); reopened)")
    if failed:
        bad = ", ".join(f"{r['endpoint']} ({r['errors']})" for r in rows if r["errors"])
        print(f"FAILED (a status other than 2xx or 304, or no answer; warm-up included): {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
