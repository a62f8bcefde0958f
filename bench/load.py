#!/usr/bin/env python3
"""The HTTP half of bench/load.sh: fixtures through the API, wrk runs, the result table.

    python3 bench/load.py --base-url URL --server-pid PID --work DIR \
        --pgbench-select TPS --pgbench-tpcb TPS [--duration 15] [--warmup 3] ...

bench/load.sh starts everything and calls this; it is not meant to be run alone. It needs
DATABASE_URL and PG_BIN (psql) in the environment, `wrk` on the PATH, and users whose
password is BENCH_PASSWORD (load.sh gives every generated `referent-*` user a real argon2id
hash of it).

1. Prepare, through the API: logs in the coordinators of --ballot-alliances alliances, each
   creates and opens a `members` consent question (the realistic path: journaled, electorate
   frozen at opening); logs in every voter of those electorates and casts one ballot each
   (that checks every token). Writes one request file per endpoint (bench/wrk/rotate.lua).
2. Runs wrk per endpoint (a short warm-up, then --duration seconds, --connections):
   public plan read, action list page, ballot cast, network stats, login. Then two mixed
   runs: plan read and network stats together, without then with a login storm
   (--storm-connections more connections logging in) to compare their p99, in
   --storm-rounds alternating pairs (a neighbour's load that comes and goes then touches
   both sides; the target uses the median of the rounds' p99 ratios).
3. Around every run: the server's /metrics (exact statuses per route), its peak memory
   (VmHWM, reset before each run through /proc/PID/clear_refs), and with --queries the
   statements PostgreSQL ran (pg_stat_statements) per request.
4. Prints the table, the targets met or missed, the statements per request, and exits 1
   when a run had errors (non-2xx answers, socket errors) or the fixtures failed. Logins
   refused 503 `password_hashing_busy` (the bounded hashing queue) are counted apart.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------
# Small HTTP client (standard library, one keep-alive connection per thread)
# ---------------------------------------------------------------------------------------


class Api:
    def __init__(self, base_url: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: object = None, token: str | None = None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return response.status, payload


def psql(sql: str) -> list[list[str]]:
    """Rows of a query on the benchmark database, as lists of strings."""
    out = subprocess.run(
        [os.path.join(os.environ["PG_BIN"], "psql"), os.environ["DATABASE_URL"], "-X", "-qAt",
         "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def fail(message: str) -> None:
    print(f"load.py: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------

API = "/api/v1"


def write_requests(path: str, lines: list[tuple[str, str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for method, url, token, body in lines:
            f.write(f"{method}\t{url}\t{token or '-'}\t{body or '-'}\n")


def login(api: Api, email: str, password: str) -> str:
    status, body = api.call("POST", f"{API}/auth/login", {"email": email, "password": password})
    if status != 200:
        raise RuntimeError(f"login {email}: {status} {body}")
    return body["access_token"]


def prepare(args, out: str) -> dict[str, str]:
    """Writes the request files; returns {endpoint: file}."""
    password = os.environ["BENCH_PASSWORD"]
    api = Api(args.base_url)
    files = {}

    # Public plan read: every plan of the network (adopted or closed: public), no token.
    plans = psql("SELECT alliance_id, id FROM plans WHERE phase IN ('adopted', 'closed') ORDER BY md5(id::text)")
    if not plans:
        fail("no public plan in the database")
    files["plan"] = os.path.join(out, "plan.txt")
    write_requests(files["plan"], [("GET", f"{API}/alliances/{a}/plans/{p}", "", "") for a, p in plans])

    # Action list page: the first page of every current (adopted) plan, no token.
    current = psql("SELECT alliance_id, id FROM plans WHERE phase = 'adopted' ORDER BY md5(id::text)")
    files["actions"] = os.path.join(out, "actions.txt")
    write_requests(files["actions"], [
        ("GET", f"{API}/alliances/{a}/plans/{p}/actions?limit={args.action_page}", "", "") for a, p in current
    ])

    files["stats"] = os.path.join(out, "stats.txt")
    write_requests(files["stats"], [("GET", f"{API}/network/stats", "", "")])

    # Login: many accounts in turn (the per-account limit is raised by load.sh).
    emails = [r[0] for r in psql(
        f"SELECT email FROM users WHERE email LIKE 'referent-%' ORDER BY md5(email) LIMIT {args.login_accounts}")]
    files["login"] = os.path.join(out, "login.txt")
    write_requests(files["login"], [
        ("POST", f"{API}/auth/login", "", json.dumps({"email": e, "password": password})) for e in emails
    ])

    # Ballot cast: one open `members` question in each of --ballot-alliances alliances,
    # created by its coordinator through the API.
    coordinators = psql(f"""
        SELECT a.id, u.email FROM alliances a
        JOIN mandates m ON m.alliance_id = a.id AND m.role = 'coordinator'
             AND m.starts_on <= current_date AND (m.ends_on IS NULL OR m.ends_on >= current_date)
        JOIN users u ON u.id = m.user_id
        WHERE a.status = 'active' AND u.email LIKE 'referent-%'
        ORDER BY a.created_at LIMIT {args.ballot_alliances}""")
    if len(coordinators) < args.ballot_alliances:
        fail(f"only {len(coordinators)} alliances with a coordinator for the ballot run")
    closes_at = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()

    def create_vote(row: list[str]) -> str:
        alliance, email = row
        client = Api(args.base_url)
        token = login(client, email, password)
        status, body = client.call("POST", f"{API}/alliances/{alliance}/votes", {
            "title": "Banc d'essai : faut-il ouvrir un second compost ?",
            "subject": "question",
            "method": "consent",
            "electorate": "members",
            "quorum_percent": 50,
            "closes_at": closes_at,
        }, token)
        if status != 201 or body.get("status") != "open":
            raise RuntimeError(f"vote in {alliance}: {status} {body}")
        return body["id"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        vote_ids = list(pool.map(create_vote, coordinators))
    ids = ",".join(f"'{v}'" for v in vote_ids)
    electorate = psql(f"""
        SELECT v.alliance_id, v.id, u.email FROM vote_electorate e
        JOIN votes v ON v.id = e.vote_id JOIN users u ON u.id = e.voter_id
        WHERE v.id IN ({ids}) ORDER BY v.created_at, u.email""")
    known = [r for r in electorate if r[2].startswith("referent-")]

    def first_ballot(row: list[str]) -> tuple[str, str, str] | None:
        alliance, vote, email = row
        client = Api(args.base_url)
        token = login(client, email, password)
        status, body = client.call("POST", f"{API}/alliances/{alliance}/votes/{vote}/ballots", {"choice": "for"}, token)
        if status != 201:
            print(f"load.py: first ballot of {email}: {status} {body}", file=sys.stderr)
            return None
        return alliance, vote, token

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        voters = [v for v in pool.map(first_ballot, known) if v is not None]
    if len(voters) < len(known):
        fail(f"{len(known) - len(voters)} of {len(known)} voters could not cast a first ballot")
    # Interleave the alliances, so that consecutive ballots go to different journal chains
    # (ballots of one alliance queue on its journal's lock, as they must).
    by_alliance: dict[str, list[tuple[str, str, str]]] = {}
    for v in voters:
        by_alliance.setdefault(v[0], []).append(v)
    interleaved = []
    while any(by_alliance.values()):
        for queue in by_alliance.values():
            if queue:
                interleaved.append(queue.pop(0))
    choices = ["for", "against", "abstain"]
    files["ballot"] = os.path.join(out, "ballot.txt")
    write_requests(files["ballot"], [
        ("POST", f"{API}/alliances/{a}/votes/{v}/ballots", t, json.dumps({"choice": choices[i % 3]}))
        for i, (a, v, t) in enumerate(interleaved)
    ])
    print(f"fixtures: {len(plans)} public plans, {len(current)} action pages, {len(emails)} login accounts, "
          f"{len(vote_ids)} open votes with {len(voters)} voters (ready in {time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return files


# ---------------------------------------------------------------------------------------
# Measurements around a run
# ---------------------------------------------------------------------------------------

METRIC = re.compile(r'^http_requests_total\{(.*)\}\s+([0-9.e+]+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def request_counts(base_url: str) -> dict[tuple[str, str, str], float]:
    """http_requests_total by (method, route, status)."""
    api = Api(base_url)
    status, body = api.call("GET", "/metrics")
    if status != 200 or not isinstance(body, str):
        fail(f"/metrics answered {status}")
    counts = {}
    for line in body.splitlines():
        m = METRIC.match(line)
        if m:
            labels = dict(LABEL.findall(m.group(1)))
            counts[(labels.get("method", ""), labels.get("route", ""), labels.get("status", ""))] = float(m.group(2))
    return counts


def statements_reset() -> None:
    psql("SELECT pg_stat_statements_reset()")


def statements() -> list[tuple[int, float, str]]:
    """(calls, mean ms, query) of the benchmark database, busiest first."""
    rows = psql("""
        SELECT s.calls, round(s.mean_exec_time::numeric, 3), regexp_replace(s.query, '\\s+', ' ', 'g')
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = 'agir' AND s.query NOT LIKE '%pg_stat_statements%'
        ORDER BY s.calls DESC, s.total_exec_time DESC""")
    return [(int(c), float(m), q) for c, m, q in rows]


def peak_rss_reset(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def rss(pid: int, field_name: str = "VmHWM") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------
# wrk runs
# ---------------------------------------------------------------------------------------

# Endpoint -> (label, method, pattern of the route in /metrics).
ENDPOINTS = {
    "plan": ("public plan read", "GET", re.compile(r"/alliances/\{[^}]+\}/plans/\{[^}]+\}$")),
    "actions": ("action list page", "GET", re.compile(r"/plans/\{[^}]+\}/actions$")),
    "ballot": ("ballot cast", "POST", re.compile(r"/votes/\{[^}]+\}/ballots$")),
    "stats": ("network stats", "GET", re.compile(r"/network/stats$")),
    "login": ("login", "POST", re.compile(r"/auth/login$")),
}


@dataclass
class Result:
    run: str
    endpoint: str
    connections: int
    requests: int = 0
    seconds: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    wrk_errors: int = 0
    non_2xx: int = 0
    # Logins refused at once because the password hashing queue was full (503
    # `password_hashing_busy`): the server's designed answer to a storm, not an error.
    busy: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    queries: float | None = None
    peak_rss: float = 0.0
    load: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(args, files: dict[str, str], plan: list[tuple[str, int]], seconds: int, tag: str) -> list[dict]:
    """Runs one wrk per (endpoint, connections) side by side; their WRK_JSON summaries."""
    procs = []
    for endpoint, connections in plan:
        log_path = os.path.join(args.work, f"wrk-{tag}-{endpoint}.txt")
        cmd = ["wrk", "-t", str(min(args.threads, connections)), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "--latency", "-s", args.script, args.base_url]
        env = dict(os.environ, WRK_REQUESTS=files[endpoint])
        out = open(log_path, "w")
        procs.append((endpoint, log_path, out, subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)))
    summaries = []
    for endpoint, log_path, out, proc in procs:
        proc.wait()
        out.close()
        text = open(log_path).read()
        m = re.search(r"^WRK_JSON (\{.*\})$", text, re.M)
        if proc.returncode != 0 or not m:
            fail(f"wrk ({endpoint}) failed, see {log_path}:\n{text}")
        summaries.append(json.loads(m.group(1)))
    return summaries


def measure(args, files, name: str, plan: list[tuple[str, int]]) -> list[Result]:
    if args.warmup > 0:
        run_wrk(args, files, plan, args.warmup, f"{name}-warmup")
    before = request_counts(args.base_url)
    if args.queries:
        statements_reset()
    peak_rss_reset(args.server_pid)
    summaries = run_wrk(args, files, plan, args.duration, name)
    peak = rss(args.server_pid)
    load = os.getloadavg()[0]
    after = request_counts(args.base_url)
    stmts = statements() if args.queries else []
    results = []
    for (endpoint, connections), s in zip(plan, summaries):
        _, method, pattern = ENDPOINTS[endpoint]
        statuses: dict[str, int] = {}
        for key, value in after.items():
            if key[0] == method and pattern.search(key[1]):
                delta = int(value - before.get(key, 0))
                if delta:
                    statuses[key[2]] = statuses.get(key[2], 0) + delta
        r = Result(
            run=name, endpoint=endpoint, connections=connections, requests=s["requests"],
            seconds=s["duration_us"] / 1e6, p50=s["p50_us"] / 1000, p99=s["p99_us"] / 1000,
            wrk_errors=s["connect_errors"] + s["read_errors"] + s["write_errors"] + s["timeouts"],
            statuses=statuses, peak_rss=peak, load=load,
        )
        # Only password operations answer 503 busy; a 503 elsewhere is the database's.
        r.busy = statuses.get("503", 0) if endpoint == "login" else 0
        r.non_2xx = sum(n for st, n in statuses.items() if not st.startswith("2")) - r.busy
        # wrk may count answers the server counted too; trust the larger of the two.
        r.non_2xx = max(r.non_2xx, s["non_2xx_3xx"] - r.busy)
        results.append(r)
    if args.queries and len(plan) == 1 and results[0].requests:
        served = sum(results[0].statuses.values()) or results[0].requests
        results[0].queries = sum(c for c, _, _ in stmts) / served
        profile = os.path.join(args.work, f"statements-{name}.txt")
        with open(profile, "w") as f:
            for calls, mean, query in stmts:
                f.write(f"{calls / served:8.3f}/req  {mean:8.3f} ms  {query}\n")
        args.profiles[name] = [(calls / served, mean, query) for calls, mean, query in stmts if calls / served >= 0.01]
    for r in results:
        flag = "" if not (r.non_2xx or r.wrk_errors) else f"  ERRORS: {r.non_2xx} non-2xx, {r.wrk_errors} socket"
        if r.busy:
            flag += f"  ({r.busy} logins refused busy: 503 + Retry-After, not errors)"
        print(f"  {name:>8} {ENDPOINTS[r.endpoint][0]:<18} {r.rate:9.0f} req/s  p50 {r.p50:7.2f} ms  "
              f"p99 {r.p99:7.2f} ms  statuses {r.statuses}{flag}", file=sys.stderr)
    return results


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def report(args, results: list[Result], startup_peak: float) -> int:
    select, tpcb = args.pgbench_select, args.pgbench_tpcb
    peak = max([startup_peak] + [r.peak_rss for r in results])
    header = ["run", "endpoint", "conns", "req/s", "p50 ms", "p99 ms", "÷ pgbench -S", "÷ TPC-B",
              "non-2xx", "503 busy", "sock err", "SQL/req", "peak RSS MiB", "load"]
    rows = []
    for r in results:
        rows.append([
            r.run, ENDPOINTS[r.endpoint][0], str(r.connections), f"{r.rate:.0f}", f"{r.p50:.2f}", f"{r.p99:.2f}",
            f"{r.rate / select:.3f}" if select else "-",
            f"{r.rate / tpcb:.3f}" if tpcb and r.endpoint == "ballot" else "",
            str(r.non_2xx), str(r.busy) if r.endpoint == "login" else "", str(r.wrk_errors),
            f"{r.queries:.1f}" if r.queries is not None else "", f"{r.peak_rss:.1f}", f"{r.load:.1f}",
        ])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print()
    print(f"agir load benchmark, {os.cpu_count()} CPU(s), wrk and PostgreSQL on the same machine; "
          f"{args.duration} s per run after {args.warmup} s of warm-up, wrk -t{args.threads}")
    print(f"pgbench -S (select only) {select:.0f} tps, pgbench TPC-B {tpcb:.0f} tps "
          f"(-c {args.pgbench_clients} -j 2, same cluster, unix socket)")
    print()
    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    print()
    print(f"server peak RSS (VmHWM): {peak:.1f} MiB over the whole run "
          f"(start-up and fixtures: {startup_peak:.1f} MiB); per run in the table")
    print("load: the machine's 1-minute load average at the end of the run (wrk, the server and PostgreSQL "
          "count for about 3; more means other work shared the cores)")

    def get(run: str, endpoint: str) -> Result | None:
        return next((r for r in results if r.run == run and r.endpoint == endpoint), None)

    checks = []
    plan = get("solo", "plan")
    if plan:
        checks.append((plan.rate >= 3000 and plan.p99 < 15,
                       f"public plan read >= 3,000 req/s (goal 5,000) with p99 < 15 ms: "
                       f"{plan.rate:.0f} req/s, p99 {plan.p99:.2f} ms"))
    ballot = get("solo", "ballot")
    if ballot and tpcb:
        checks.append((ballot.rate >= tpcb / 2,
                       f"ballot cast >= half of pgbench TPC-B ({tpcb / 2:.0f}): {ballot.rate:.0f} req/s "
                       f"({ballot.rate / tpcb:.2f} x TPC-B)"))
    for endpoint in ("plan", "stats"):
        pairs = []
        for i in range(1, args.storm_rounds + 1):
            calm, storm = get(f"mixed{i}", endpoint), get(f"storm{i}", endpoint)
            if calm and storm:
                pairs.append((calm.p99, storm.p99, storm.p99 / calm.p99 if calm.p99 else float("inf")))
        if pairs:
            factor = statistics.median(f for _, _, f in pairs)
            rounds = ", ".join(f"{c:.1f} -> {s:.1f} ms ({f:.1f}x)" for c, s, f in pairs)
            checks.append((factor <= 2,
                           f"login storm raises the p99 of {ENDPOINTS[endpoint][0]} at most 2x: "
                           f"median {factor:.1f}x over {len(pairs)} round(s): {rounds}"))
    checks.append((peak * 1024 * 1024 < 64e6,
                   f"peak memory < 64 MB (61.0 MiB): {peak:.1f} MiB"))
    busy = [r for r in results if r.busy]
    if busy:
        checks.append((True, "logins refused busy (503 password_hashing_busy, reported apart, not errors): " +
                       "; ".join(f"{r.run}: {r.busy} of {sum(r.statuses.values())}" for r in busy)))
    errors = [r for r in results if r.non_2xx or r.wrk_errors]
    checks.append((not errors, "no error answers: " + (
        "none" if not errors else
        "; ".join(f"{r.run} {ENDPOINTS[r.endpoint][0]}: {r.non_2xx} non-2xx {r.statuses}, {r.wrk_errors} socket errors"
                  for r in errors))))
    print()
    print("targets:")
    for ok, text in checks:
        print(f"  [{'met ' if ok else 'MISSED'}] {text}")

    if args.profiles:
        print()
        print("statements per request (pg_stat_statements, BEGIN/COMMIT included; mean execution time):")
        for name, stmts in args.profiles.items():
            print(f"  {name}:")
            for per_req, mean, query in stmts[:12]:
                q = query if len(query) <= 110 else query[:107] + "..."
                print(f"    {per_req:6.2f}  {mean:7.3f} ms  {q}")
    if errors:
        print("\nTHIS RUN HAD ERRORS: its figures are not comparable", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--work", required=True, help="folder for request files and wrk logs")
    parser.add_argument("--pgbench-select", type=float, default=0.0)
    parser.add_argument("--pgbench-tpcb", type=float, default=0.0)
    parser.add_argument("--pgbench-clients", type=int, default=8)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--storm-connections", type=int, default=16)
    parser.add_argument("--storm-rounds", type=int, default=3, help="mixed/storm pairs")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads per wrk process")
    parser.add_argument("--ballot-alliances", type=int, default=20)
    parser.add_argument("--login-accounts", type=int, default=2000)
    parser.add_argument("--action-page", type=int, default=50, help="limit of the action list page")
    parser.add_argument("--queries", action="store_true", help="count statements (pg_stat_statements)")
    parser.add_argument("--only", default="plan,actions,ballot,stats,login,storm",
                        help="runs to do, comma-separated")
    parser.add_argument("--script", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk", "rotate.lua"))
    args = parser.parse_args()
    args.profiles = {}
    only = set(args.only.split(","))

    out = os.path.join(args.work, "requests")
    os.makedirs(out, exist_ok=True)
    files = prepare(args, out)
    startup_peak = rss(args.server_pid)

    results: list[Result] = []
    half = max(1, args.connections // 2)
    for endpoint in ("plan", "actions", "ballot", "stats", "login"):
        if endpoint in only:
            results += measure(args, files, endpoint, [(endpoint, args.connections)])
    # Tag the single-endpoint runs "solo" in the table (their statement profiles keep the name).
    for r in results:
        r.run = "solo"
    if "storm" in only:
        for i in range(1, args.storm_rounds + 1):
            results += measure(args, files, f"mixed{i}", [("plan", half), ("stats", half)])
            results += measure(args, files, f"storm{i}", [("plan", half), ("stats", half),
                                                          ("login", args.storm_connections)])
    return report(args, results, startup_peak)


if __name__ == "__main__":
    sys.exit(main())
