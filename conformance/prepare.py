"""Helpers of conformance/run.sh, against a running server with the demo data.

    prepare.py token BASE_URL EMAIL PASSWORD
        Logs in and prints an access token.
    prepare.py config BASE_URL ADMIN_EMAIL COORDINATOR_EMAIL PASSWORD OUT.toml
        Adds what the demo lacks (an open vote, a label application, an
        invitation) as the coordinator, then, as the admin, collects the ids of
        real resources and writes a schemathesis configuration binding the path
        parameters to them.

Schemathesis cannot guess the UUIDs of real resources, so without help nearly
every alliance-scoped operation would only ever answer 404. Each path parameter
is bound to a dictionary of real ids, used for most generated cases; the other
cases keep generated values, so unknown ids are exercised too. The child ids
(partners, plans...) all belong to the Sceaux alliance; the `id` dictionary also
holds the Antony alliance, so some cases ask for a Sceaux resource through
another alliance's path (404, SPEC §3). Standard library only.
"""

import datetime
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Share of generated cases whose path ids are real ones.
REAL_ID_PROBABILITY = 0.85


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def login(api, email, password):
    """An access token. Schemathesis' run before this one may have used up the
    login limit of the loopback address (429 with Retry-After): wait and retry."""
    for _ in range(5):
        request = urllib.request.Request(
            api + "/auth/login",
            data=json.dumps({"email": email, "password": password}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["access_token"]
        except urllib.error.HTTPError as error:
            if error.code != 429:
                sys.exit(f"login as {email} answered {error.code}: {error.read().decode()}")
            wait = int(error.headers.get("Retry-After") or 10)
            print(f"login as {email}: 429, retrying in {wait} s", file=sys.stderr)
            time.sleep(min(wait, 60) + 1)
    sys.exit(f"login as {email}: still 429")


def items(api, token, path):
    """Every item of a collection the caller may read (empty when refused)."""
    found, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        page = f"{path}{separator}limit=200"
        if cursor:
            page += "&cursor=" + urllib.parse.quote(cursor)
        status, answer = call(api, "GET", page, token)
        if status != 200:
            return found
        found.extend(answer["items"])
        cursor = answer.get("next_cursor")
        if not cursor:
            return found


def create(api, token, path, body):
    status, answer = call(api, "POST", path, token, body)
    if status != 201:
        sys.exit(f"POST {path} answered {status}: {answer}")
    return answer


def seed(api, token, alliance):
    """What the demo lacks, so that the operations on it have something to find."""
    a = f"/alliances/{alliance}"
    now = datetime.datetime.now(datetime.timezone.utc)
    partner = items(api, token, f"{a}/partners")[0]["id"]
    create(api, token, f"{a}/votes", {
        "title": "Conformance: June meeting date",
        "subject": "question",
        "method": "single_choice",
        "options": ["Tuesday", "Thursday"],
        "electorate": "members",
        "quorum_percent": 0,
        "closes_at": (now + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    year = now.year + 1
    create(api, token, f"{a}/labels", {"academic_year": f"{year}-{year + 1}"})
    invitation = create(api, token, f"{a}/invitations", {
        "email": "conformance.successor@example.org",
        "partner_id": partner,
        "role": "member",
    })
    return invitation["token"]


def config(base, admin_email, coordinator_email, password, out):
    api = base + "/api/v1"
    coordinator = login(api, coordinator_email, password)
    admin = login(api, admin_email, password)
    alliances = items(api, admin, "/alliances")
    home = next(a["id"] for a in alliances if "Sceaux" in a["name"])
    others = [a["id"] for a in alliances if a["id"] != home]
    invitation_token = seed(api, coordinator, home)
    coordinator_id = call(api, "GET", "/me", coordinator)[1]["id"]

    a = f"/alliances/{home}"
    ids = {
        # Three times the home alliance: most cases stay inside it.
        "alliance": [home] * 3 + others,
        "city": [c["id"] for c in items(api, admin, "/cities")],
        "user": [u["id"] for u in items(api, admin, "/users")],
        "partner": [p["id"] for p in items(api, admin, f"{a}/partners")],
        # Not the coordinator's own: deleting it would leave the rest of her run
        # with no rights.
        "mandate": [
            m["id"] for m in items(api, admin, f"{a}/mandates") if m["user_id"] != coordinator_id
        ],
        "invitation": [i["id"] for i in items(api, admin, f"{a}/invitations")],
        "token": [invitation_token],
        "event": [e["id"] for e in items(api, admin, f"{a}/events")],
        "vote": [v["id"] for v in items(api, admin, f"{a}/votes")],
        "label": [x["id"] for x in items(api, admin, f"{a}/labels")],
        "version": [c["version"] for c in items(api, admin, f"{a}/charters")],
        "plan": [], "action": [], "comment": [], "indicator": [], "measurement": [],
    }
    for plan in items(api, admin, f"{a}/plans"):
        ids["plan"].append(plan["id"])
        for action in items(api, admin, f"{a}/plans/{plan['id']}/actions"):
            ids["action"].append(action["id"])
            x = f"{a}/actions/{action['id']}"
            ids["comment"] += [c["id"] for c in items(api, admin, f"{x}/comments")]
            for indicator in items(api, admin, f"{x}/indicators"):
                ids["indicator"].append(indicator["id"])
                ids["measurement"] += [
                    m["id"]
                    for m in items(api, admin, f"{a}/indicators/{indicator['id']}/measurements")
                ]
    empty = [name for name, values in ids.items() if not values]
    if empty:
        sys.exit(f"the demo data has no {', '.join(empty)}")

    # Parameter -> dictionary; `id` names an alliance, a city or a user depending
    # on the path.
    children = {
        "partner_id": "partner", "plan_id": "plan", "action_id": "action",
        "comment_id": "comment", "indicator_id": "indicator",
        "measurement_id": "measurement", "mandate_id": "mandate",
        "invitation_id": "invitation", "event_id": "event", "vote_id": "vote",
        "label_id": "label", "version": "version",
    }
    paths = {f"path.{name}": dictionary for name, dictionary in children.items()}
    # Ids in bodies: a partner of the alliance, a city, a user.
    bodies = {
        "body.partner_id": "partner",
        "body.proposing_partner_id": "partner",
        "body.lead_partner_id": "partner",
        "body.contributing_partner_ids[*]": "partner",
        "body.curriculum.partner_id": "partner",
        "body.user_id": "user",
    }
    operations = [
        ("^/api/v1/alliances/\\{id\\}", {"path.id": "alliance", **paths, **bodies}),
        ("^/api/v1/alliances$", {"body.city_id": "city"}),
        ("^/api/v1/cities/\\{id\\}", {"path.id": "city"}),
        ("^/api/v1/users/\\{id\\}", {"path.id": "user"}),
        ("^/api/v1/invitations/\\{token\\}", {"path.token": "token"}),
    ]
    lines = [
        "# Written by conformance/prepare.py for one run.",
        "# The token of the run's principal, for the operations that take a bearer token:",
        "# schemathesis knows it is the credential, so it also tries them without it.",
        "[auth.openapi.bearer_auth]",
        'bearer = "${AGIR_CONFORMANCE_TOKEN}"',
        "",
        "[dictionaries]",
    ]
    for name, values in ids.items():
        lines.append(f"{name} = {{ values = {json.dumps(values)} }}")
    for regex, parameters in operations:
        lines += ["", "[[operations]]", f"include-path-regex = {json.dumps(regex)}"]
        lines.append("[operations.parameters]")
        for parameter, dictionary in parameters.items():
            lines.append(
                f'"{parameter}" = {{ dictionary = "{dictionary}", '
                f"probability = {REAL_ID_PROBABILITY} }}"
            )
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("ids: " + ", ".join(f"{len(set(v))} {k}" for k, v in ids.items()))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "token":
        print(login(sys.argv[2] + "/api/v1", sys.argv[3], sys.argv[4]))
    elif len(sys.argv) == 7 and sys.argv[1] == "config":
        config(*sys.argv[2:7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
