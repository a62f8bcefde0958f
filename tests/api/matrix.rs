//! The authorization matrix (SPEC §3): every operation of the OpenAPI document,
//! called as each principal, must answer the status its row says.
//!
//! The list of operations comes from the document itself, so an operation added
//! without a row fails `every_operation_has_a_matrix_row`. To extend the table, add
//! rows to [`rows`] (and values for new path placeholders to [`Ctx::resolve`]); an
//! operation may have several rows (`case`) when one body cannot show every rule.
//!
//! The principals are those of the standard fixture of alliance A (partner P is the
//! partner concerned: paths name P, or the mandate of P's representative), plus the
//! coordinator of another alliance B, the platform admin and an anonymous caller.
//! Expected statuses: 401 for an anonymous caller on a protected operation, 403 for
//! a caller without the right, 2xx for one with it.
//!
//! Isolation: every row runs on a fresh application. When the successes of a row
//! would see each other's effects (deleting twice, revoking twice, creating the
//! same thing twice), the row is `isolated`: each successful principal gets an
//! application of its own and the refused ones share one. Otherwise the successes
//! touch only their own things (their account, their session, a name of their
//! own) or are idempotent, and the whole row shares one application, refused
//! callers first.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use actix_web::http::Method;
use agir_tests::app::PASSWORD;
use agir_tests::fixture::today;
use agir_tests::{AllianceFixture, Client, TestApp};
use futures_util::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

/// The callers of the matrix, in the order of a row's statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// Observer of partner P.
    Observer,
    /// Member of partner P.
    Member,
    /// Representative of partner P: the partner concerned.
    Representative,
    /// Representative of partner Q: another partner of the same alliance.
    OtherRepresentative,
    /// Coordinator of alliance A (for the city partner).
    Coordinator,
    /// Coordinator of alliance B.
    OtherCoordinator,
    /// Platform admin.
    Admin,
}

impl Who {
    const ALL: [Who; 8] = [
        Who::Anonymous,
        Who::Observer,
        Who::Member,
        Who::Representative,
        Who::OtherRepresentative,
        Who::Coordinator,
        Who::OtherCoordinator,
        Who::Admin,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Who::Anonymous => "anonymous",
            Who::Observer => "observer of P",
            Who::Member => "member of P",
            Who::Representative => "representative of P",
            Who::OtherRepresentative => "representative of Q",
            Who::Coordinator => "coordinator",
            Who::OtherCoordinator => "coordinator of another alliance",
            Who::Admin => "platform admin",
        };
        f.write_str(name)
    }
}

/// Statuses in [`Who::ALL`] order:
/// anonymous, observer, member, representative of P, representative of Q,
/// coordinator, coordinator of another alliance, admin.
type Expect = [u16; 8];

/// Anyone, signed in or not.
const fn public(ok: u16) -> Expect {
    [ok; 8]
}

/// Anyone signed in (operations about the caller).
const fn signed_in(ok: u16) -> Expect {
    [401, ok, ok, ok, ok, ok, ok, ok]
}

/// Anyone with a current mandate in the alliance, observers included, and admins.
const fn insiders(ok: u16) -> Expect {
    [401, ok, ok, ok, ok, ok, 403, ok]
}

/// The alliance's coordinator and admins.
const fn coordination(ok: u16) -> Expect {
    [401, 403, 403, 403, 403, ok, 403, ok]
}

/// Platform admins only.
const fn admins(ok: u16) -> Expect {
    [401, 403, 403, 403, 403, 403, 403, ok]
}

/// What an application needs, beyond the fixtures, for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    None,
    /// Every principal's email (read from `GET /me`).
    Emails,
    /// A pending invitation of alliance A: `{invitation_id}`.
    Invitation,
    /// Version 1 of A's charter, in force: `{version}`.
    Charter,
    /// For every principal, an invitation of A sent to their own email: `{token}`.
    /// The anonymous caller's is sent to an address without an account.
    OwnInvitations,
    /// For every principal, the refresh token of a new session of their own; the
    /// anonymous caller's is not a token.
    RefreshTokens,
}

type Body = fn(&Ctx, Who) -> Value;

/// One row of the matrix.
struct Row {
    op: &'static str,
    /// What this row shows, when an operation has several.
    case: &'static str,
    expect: Expect,
    body: Option<Body>,
    setup: Setup,
    isolated: bool,
}

fn row(op: &'static str, expect: Expect) -> Row {
    Row {
        op,
        case: "",
        expect,
        body: None,
        setup: Setup::None,
        isolated: false,
    }
}

impl Row {
    fn case(mut self, case: &'static str) -> Self {
        self.case = case;
        self
    }

    fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    fn setup(mut self, setup: Setup) -> Self {
        self.setup = setup;
        self
    }

    /// Each success on an application of its own.
    fn isolated(mut self) -> Self {
        self.isolated = true;
        self
    }

    fn label(&self) -> String {
        if self.case.is_empty() {
            self.op.to_owned()
        } else {
            format!("{} ({})", self.op, self.case)
        }
    }
}

/// The table. Paths are those of the OpenAPI document, with placeholders filled in
/// by [`Ctx::resolve`].
fn rows() -> Vec<Row> {
    vec![
        // auth: about the caller's own credentials. Signing in is anyone's right;
        // the anonymous column checks the refusal of wrong credentials.
        row("login", [401, 200, 200, 200, 200, 200, 200, 200])
            .case("own credentials; anonymous: wrong password")
            .setup(Setup::Emails)
            .body(|c, who| match who {
                Who::Anonymous => {
                    json!({"email": c.email(Who::Coordinator), "password": "not the password"})
                }
                _ => json!({"email": c.email(who), "password": PASSWORD}),
            }),
        row("refresh_tokens", [401, 200, 200, 200, 200, 200, 200, 200])
            .case("own refresh token; anonymous: an invalid one")
            .setup(Setup::RefreshTokens)
            .body(|c, who| json!({"refresh_token": c.token(who)})),
        // Logging out answers 204 even for an unknown token (retries are safe).
        row("logout", public(204))
            .case("own refresh token; anonymous: an invalid one")
            .setup(Setup::RefreshTokens)
            .body(|c, who| json!({"refresh_token": c.token(who)})),
        // me: the caller's own account.
        row("get_me", signed_in(200)),
        row("update_me", signed_in(200)).body(|_, who| json!({"display_name": format!("{who}")})),
        row("change_password", signed_in(204)).body(|_, _| {
            json!({"current_password": PASSWORD, "new_password": "another long enough password"})
        }),
        // Accepting needs no mandate: the token and, for an account, its email decide.
        row("accept_invitation", public(201))
            .case("an invitation sent to the caller's own email; anonymous: a new account")
            .setup(Setup::OwnInvitations)
            .body(|_, who| match who {
                Who::Anonymous => {
                    json!({"display_name": "Inès Moreau", "password": "a long enough password"})
                }
                _ => json!({}),
            }),
        // users: platform admins. `{id}` is the member of P's account.
        row("list_users", admins(200)),
        row("create_user", admins(201)).body(|_, _| {
            json!({"email": "new.account@example.org", "display_name": "New account", "password": "a long enough password"})
        }),
        row("get_user", admins(200)),
        row("update_user", admins(200)).body(|_, _| json!({"display_name": "Renamed"})),
        // cities: public reads, admin writes. `{id}` is alliance A's city.
        row("list_cities", public(200)),
        row("create_city", admins(201)).body(|_, _| {
            json!({"name": "Rennes", "insee_code": "35238", "department": "Ille-et-Vilaine", "region": "Bretagne"})
        }),
        row("get_city", public(200)),
        row("update_city", admins(200)).body(|_, _| json!({"department": "Hauts-de-Seine (92)"})),
        // alliances: public profile, created by admins, edited by the coordinator,
        // archived by admins.
        row("list_alliances", public(200)),
        row("create_alliance", admins(201))
            .body(|c, _| json!({"city_id": c.a.city, "name": "A second alliance"})),
        row("get_alliance", public(200)),
        row("update_alliance", coordination(200))
            .case("profile")
            .body(|_, _| json!({"description": "Campus durables en ville durable"})),
        row("update_alliance", admins(200))
            .case("status")
            .body(|_, _| json!({"status": "archived"})),
        // partners: public reads, managed by the coordinator. `{partner_id}` is P.
        row("list_partners", public(200)),
        row("create_partner", coordination(201))
            .body(|_, who| json!({"name": format!("Crous, added by {who}"), "kind": "student_services"})),
        row("get_partner", public(200)),
        row("update_partner", coordination(200))
            .body(|_, _| json!({"description": "Association étudiante"})),
        // mandates: the members list is for insiders; `{mandate_id}` is the mandate
        // of P's representative.
        row("list_mandates", insiders(200)),
        row("create_mandate", coordination(201))
            .isolated()
            .body(|c, _| {
                json!({
                    "user_id": c.a.member_p.user, "partner_id": c.a.partner_q,
                    "role": "member", "starts_on": today()
                })
            }),
        row("get_mandate", insiders(200)),
        // The holder may write their own handover notes; nothing else.
        row("update_mandate", [401, 403, 403, 200, 403, 200, 403, 200])
            .case("handover notes, by the holder too")
            .isolated()
            .body(|_, _| json!({"handover_notes": "Les clés sont à l'accueil."})),
        row("update_mandate", coordination(200))
            .case("dates")
            .isolated()
            .body(|_, _| json!({"ends_on": fixture_day(200)})),
        row("delete_mandate", coordination(204)).isolated(),
        // A representative designates successors for their own partner's mandates.
        row("designate_successor", [401, 403, 403, 201, 403, 201, 403, 201])
            .isolated()
            .body(|_, _| json!({"email": "successor@example.org", "handover_notes": "Passation en juin."})),
        row("get_succession", insiders(200)),
        // invitations: the coordinator's business. `{invitation_id}` is pending.
        row("list_invitations", coordination(200)),
        row("create_invitation", coordination(201)).isolated().body(|c, _| {
            json!({"email": "invited.member@example.org", "partner_id": c.a.partner_p, "role": "member"})
        }),
        row("revoke_invitation", coordination(204))
            .isolated()
            .setup(Setup::Invitation),
        // charters: public reads, versions by the coordinator, signatures by
        // whoever speaks for the partner (an admin never signs for a partner).
        row("list_charters", public(200)),
        row("create_charter", coordination(201))
            .isolated()
            .body(|_, _| json!({"text": "Coopération, écoute, ouverture."})),
        row("sign_charter", [401, 403, 403, 201, 403, 403, 403, 403])
            .case("for partner P")
            .setup(Setup::Charter)
            .body(|c, _| json!({"partner_id": c.a.partner_p})),
        // Each signs for the one partner they speak for; a coordinator speaks for theirs.
        row("sign_charter", [401, 403, 403, 201, 201, 201, 403, 403])
            .case("for the caller's own partner")
            .setup(Setup::Charter)
            .body(|_, _| json!({})),
        // journal: the alliance's for insiders, the platform's for admins.
        row("list_alliance_journal", insiders(200)),
        row("verify_alliance_journal", insiders(200)),
        row("list_platform_journal", admins(200)),
        row("verify_platform_journal", admins(200)),
        // operations: probes and metrics are open.
        row("healthz", public(200)),
        row("readyz", public(200)),
        row("metrics", public(200)),
        row("root_healthz", public(200)),
        row("root_readyz", public(200)),
        row("root_metrics", public(200)),
    ]
}

/// The matrix runs in these groups of OpenAPI tags, one test each, so that they
/// run side by side. A tag in none of them fails `every_operation_has_a_matrix_row`.
const GROUPS: [&[&str]; 4] = [
    &["auth", "me", "users", "operations"],
    &["cities", "alliances", "partners", "journal"],
    &["mandates"],
    &["invitations", "charters"],
];

/// Applications built at once by one test.
const CONCURRENT_APPS: usize = 3;

fn fixture_day(days: i64) -> chrono::NaiveDate {
    agir_tests::fixture::days_from_today(days)
}

/// One operation of the document.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    path: String,
    tag: String,
}

/// Every operation of the OpenAPI document, by operationId.
fn operations() -> BTreeMap<String, Operation> {
    let doc: Value = serde_json::from_str(&agir_http::openapi().to_pretty_json().unwrap()).unwrap();
    let mut found = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap().to_owned();
            let tag = op["tags"][0].as_str().unwrap_or_default().to_owned();
            found.insert(
                id,
                Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    tag,
                },
            );
        }
    }
    found
}

/// An application with alliance A (and, when needed, alliance B) and what a row needs.
struct Ctx {
    app: TestApp,
    admin: Client,
    a: AllianceFixture,
    b: Option<AllianceFixture>,
    emails: BTreeMap<Who, String>,
    tokens: BTreeMap<Who, String>,
    invitation: Option<Uuid>,
    charter_version: Option<i64>,
}

impl Ctx {
    async fn new(setup: Setup, with_b: bool) -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let a = app.alliance_fixture(1).await;
        let b = if with_b {
            Some(app.alliance_fixture(2).await)
        } else {
            None
        };
        let mut ctx = Ctx {
            app,
            admin,
            a,
            b,
            emails: BTreeMap::new(),
            tokens: BTreeMap::new(),
            invitation: None,
            charter_version: None,
        };
        ctx.prepare(setup).await;
        ctx
    }

    /// The principals present in this application.
    fn present(&self) -> impl Iterator<Item = Who> + '_ {
        Who::ALL
            .into_iter()
            .filter(|w| *w != Who::OtherCoordinator || self.b.is_some())
    }

    async fn prepare(&mut self, setup: Setup) {
        let alliance = self.a.alliance;
        match setup {
            Setup::None => {}
            Setup::Emails => self.read_emails().await,
            Setup::Invitation => {
                let created = self
                    .admin
                    .post(&format!("/api/v1/alliances/{alliance}/invitations"))
                    .json(&json!({"email": "pending@example.org", "partner_id": self.a.partner_p, "role": "member"}))
                    .send()
                    .await;
                assert_eq!(created.status().as_u16(), 201, "{}", created.text());
                self.invitation = created.json::<Value>()["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok());
            }
            Setup::Charter => {
                let created = self
                    .admin
                    .post(&format!("/api/v1/alliances/{alliance}/charters"))
                    .json(&json!({"text": "Nos valeurs partagées."}))
                    .send()
                    .await;
                assert_eq!(created.status().as_u16(), 201, "{}", created.text());
                self.charter_version = created.json::<Value>()["version"].as_i64();
            }
            Setup::OwnInvitations => {
                self.read_emails().await;
                self.emails
                    .insert(Who::Anonymous, "newcomer@example.org".to_owned());
                let whos: Vec<Who> = self.present().collect();
                for who in whos {
                    let created = self
                        .admin
                        .post(&format!("/api/v1/alliances/{alliance}/invitations"))
                        .json(&json!({"email": self.email(who), "partner_id": self.a.partner_q, "role": "member"}))
                        .send()
                        .await;
                    assert_eq!(created.status().as_u16(), 201, "{}", created.text());
                    let token = created.json::<Value>()["token"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    self.tokens.insert(who, token);
                }
            }
            Setup::RefreshTokens => {
                self.read_emails().await;
                self.tokens
                    .insert(Who::Anonymous, "not-a-refresh-token".to_owned());
                let whos: Vec<Who> = self.present().filter(|w| *w != Who::Anonymous).collect();
                for who in whos {
                    let pair = self.app.login_tokens(&self.email(who)).await;
                    let token = pair["refresh_token"].as_str().unwrap().to_owned();
                    self.tokens.insert(who, token);
                }
            }
        }
    }

    async fn read_emails(&mut self) {
        let whos: Vec<Who> = self.present().filter(|w| *w != Who::Anonymous).collect();
        for who in whos {
            let me = self.client(who).get("/api/v1/me").send().await;
            assert_eq!(me.status().as_u16(), 200, "{}", me.text());
            let email = me.json::<Value>()["email"].as_str().unwrap().to_owned();
            self.emails.insert(who, email);
        }
    }

    fn email(&self, who: Who) -> String {
        self.emails
            .get(&who)
            .cloned()
            .unwrap_or_else(|| panic!("no email for {who}: the row needs a setup"))
    }

    fn token(&self, who: Who) -> String {
        self.tokens
            .get(&who)
            .cloned()
            .unwrap_or_else(|| panic!("no token for {who}: the row needs a setup"))
    }

    fn client(&self, who: Who) -> Client {
        match who {
            Who::Anonymous => self.app.anonymous(),
            Who::Observer => self.a.observer_p.client.clone(),
            Who::Member => self.a.member_p.client.clone(),
            Who::Representative => self.a.representative_p.client.clone(),
            Who::OtherRepresentative => self.a.representative_q.client.clone(),
            Who::Coordinator => self.a.coordinator.client.clone(),
            Who::OtherCoordinator => self
                .b
                .as_ref()
                .unwrap_or_else(|| panic!("alliance B is built for its coordinator"))
                .coordinator
                .client
                .clone(),
            Who::Admin => self.admin.clone(),
        }
    }

    /// Fills the placeholders of a documented path. A new placeholder needs a value here.
    fn resolve(&self, template: &str, who: Who) -> String {
        let mut path = String::new();
        let mut previous = "";
        for segment in template.split('/').skip(1) {
            let value = match segment {
                "{id}" => match previous {
                    "alliances" => self.a.alliance.to_string(),
                    "cities" => self.a.city.to_string(),
                    "users" => self.a.member_p.user.to_string(),
                    other => panic!("{template}: no value for {{id}} after {other}"),
                },
                "{partner_id}" => self.a.partner_p.to_string(),
                "{mandate_id}" => self.a.representative_p.mandate.to_string(),
                "{invitation_id}" => self
                    .invitation
                    .unwrap_or_else(|| panic!("{{invitation_id}} needs Setup::Invitation"))
                    .to_string(),
                "{version}" => self
                    .charter_version
                    .unwrap_or_else(|| panic!("{{version}} needs Setup::Charter"))
                    .to_string(),
                "{token}" => self.token(who),
                s if s.starts_with('{') => {
                    panic!("{template}: no value for {s}: add one to Ctx::resolve")
                }
                s => s.to_owned(),
            };
            path.push('/');
            path.push_str(&value);
            previous = segment;
        }
        path
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The calls of one row on one application.
struct Run<'a> {
    row: &'a Row,
    op: &'a Operation,
    whos: Vec<Who>,
}

/// Runs the calls and returns the mismatches.
async fn run(run: Run<'_>) -> Vec<String> {
    let Run { row, op, whos } = run;
    let ctx = Ctx::new(row.setup, whos.contains(&Who::OtherCoordinator)).await;
    let method = Method::from_bytes(op.method.as_bytes()).unwrap();
    let mut mismatches = Vec::new();
    for who in whos {
        let path = ctx.resolve(&op.path, who);
        let mut request = ctx.client(who).method(method.clone(), &path);
        if let Some(body) = row.body {
            request = request.json(&body(&ctx, who));
        }
        let response = request.send().await;
        let expected = row.expect[who.index()];
        let actual = response.status().as_u16();
        if actual != expected {
            let mut text = response.text();
            text.truncate(300);
            mismatches.push(format!(
                "{} {} {path} as {who}: expected {expected}, got {actual}: {text}",
                row.label(),
                op.method,
            ));
        }
    }
    mismatches
}

/// Splits a row into runs: refused callers first on a shared application, and each
/// success on its own application when the row is isolated.
fn runs<'a>(row: &'a Row, op: &'a Operation) -> Vec<Run<'a>> {
    let mut whos: Vec<Who> = Who::ALL.to_vec();
    // Refused calls first: they must leave nothing behind for the others to see.
    whos.sort_by_key(|w| is_success(row.expect[w.index()]));
    if !row.isolated {
        return vec![Run { row, op, whos }];
    }
    let (successes, refused): (Vec<Who>, Vec<Who>) = whos
        .into_iter()
        .partition(|w| is_success(row.expect[w.index()]));
    let mut runs = vec![Run {
        row,
        op,
        whos: refused,
    }];
    runs.extend(successes.into_iter().map(|who| Run {
        row,
        op,
        whos: vec![who],
    }));
    runs.retain(|r| !r.whos.is_empty());
    runs
}

/// Runs the rows of the operations of some tags and fails with every mismatch.
async fn check_group(tags: &[&str]) {
    let operations = operations();
    let table = rows();
    let mut planned = Vec::new();
    let mut checks = 0;
    for row in &table {
        let Some(op) = operations.get(row.op) else {
            continue;
        };
        if tags.contains(&op.tag.as_str()) {
            checks += Who::ALL.len();
            planned.extend(runs(row, op));
        }
    }
    assert!(checks > 0, "no rows for {tags:?}");
    let mismatches: Vec<String> = futures_util::stream::iter(planned)
        .map(run)
        .buffer_unordered(CONCURRENT_APPS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {checks} authorization checks failed:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_operation_has_a_matrix_row() {
    let operations = operations();
    let table = rows();
    let with_rows: BTreeSet<&str> = table.iter().map(|r| r.op).collect();
    let grouped: BTreeSet<&str> = GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
    let mut problems = Vec::new();
    for (id, op) in &operations {
        if !with_rows.contains(id.as_str()) {
            problems.push(format!(
                "{id} ({} {}) has no row in tests/api/matrix.rs",
                op.method, op.path
            ));
        }
        if !grouped.contains(op.tag.as_str()) {
            problems.push(format!("{id}: its tag {:?} is in no GROUPS entry", op.tag));
        }
    }
    for id in with_rows {
        if !operations.contains_key(id) {
            problems.push(format!("row {id} names no operation of the document"));
        }
    }
    let mut labels = BTreeSet::new();
    for row in &table {
        if !labels.insert(row.label()) {
            problems.push(format!("two rows named {}", row.label()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[actix_web::test]
async fn matrix_auth_me_users_and_operations() {
    check_group(GROUPS[0]).await;
}

#[actix_web::test]
async fn matrix_cities_alliances_partners_and_journal() {
    check_group(GROUPS[1]).await;
}

#[actix_web::test]
async fn matrix_mandates() {
    check_group(GROUPS[2]).await;
}

#[actix_web::test]
async fn matrix_invitations_and_charters() {
    check_group(GROUPS[3]).await;
}

/// SPEC §3: a resource of alliance B is not found through alliance A's path, even by
/// those who may act on it in B, and a body of A naming a partner of B is invalid.
#[actix_web::test]
async fn ids_of_another_alliance_are_not_found_or_invalid() {
    let ctx = Ctx::new(Setup::None, true).await;
    let (a, b) = (&ctx.a, ctx.b.as_ref().unwrap());
    let invited = ctx
        .admin
        .post(&format!("/api/v1/alliances/{}/invitations", b.alliance))
        .json(&json!({"email": "pending@example.org", "partner_id": b.partner_p, "role": "member"}))
        .send()
        .await;
    assert_eq!(invited.status().as_u16(), 201, "{}", invited.text());
    let b_invitation = invited.json::<Value>()["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/alliances/{}", a.alliance);
    let (b_partner, b_mandate) = (b.partner_p, b.representative_p.mandate);

    let anonymous = ("anonymous", ctx.app.anonymous());
    let coordinator = ("coordinator of A", a.coordinator.client.clone());
    let admin = ("platform admin", ctx.admin.clone());
    // The holder of B's mandate, who speaks for its partner in B.
    let holder = (
        "representative of P in B",
        b.representative_p.client.clone(),
    );
    let managers = vec![coordinator.clone(), admin.clone()];
    let with_holder = vec![coordinator.clone(), admin.clone(), holder];

    struct Check {
        method: Method,
        path: String,
        body: Option<Value>,
        callers: Vec<(&'static str, Client)>,
        expected: u16,
    }
    let check = |method: Method,
                 path: String,
                 body: Option<Value>,
                 callers: &Vec<(&'static str, Client)>,
                 expected| Check {
        method,
        path,
        body,
        callers: callers.clone(),
        expected,
    };
    let checks = vec![
        // Paths of A naming a resource of B: 404.
        check(
            Method::GET,
            format!("{base}/partners/{b_partner}"),
            None,
            &vec![anonymous, coordinator.clone(), admin.clone()],
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/partners/{b_partner}"),
            Some(json!({"description": "Taken over"})),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/mandates/{b_mandate}"),
            None,
            &with_holder,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/mandates/{b_mandate}"),
            Some(json!({"handover_notes": "Notes"})),
            &with_holder,
            404,
        ),
        check(
            Method::DELETE,
            format!("{base}/mandates/{b_mandate}"),
            None,
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/mandates/{b_mandate}/successor"),
            Some(json!({"email": "successor@example.org"})),
            &with_holder,
            404,
        ),
        check(
            Method::DELETE,
            format!("{base}/invitations/{b_invitation}"),
            None,
            &managers,
            404,
        ),
        // Bodies of A naming a partner of B: 422.
        check(
            Method::POST,
            format!("{base}/mandates"),
            Some(json!({
                "user_id": a.member_p.user, "partner_id": b_partner, "role": "member", "starts_on": today()
            })),
            &managers,
            422,
        ),
        check(
            Method::POST,
            format!("{base}/invitations"),
            Some(
                json!({"email": "someone@example.org", "partner_id": b_partner, "role": "member"}),
            ),
            &managers,
            422,
        ),
    ];

    let mut mismatches = Vec::new();
    let mut count = 0;
    for c in &checks {
        for (who, client) in &c.callers {
            count += 1;
            let mut request = client.method(c.method.clone(), &c.path);
            if let Some(body) = &c.body {
                request = request.json(body);
            }
            let response = request.send().await;
            let actual = response.status().as_u16();
            if actual != c.expected {
                mismatches.push(format!(
                    "{} {} as {who}: expected {}, got {actual}: {}",
                    c.method,
                    c.path,
                    c.expected,
                    response.text()
                ));
            } else if actual == 422 {
                let problem: Value = response.json();
                assert_eq!(problem["errors"][0]["field"], "partner_id", "{problem}");
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {count} checks failed:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );

    // Filtering A's members list by a partner of B finds nothing.
    let filtered = a
        .coordinator
        .client
        .get(&format!("{base}/mandates?partner_id={b_partner}"))
        .send()
        .await;
    assert_eq!(filtered.status().as_u16(), 200, "{}", filtered.text());
    assert_eq!(filtered.json::<Value>()["items"], json!([]));
}
