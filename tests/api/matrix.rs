//! The authorization matrix (SPEC §3): every operation of the OpenAPI document,
//! called as each principal, must answer the status its row says.
//!
//! The list of operations comes from the document itself, so an operation added
//! without a row fails `every_operation_has_a_matrix_row`. To extend the table, add
//! rows to [`rows`] (and values for new path placeholders to [`Ctx::resolve`]); an
//! operation may have several rows (`case`) when one body cannot show every rule.
//! A row chooses which plan its path names with `at` (see [`At`]: plans of each
//! phase, each with an action proposed by P, its indicator, a measurement recorded
//! for P and a comment by P's member), whose mandate with `mandate_of`, and may add
//! a query string per caller with `query`.
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
use agir_http::routes::actions::{CreateActionRequest, UpdateActionRequest};
use agir_http::routes::alliances::{CreateAllianceRequest, UpdateAllianceRequest};
use agir_http::routes::auth::{LoginRequest, RefreshRequest};
use agir_http::routes::charters::{CreateCharterRequest, SignCharterRequest};
use agir_http::routes::cities::{CreateCityRequest, UpdateCityRequest};
use agir_http::routes::comments::{CommentRequest, EndorseRequest};
use agir_http::routes::events::{CreateEventRequest, UpdateEventRequest};
use agir_http::routes::invitations::{AcceptInvitationRequest, CreateInvitationRequest};
use agir_http::routes::labels::{ApplyLabelRequest, DecideLabelRequest};
use agir_http::routes::mandates::{
    CreateMandateRequest, DesignateSuccessorRequest, UpdateMandateRequest,
};
use agir_http::routes::me::{ChangePasswordRequest, UpdateMeRequest};
use agir_http::routes::partners::{CreatePartnerRequest, UpdatePartnerRequest};
use agir_http::routes::plans::{
    CarryOverRequest, CreatePlanRequest, TransitionRequest, UpdatePlanRequest,
};
use agir_http::routes::results::{CreateIndicatorRequest, CreateMeasurementRequest, ReviewRequest};
use agir_http::routes::users::{CreateUserRequest, UpdateUserRequest};
use agir_http::routes::votes::{CastBallotRequest, CreateVoteRequest, UpdateVoteRequest};
use agir_tests::app::PASSWORD;
use agir_tests::fixture::today;
use agir_tests::{AllianceFixture, Client, TestApp};
use futures_util::StreamExt;
use serde::Serialize;
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
    /// The plan of alliance A that [`At`] describes, with its action and results;
    /// for the adopted plan, the joint action too, and P, Q and the city partner
    /// endorse P's action. Only that plan, to keep applications cheap.
    Plans(At),
    /// An event of alliance A: `{event_id}`.
    Event,
    /// A vote of alliance A on a question: `{vote_id}`.
    Vote(Vote),
    /// A label of alliance A for 2026-2027, applied for by its coordinator:
    /// `{label_id}`.
    Label(Label),
}

/// Where the label `{label_id}` names stands ([`Setup::Label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// Applied for, not decided yet.
    Applied,
    /// Granted by the platform admin.
    Granted,
}

/// The vote `{vote_id}` names ([`Setup::Vote`]): a `consent` question with a
/// `simple` threshold and live results, created by the coordinator, so that every
/// partner (or every member) of the fixture is in its electorate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    /// Open; one ballot per partner, cast by whoever speaks for it.
    Partners,
    /// Open; one ballot per person with a mandate other than observer.
    Members,
    /// Opens tomorrow: its settings may still change.
    Scheduled,
    /// Closed early by the coordinator.
    Closed,
}

/// The plan, and in it the action and its results, that a row's path names
/// (`{plan_id}`, `{action_id}`, `{indicator_id}`, `{measurement_id}`, `{comment_id}`),
/// built by [`Setup::Plans`]. Each plan's action was proposed by P's member for P (P leads
/// it) while the plan was in draft; it has an indicator, a measurement with
/// evidence recorded by P's member for P, and a comment by P's member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum At {
    /// The plan of 2026-2027, in `draft`: private.
    Draft,
    /// The plan of 2028-2029, in `consultation`: private.
    Consultation,
    /// The plan of 2027-2028, in `voting`: private.
    Voting,
    /// The plan of 2025-2026, `adopted` (so is its action): public.
    Adopted,
    /// The plan of 2024-2025, `closed`: public, its actions no longer change.
    Closed,
    /// In the adopted plan, the joint action: proposed by Q's representative for Q,
    /// led by the city partner, P contributing; with an indicator (no measurement).
    Joint,
}

type Body = fn(&Ctx, Who) -> Value;

/// A query string (without `?`) for a caller.
type Query = fn(&Ctx, Who) -> String;

/// One row of the matrix.
struct Row {
    op: &'static str,
    /// What this row shows, when an operation has several.
    case: &'static str,
    expect: Expect,
    body: Option<Body>,
    query: Option<Query>,
    setup: Setup,
    isolated: bool,
    /// The plan the path names.
    at: At,
    /// The holder of the mandate `{mandate_id}` names.
    mandate_of: Who,
    /// The vote `{vote_id}` names.
    vote: Vote,
}

fn row(op: &'static str, expect: Expect) -> Row {
    Row {
        op,
        case: "",
        expect,
        body: None,
        query: None,
        setup: Setup::None,
        isolated: false,
        at: At::Adopted,
        mandate_of: Who::Representative,
        vote: Vote::Partners,
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

    fn query(mut self, query: Query) -> Self {
        self.query = Some(query);
        self
    }

    fn setup(mut self, setup: Setup) -> Self {
        self.setup = setup;
        self
    }

    /// The plan the path names (built by [`Setup::Plans`]).
    fn at(mut self, at: At) -> Self {
        self.setup = Setup::Plans(at);
        self.at = at;
        self
    }

    /// The vote the path names (built by [`Setup::Vote`]).
    fn vote(mut self, vote: Vote) -> Self {
        self.setup = Setup::Vote(vote);
        self.vote = vote;
        self
    }

    /// The mandate the path names: the one of this principal.
    fn mandate_of(mut self, holder: Who) -> Self {
        self.mandate_of = holder;
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
                Who::Anonymous => wire(LoginRequest {
                    email: c.email(Who::Coordinator),
                    password: "not the password".into(),
                }),
                _ => wire(LoginRequest {
                    email: c.email(who),
                    password: PASSWORD.into(),
                }),
            }),
        row("refresh_tokens", [401, 200, 200, 200, 200, 200, 200, 200])
            .case("own refresh token; anonymous: an invalid one")
            .setup(Setup::RefreshTokens)
            .body(|c, who| {
                wire(RefreshRequest {
                    refresh_token: c.token(who),
                })
            }),
        // Logging out answers 204 even for an unknown token (retries are safe).
        row("logout", public(204))
            .case("own refresh token; anonymous: an invalid one")
            .setup(Setup::RefreshTokens)
            .body(|c, who| {
                wire(RefreshRequest {
                    refresh_token: c.token(who),
                })
            }),
        // me: the caller's own account.
        row("get_me", signed_in(200)),
        row("update_me", signed_in(200)).body(|_, who| {
            wire(UpdateMeRequest {
                display_name: Some(format!("{who}")),
            })
        }),
        row("change_password", signed_in(204)).body(|_, _| {
            wire(ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password: "another long enough password".into(),
            })
        }),
        // Accepting needs no mandate: the token and, for an account, its email decide.
        row("accept_invitation", public(201))
            .case("an invitation sent to the caller's own email; anonymous: a new account")
            .setup(Setup::OwnInvitations)
            .body(|_, who| match who {
                Who::Anonymous => wire(AcceptInvitationRequest {
                    display_name: Some("Inès Moreau".into()),
                    password: Some("a long enough password".into()),
                }),
                _ => wire(AcceptInvitationRequest::default()),
            }),
        // users: platform admins. `{id}` is the member of P's account.
        row("list_users", admins(200)),
        row("create_user", admins(201)).body(|_, _| {
            wire(CreateUserRequest {
                email: "new.account@example.org".into(),
                display_name: "New account".into(),
                password: "a long enough password".into(),
                is_admin: false,
            })
        }),
        row("get_user", admins(200)),
        row("update_user", admins(200)).body(|_, _| {
            wire(UpdateUserRequest {
                display_name: Some("Renamed".into()),
                ..UpdateUserRequest::default()
            })
        }),
        // cities: public reads, admin writes. `{id}` is alliance A's city.
        row("list_cities", public(200)),
        row("create_city", admins(201)).body(|_, _| {
            wire(CreateCityRequest {
                name: "Rennes".into(),
                insee_code: "35238".into(),
                department: "Ille-et-Vilaine".into(),
                region: "Bretagne".into(),
            })
        }),
        row("get_city", public(200)),
        row("update_city", admins(200)).body(|_, _| {
            wire(UpdateCityRequest {
                department: Some("Hauts-de-Seine (92)".into()),
                ..UpdateCityRequest::default()
            })
        }),
        // alliances: public profile, created by admins, edited by the coordinator,
        // archived by admins.
        row("list_alliances", public(200)),
        row("create_alliance", admins(201)).body(|c, _| {
            wire(CreateAllianceRequest {
                city_id: c.a.city,
                name: "A second alliance".into(),
                ..CreateAllianceRequest::default()
            })
        }),
        row("get_alliance", public(200)),
        row("update_alliance", coordination(200))
            .case("profile")
            .body(|_, _| {
                wire(UpdateAllianceRequest {
                    description: Some("Campus durables en ville durable".into()),
                    ..UpdateAllianceRequest::default()
                })
            }),
        row("update_alliance", admins(200))
            .case("status")
            .body(|_, _| {
                wire(UpdateAllianceRequest {
                    status: Some("archived".into()),
                    ..UpdateAllianceRequest::default()
                })
            }),
        // partners: public reads, managed by the coordinator. `{partner_id}` is P.
        row("list_partners", public(200)),
        row("create_partner", coordination(201)).body(|_, who| {
            wire(CreatePartnerRequest {
                name: format!("Crous, added by {who}"),
                kind: "student_services".into(),
                ..CreatePartnerRequest::default()
            })
        }),
        row("get_partner", public(200)),
        row("update_partner", coordination(200)).body(|_, _| {
            wire(UpdatePartnerRequest {
                description: Some("Association étudiante".into()),
                ..UpdatePartnerRequest::default()
            })
        }),
        // mandates: the members list is for insiders; `{mandate_id}` is the mandate
        // of P's representative.
        row("list_mandates", insiders(200)),
        row("create_mandate", coordination(201))
            .isolated()
            .body(|c, _| {
                wire(CreateMandateRequest {
                    user_id: c.a.member_p.user,
                    partner_id: c.a.partner_q,
                    role: "member".into(),
                    starts_on: today(),
                    ..CreateMandateRequest::default()
                })
            }),
        row("get_mandate", insiders(200)),
        // The holder may write their own handover notes; nothing else.
        row("update_mandate", [401, 403, 403, 200, 403, 200, 403, 200])
            .case("handover notes, by the holder too")
            .isolated()
            .body(|_, _| {
                wire(UpdateMandateRequest {
                    handover_notes: Some(Some("Les clés sont à l'accueil.".into())),
                    ..UpdateMandateRequest::default()
                })
            }),
        row("update_mandate", coordination(200))
            .case("dates")
            .isolated()
            .body(|_, _| {
                wire(UpdateMandateRequest {
                    ends_on: Some(Some(fixture_day(200))),
                    ..UpdateMandateRequest::default()
                })
            }),
        row("delete_mandate", coordination(204)).isolated(),
        // A representative designates the successor of their own mandate only; the
        // coordinator and admins of any mandate.
        row(
            "designate_successor",
            [401, 403, 403, 201, 403, 201, 403, 201],
        )
        .case("the representative's own mandate")
        .isolated()
        .body(successor),
        row("designate_successor", coordination(201))
            .case("the mandate of P's member: not the representative's own")
            .mandate_of(Who::Member)
            .isolated()
            .body(successor),
        row("designate_successor", coordination(201))
            .case("the coordinator's mandate")
            .mandate_of(Who::Coordinator)
            .isolated()
            .body(successor),
        row("get_succession", insiders(200)),
        // invitations: the coordinator's business. `{invitation_id}` is pending.
        row("list_invitations", coordination(200)),
        row("create_invitation", coordination(201))
            .isolated()
            .body(|c, _| {
                wire(CreateInvitationRequest {
                    email: "invited.member@example.org".into(),
                    partner_id: c.a.partner_p,
                    role: "member".into(),
                    ..CreateInvitationRequest::default()
                })
            }),
        row("revoke_invitation", coordination(204))
            .isolated()
            .setup(Setup::Invitation),
        // charters: public reads, versions by the coordinator, signatures by
        // whoever speaks for the partner (an admin never signs for a partner).
        row("list_charters", public(200)),
        row("create_charter", coordination(201))
            .isolated()
            .body(|_, _| {
                wire(CreateCharterRequest {
                    text: "Coopération, écoute, ouverture.".into(),
                    make_current: true,
                })
            }),
        row("sign_charter", [401, 403, 403, 201, 403, 403, 403, 403])
            .case("for partner P")
            .setup(Setup::Charter)
            .body(|c, _| {
                wire(SignCharterRequest {
                    partner_id: Some(c.a.partner_p),
                })
            }),
        // Each signs for the one partner they speak for; a coordinator speaks for theirs.
        row("sign_charter", [401, 403, 403, 201, 201, 201, 403, 403])
            .case("for the caller's own partner")
            .setup(Setup::Charter)
            .body(|_, _| wire(SignCharterRequest::default())),
        // plans: adopted and closed plans are public, earlier phases are for insiders;
        // the coordinator creates plans and moves them through their phases.
        row("list_plans", public(200)).at(At::Draft),
        row("create_plan", coordination(201)).body(|_, who| {
            wire(CreatePlanRequest {
                academic_year: year_of(who).into(),
                title: Some(format!("Plan de {who}")),
                ..CreatePlanRequest::default()
            })
        }),
        row("get_plan", insiders(200)).case("draft").at(At::Draft),
        row("get_plan", insiders(200)).case("voting").at(At::Voting),
        row("get_plan", public(200)).case("adopted").at(At::Adopted),
        row("get_plan", public(200)).case("closed").at(At::Closed),
        row("update_plan", coordination(200))
            .at(At::Draft)
            .body(|_, _| {
                wire(UpdatePlanRequest {
                    description: Some("Co-construit avec les partenaires".into()),
                    ..UpdatePlanRequest::default()
                })
            }),
        row("transition_plan", coordination(200))
            .case("draft to consultation")
            .at(At::Draft)
            .isolated()
            .body(|_, _| wire(transition_to("consultation"))),
        row("carry_over_plan", coordination(201))
            .case("from the adopted plan")
            .at(At::Adopted)
            .body(|_, who| {
                wire(CarryOverRequest {
                    to_academic_year: year_of(who).into(),
                })
            }),
        // actions: readable with their plan; proposed by anyone taking part (observers
        // do not), for a partner they take part for, while the plan is in draft or
        // consultation; added to an adopted plan by the coordinator only; never while
        // voting or once closed (409 for those who could otherwise).
        row("list_actions", insiders(200))
            .case("draft")
            .at(At::Draft),
        row("list_actions", public(200))
            .case("adopted")
            .at(At::Adopted),
        row("create_action", [401, 403, 201, 201, 201, 201, 403, 201])
            .case("draft plan, for the caller's own partner")
            .at(At::Draft)
            .body(proposal),
        row("create_action", [401, 403, 201, 201, 403, 403, 403, 201])
            .case("draft plan, for partner P")
            .at(At::Draft)
            .body(|c, who| {
                wire(CreateActionRequest {
                    proposing_partner_id: Some(c.a.partner_p),
                    ..food_action(format!("Proposée par {who}"))
                })
            }),
        row("create_action", [401, 403, 201, 201, 201, 201, 403, 201])
            .case("plan in consultation, for the caller's own partner")
            .at(At::Consultation)
            .body(proposal),
        row("create_action", [401, 403, 409, 409, 409, 409, 403, 409])
            .case("plan in voting, for the caller's own partner")
            .at(At::Voting)
            .body(proposal),
        row("create_action", [401, 403, 409, 409, 409, 201, 403, 201])
            .case("adopted plan, for the caller's own partner")
            .at(At::Adopted)
            .body(proposal),
        row("create_action", [401, 403, 409, 409, 409, 409, 403, 409])
            .case("closed plan, for the caller's own partner")
            .at(At::Closed)
            .body(proposal),
        row("get_action", insiders(200)).case("draft").at(At::Draft),
        row("get_action", public(200))
            .case("adopted")
            .at(At::Adopted),
        // Editing and progress: the partner that proposed or leads the action, the
        // coordinator and admins; deciding on a proposal: the coordinator and admins.
        row("update_action", [401, 403, 200, 200, 403, 200, 403, 200])
            .case("draft plan, P's action")
            .at(At::Draft)
            .body(|_, _| {
                wire(UpdateActionRequest {
                    description: Some("Un composteur de plus".into()),
                    ..UpdateActionRequest::default()
                })
            }),
        row("update_action", [401, 403, 200, 200, 403, 200, 403, 200])
            .case("adopted plan, P's action: progress")
            .at(At::Adopted)
            .body(|_, _| {
                wire(UpdateActionRequest {
                    status: Some("in_progress".into()),
                    ..UpdateActionRequest::default()
                })
            }),
        row("update_action", coordination(200))
            .case("draft plan, adopting P's proposal")
            .at(At::Draft)
            .body(|_, _| {
                wire(UpdateActionRequest {
                    status: Some("adopted".into()),
                    ..UpdateActionRequest::default()
                })
            }),
        row("update_action", [401, 403, 403, 403, 200, 200, 403, 200])
            .case("the joint action: P only contributes")
            .at(At::Joint)
            .body(|_, _| {
                wire(UpdateActionRequest {
                    description: Some("Avec la ville".into()),
                    ..UpdateActionRequest::default()
                })
            }),
        row("update_action", [401, 403, 409, 409, 403, 409, 403, 409])
            .case("closed plan, P's action")
            .at(At::Closed)
            .body(|_, _| {
                wire(UpdateActionRequest {
                    description: Some("Trop tard".into()),
                    ..UpdateActionRequest::default()
                })
            }),
        // comments: private even on a public action; by anyone taking part; changed
        // by their author, deleted by their author or an admin. `{comment_id}` is
        // the comment of P's member.
        row("list_comments", insiders(200)).at(At::Adopted),
        row("create_comment", [401, 403, 201, 201, 201, 201, 403, 201])
            .at(At::Adopted)
            .body(|_, who| {
                wire(CommentRequest {
                    body: format!("Avis de {who}"),
                })
            }),
        row("update_comment", [401, 403, 200, 403, 403, 403, 403, 403])
            .at(At::Adopted)
            .body(|_, _| {
                wire(CommentRequest {
                    body: "Avis corrigé".into(),
                })
            }),
        row("delete_comment", [401, 403, 204, 403, 403, 403, 403, 204])
            .at(At::Adopted)
            .isolated(),
        // endorsements: whoever speaks for the partner (an admin never does).
        row("endorse_action", [401, 403, 403, 204, 403, 403, 403, 403])
            .case("for partner P")
            .at(At::Draft)
            .body(|c, _| {
                wire(EndorseRequest {
                    partner_id: Some(c.a.partner_p),
                })
            }),
        row("endorse_action", [401, 403, 403, 204, 204, 204, 403, 403])
            .case("for the caller's own partner")
            .at(At::Draft)
            .body(|c, who| {
                wire(EndorseRequest {
                    partner_id: Some(own_partner(c, who)),
                })
            }),
        row("endorse_action", [401, 403, 403, 409, 409, 409, 403, 403])
            .case("closed plan, for the caller's own partner")
            .at(At::Closed)
            .body(|c, who| {
                wire(EndorseRequest {
                    partner_id: Some(own_partner(c, who)),
                })
            }),
        // P, Q and the city partner endorse the adopted plan's action.
        row(
            "withdraw_endorsement",
            [401, 403, 403, 204, 403, 403, 403, 403],
        )
        .case("P's endorsement")
        .at(At::Adopted)
        .query(|c, _| format!("partner_id={}", c.a.partner_p)),
        row(
            "withdraw_endorsement",
            [401, 403, 403, 204, 204, 204, 403, 403],
        )
        .case("the caller's own partner's endorsement")
        .at(At::Adopted)
        .query(|c, who| format!("partner_id={}", own_partner(c, who))),
        // results: indicators and measurements are read with their action; indicators
        // are added by those who may edit the action; measurements recorded for a
        // partner taking part (proposing, lead, contributing) by its members, the
        // coordinator and admins; reviewed by whoever speaks for another partner
        // than the recorder's.
        row("list_indicators", insiders(200))
            .case("draft")
            .at(At::Draft),
        row("list_indicators", public(200))
            .case("adopted")
            .at(At::Adopted),
        row("create_indicator", [401, 403, 201, 201, 403, 201, 403, 201])
            .case("P's action")
            .at(At::Adopted)
            .body(|_, who| {
                wire(CreateIndicatorRequest {
                    name: Some(format!("Mesure de {who}")),
                    unit: Some("kg".into()),
                    target: Some(50.0),
                    ..CreateIndicatorRequest::default()
                })
            }),
        row("create_indicator", [401, 403, 409, 409, 403, 409, 403, 409])
            .case("closed plan, P's action")
            .at(At::Closed)
            .body(|_, who| {
                wire(CreateIndicatorRequest {
                    name: Some(format!("Mesure de {who}")),
                    unit: Some("kg".into()),
                    ..CreateIndicatorRequest::default()
                })
            }),
        row("list_measurements", insiders(200))
            .case("draft")
            .at(At::Draft),
        row("list_measurements", public(200))
            .case("adopted")
            .at(At::Adopted),
        row(
            "create_measurement",
            [401, 403, 201, 201, 403, 201, 403, 201],
        )
        .case("for P, which proposed and leads the action")
        .at(At::Adopted)
        .body(|c, _| measurement(c.a.partner_p)),
        row(
            "create_measurement",
            [401, 403, 201, 201, 201, 201, 403, 201],
        )
        .case("the joint action, for the caller's own partner")
        .at(At::Joint)
        .body(|c, who| measurement(own_partner(c, who))),
        // Naming a partner that takes no part in the action is an invalid body (422,
        // `partner_id`: `not_participating`) for those who may act for that partner (Q's
        // representative, the coordinator, admins); the others have no right (403).
        row(
            "create_measurement",
            [401, 403, 403, 403, 422, 422, 403, 422],
        )
        .case("for Q, which takes no part in the action")
        .at(At::Adopted)
        .body(|c, _| measurement(c.a.partner_q)),
        row(
            "create_measurement",
            [401, 403, 201, 201, 403, 201, 403, 201],
        )
        .case("draft plan, for P")
        .at(At::Draft)
        .body(|c, _| measurement(c.a.partner_p)),
        row(
            "create_measurement",
            [401, 403, 409, 409, 403, 409, 403, 409],
        )
        .case("closed plan, for P")
        .at(At::Closed)
        .body(|c, _| measurement(c.a.partner_p)),
        // `{measurement_id}` was recorded for P.
        row(
            "review_measurement",
            [401, 403, 403, 403, 200, 200, 403, 403],
        )
        .case("for the caller's own partner")
        .at(At::Adopted)
        .body(|_, _| {
            wire(ReviewRequest {
                verdict: "confirm".into(),
                ..ReviewRequest::default()
            })
        }),
        row(
            "review_measurement",
            [401, 403, 403, 403, 403, 403, 403, 403],
        )
        .case("for P, the recorder's partner")
        .at(At::Adopted)
        .body(|c, _| {
            wire(ReviewRequest {
                verdict: "dispute".into(),
                reason: Some("Pesée incomplète".into()),
                partner_id: Some(c.a.partner_p),
            })
        }),
        row(
            "review_measurement",
            [401, 403, 403, 403, 409, 409, 403, 403],
        )
        .case("closed plan, for the caller's own partner")
        .at(At::Closed)
        .body(|_, _| {
            wire(ReviewRequest {
                verdict: "confirm".into(),
                ..ReviewRequest::default()
            })
        }),
        // events: public, managed by the coordinator.
        row("list_events", public(200)).setup(Setup::Event),
        row("create_event", coordination(201))
            .body(|_, who| wire(forum(format!("Forum, par {who}")))),
        row("get_event", public(200)).setup(Setup::Event),
        row("update_event", coordination(200))
            .setup(Setup::Event)
            .body(|_, _| {
                wire(UpdateEventRequest {
                    attendance: Some(Some(42)),
                    ..UpdateEventRequest::default()
                })
            }),
        row("delete_event", coordination(204))
            .setup(Setup::Event)
            .isolated(),
        // votes: for insiders; opened and closed by the coordinator; a partners'
        // ballot is cast by whoever speaks for the partner, a members' ballot by
        // anyone taking part; an admin never votes. Ballots on a vote that is not
        // open are 409 for those who could otherwise cast them.
        row("list_votes", insiders(200)).vote(Vote::Partners),
        row("create_vote", coordination(201)).body(|_, who| {
            wire(CreateVoteRequest {
                title: format!("Question de {who}"),
                subject: "question".into(),
                method: "consent".into(),
                electorate: "partners".into(),
                quorum_percent: 50,
                threshold: Some("simple".into()),
                closes_at: chrono::Utc::now() + chrono::Duration::days(7),
                ..CreateVoteRequest::default()
            })
        }),
        row("get_vote", insiders(200)).vote(Vote::Partners),
        row("update_vote", coordination(200))
            .case("scheduled")
            .vote(Vote::Scheduled)
            .body(|_, _| {
                wire(UpdateVoteRequest {
                    title: Some("Question reformulée".into()),
                    ..UpdateVoteRequest::default()
                })
            }),
        row("cast_ballot", [401, 403, 403, 201, 201, 201, 403, 403])
            .case("partners' vote, for the caller's own partner")
            .vote(Vote::Partners)
            .body(|_, _| wire(choice("for"))),
        row("cast_ballot", [401, 403, 403, 201, 403, 403, 403, 403])
            .case("partners' vote, for partner P")
            .vote(Vote::Partners)
            .body(|c, _| {
                wire(CastBallotRequest {
                    partner_id: Some(c.a.partner_p),
                    ..choice("against")
                })
            }),
        row("cast_ballot", [401, 403, 201, 201, 201, 201, 403, 403])
            .case("members' vote")
            .vote(Vote::Members)
            .body(|_, _| wire(choice("abstain"))),
        // The right to vote is checked before the vote's state, as for proposals to
        // a voting or closed plan: an observer (and, on a partners' vote, a member)
        // gets 403, those who may vote 409.
        row("cast_ballot", [401, 403, 409, 409, 409, 409, 403, 403])
            .case("members' vote, scheduled")
            .vote(Vote::Scheduled)
            .body(|_, _| wire(choice("for"))),
        row("cast_ballot", [401, 403, 403, 409, 409, 409, 403, 403])
            .case("partners' vote, closed")
            .vote(Vote::Closed)
            .body(|_, _| wire(choice("for"))),
        row("close_vote_early", coordination(200))
            .vote(Vote::Partners)
            .isolated(),
        row("get_vote_results", insiders(200))
            .case("open, live results")
            .vote(Vote::Partners),
        // labels: granted ones are public (members see every application); applied
        // for by the coordinator, decided by platform admins. `{label_id}` is A's
        // label of 2026-2027.
        row("list_labels", public(200)).setup(Setup::Label(Label::Granted)),
        row("apply_for_label", coordination(201)).body(|_, who| {
            wire(ApplyLabelRequest {
                academic_year: year_of(who).into(),
                note: Some(format!("Candidature de {who}")),
            })
        }),
        row("decide_label", admins(200))
            .case("granting an application")
            .setup(Setup::Label(Label::Applied))
            .body(|_, _| {
                wire(DecideLabelRequest {
                    status: "granted".into(),
                    note: Some("Alliance exemplaire.".into()),
                })
            }),
        row("decide_label", admins(200))
            .case("refusing an application")
            .setup(Setup::Label(Label::Applied))
            .body(|_, _| {
                wire(DecideLabelRequest {
                    status: "refused".into(),
                    note: Some("Pensez à associer le Crous.".into()),
                })
            }),
        row("decide_label", admins(200))
            .case("withdrawing a granted label")
            .setup(Setup::Label(Label::Granted))
            .body(|_, _| wire(decision("withdrawn"))),
        // network: the AVUF's view across cities, public. `{file}` is `actions.csv`.
        row("network_labels", public(200)).setup(Setup::Label(Label::Granted)),
        row("network_stats", public(200)),
        row("network_actions", public(200)),
        row("network_export", public(200)),
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
const GROUPS: [&[&str]; 9] = [
    &["auth", "me", "users", "operations"],
    &["cities", "alliances", "partners", "journal"],
    &["mandates"],
    &["invitations", "charters"],
    &["plans", "events"],
    &["actions"],
    &["results"],
    &["votes"],
    &["labels", "network"],
];

/// A successor's invitation.
fn successor(_: &Ctx, _: Who) -> Value {
    wire(DesignateSuccessorRequest {
        email: "successor@example.org".into(),
        handover_notes: Some("Passation en juin.".into()),
        ..DesignateSuccessorRequest::default()
    })
}

/// A request body as the JSON the matrix sends.
fn wire(body: impl Serialize) -> Value {
    serde_json::to_value(body).unwrap()
}

fn transition_to(phase: &str) -> TransitionRequest {
    TransitionRequest { to: phase.into() }
}

/// A proposal on food.
fn food_action(title: String) -> CreateActionRequest {
    CreateActionRequest {
        title,
        theme: "food".into(),
        ..CreateActionRequest::default()
    }
}

/// A forum on 12 March 2026.
fn forum(title: String) -> CreateEventRequest {
    CreateEventRequest {
        title,
        kind: "forum".into(),
        starts_at: "2026-03-12T09:00:00Z".parse().unwrap(),
        ..CreateEventRequest::default()
    }
}

fn choice(choice: &str) -> CastBallotRequest {
    CastBallotRequest {
        choice: Some(choice.into()),
        ..CastBallotRequest::default()
    }
}

fn decision(status: &str) -> DecideLabelRequest {
    DecideLabelRequest {
        status: status.into(),
        note: None,
    }
}

fn action_title(title: &str) -> UpdateActionRequest {
    UpdateActionRequest {
        title: Some(title.into()),
        ..UpdateActionRequest::default()
    }
}

fn invitation(email: &str, partner_id: Uuid) -> CreateInvitationRequest {
    CreateInvitationRequest {
        email: email.into(),
        partner_id,
        role: "member".into(),
        ..CreateInvitationRequest::default()
    }
}

/// An academic year with no plan yet, one per caller who may create one.
fn year_of(who: Who) -> &'static str {
    match who {
        Who::Coordinator => "2030-2031",
        Who::Admin => "2031-2032",
        _ => "2032-2033",
    }
}

/// The partner a caller acts for in alliance A: their own; P for those who have
/// none there.
fn own_partner(c: &Ctx, who: Who) -> Uuid {
    match who {
        Who::OtherRepresentative => c.a.partner_q,
        Who::Coordinator => c.a.city_partner,
        _ => c.a.partner_p,
    }
}

/// A proposal for the caller's own partner.
fn proposal(c: &Ctx, who: Who) -> Value {
    wire(CreateActionRequest {
        proposing_partner_id: Some(own_partner(c, who)),
        ..food_action(format!("Proposée par {who}"))
    })
}

/// A measurement with evidence, for a partner.
fn measurement(partner: Uuid) -> Value {
    wire(CreateMeasurementRequest {
        value: 4.5,
        evidence_url: Some("https://example.org/pesee".into()),
        partner_id: Some(partner),
        ..CreateMeasurementRequest::default()
    })
}

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
    stages: BTreeMap<At, Stage>,
    event: Option<Uuid>,
    vote: Option<Uuid>,
    label: Option<Uuid>,
}

/// A plan and, in it, an action and what was made on it ([`At`]).
#[derive(Debug, Clone, Copy)]
struct Stage {
    plan: Uuid,
    action: Uuid,
    indicator: Uuid,
    measurement: Option<Uuid>,
    comment: Option<Uuid>,
}

/// Posts as `client`, checks the answer is `expected`, and returns the body.
async fn send(client: &Client, path: &str, body: impl Serialize, expected: u16) -> Value {
    let response = client.post(path).json(&body).send().await;
    assert_eq!(
        response.status().as_u16(),
        expected,
        "POST {path}: {}",
        response.text()
    );
    if response.bytes().is_empty() {
        Value::Null
    } else {
        response.json()
    }
}

/// Posts as `client` and returns the id of what was created.
async fn create(client: &Client, path: &str, body: impl Serialize) -> Uuid {
    let created = send(client, path, body, 201).await;
    created["id"].as_str().unwrap().parse().unwrap()
}

/// A plan of `f` for `year`, in draft, with an action proposed by P's member for P,
/// its indicator, a measurement with evidence recorded for P and a comment by P's
/// member.
async fn draft_stage(f: &AllianceFixture, year: &str) -> Stage {
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let member = &f.member_p.client;
    let plan = create(
        &f.coordinator.client,
        &format!("{base}/plans"),
        CreatePlanRequest {
            academic_year: year.into(),
            ..CreatePlanRequest::default()
        },
    )
    .await;
    let action = create(
        member,
        &format!("{base}/plans/{plan}/actions"),
        CreateActionRequest {
            title: format!("Compost collectif {year}"),
            theme: "waste".into(),
            ..CreateActionRequest::default()
        },
    )
    .await;
    let indicator = create(
        member,
        &format!("{base}/actions/{action}/indicators"),
        CreateIndicatorRequest {
            catalogue: Some("compost_kg".into()),
            target: Some(100.0),
            ..CreateIndicatorRequest::default()
        },
    )
    .await;
    let measurement = create(
        member,
        &format!("{base}/indicators/{indicator}/measurements"),
        CreateMeasurementRequest {
            value: 12.5,
            evidence_url: Some("https://example.org/compost".into()),
            note: Some("Pesée".into()),
            ..CreateMeasurementRequest::default()
        },
    )
    .await;
    let comment = create(
        member,
        &format!("{base}/actions/{action}/comments"),
        CommentRequest {
            body: "La résidence est partante.".into(),
        },
    )
    .await;
    Stage {
        plan,
        action,
        indicator,
        measurement: Some(measurement),
        comment: Some(comment),
    }
}

/// Moves a plan of `f` from draft to the phase `to`, one step at a time.
async fn advance(f: &AllianceFixture, plan: Uuid, to: &str) {
    let path = format!("/api/v1/alliances/{}/plans/{plan}/transition", f.alliance);
    for phase in ["consultation", "voting", "adopted", "closed"] {
        send(&f.coordinator.client, &path, transition_to(phase), 200).await;
        if phase == to {
            return;
        }
    }
    panic!("no phase {to}");
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
            stages: BTreeMap::new(),
            event: None,
            vote: None,
            label: None,
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
                    .json(&invitation("pending@example.org", self.a.partner_p))
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
                    .json(&CreateCharterRequest {
                        text: "Nos valeurs partagées.".into(),
                        make_current: true,
                    })
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
                        .json(&invitation(&self.email(who), self.a.partner_q))
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
            Setup::Plans(at) => self.plans(at).await,
            Setup::Event => {
                let path = format!("/api/v1/alliances/{alliance}/events");
                let body = CreateEventRequest {
                    title: "Rencontre de passation".into(),
                    kind: "handover".into(),
                    starts_at: "2026-06-18T17:00:00Z".parse().unwrap(),
                    ..CreateEventRequest::default()
                };
                self.event = Some(create(&self.a.coordinator.client, &path, body).await);
            }
            Setup::Vote(vote) => {
                let coordinator = &self.a.coordinator.client;
                let path = format!("/api/v1/alliances/{alliance}/votes");
                let now = chrono::Utc::now();
                let electorate = match vote {
                    Vote::Members | Vote::Scheduled => "members",
                    Vote::Partners | Vote::Closed => "partners",
                };
                let opens_at = match vote {
                    Vote::Scheduled => now + chrono::Duration::days(1),
                    _ => now,
                };
                let body = CreateVoteRequest {
                    title: "Un composteur par résidence ?".into(),
                    subject: "question".into(),
                    method: "consent".into(),
                    electorate: electorate.into(),
                    quorum_percent: 50,
                    threshold: Some("simple".into()),
                    opens_at: Some(opens_at),
                    closes_at: now + chrono::Duration::days(7),
                    ..CreateVoteRequest::default()
                };
                let id = create(coordinator, &path, body).await;
                if vote == Vote::Closed {
                    send(coordinator, &format!("{path}/{id}/close"), json!({}), 200).await;
                }
                self.vote = Some(id);
            }
            Setup::Label(state) => {
                let path = format!("/api/v1/alliances/{alliance}/labels");
                let body = ApplyLabelRequest {
                    academic_year: "2026-2027".into(),
                    note: Some("Première candidature.".into()),
                };
                let id = create(&self.a.coordinator.client, &path, body).await;
                if state == Label::Granted {
                    let granted = self
                        .admin
                        .patch(&format!("{path}/{id}"))
                        .json(&decision("granted"))
                        .send()
                        .await;
                    assert_eq!(granted.status().as_u16(), 200, "{}", granted.text());
                }
                self.label = Some(id);
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

    /// [`Setup::Plans`]: the plan `at` names.
    async fn plans(&mut self, at: At) {
        let f = &self.a;
        let base = format!("/api/v1/alliances/{}", f.alliance);
        let (year, phase) = match at {
            At::Draft => ("2026-2027", "draft"),
            At::Consultation => ("2028-2029", "consultation"),
            At::Voting => ("2027-2028", "voting"),
            At::Adopted | At::Joint => ("2025-2026", "adopted"),
            At::Closed => ("2024-2025", "closed"),
        };
        let stage = draft_stage(f, year).await;
        if !matches!(at, At::Adopted | At::Joint) {
            if phase != "draft" {
                advance(f, stage.plan, phase).await;
            }
            self.stages.insert(at, stage);
            return;
        }
        let joint_action = create(
            &f.representative_q.client,
            &format!("{base}/plans/{}/actions", stage.plan),
            CreateActionRequest {
                proposing_partner_id: Some(f.partner_q),
                lead_partner_id: Some(f.city_partner),
                contributing_partner_ids: vec![f.partner_p],
                ..food_action("Disco soupe".into())
            },
        )
        .await;
        let joint_indicator = create(
            &f.representative_q.client,
            &format!("{base}/actions/{joint_action}/indicators"),
            CreateIndicatorRequest {
                catalogue: Some("food_collected_kg".into()),
                ..CreateIndicatorRequest::default()
            },
        )
        .await;
        advance(f, stage.plan, "adopted").await;
        let endorsements = format!("{base}/actions/{}/endorsements", stage.action);
        for client in [
            &f.representative_p.client,
            &f.representative_q.client,
            &f.coordinator.client,
        ] {
            send(client, &endorsements, EndorseRequest::default(), 204).await;
        }
        let joint = Stage {
            action: joint_action,
            indicator: joint_indicator,
            measurement: None,
            comment: None,
            ..stage
        };
        self.stages.insert(At::Adopted, stage);
        self.stages.insert(At::Joint, joint);
    }

    fn stage(&self, at: At) -> Stage {
        *self
            .stages
            .get(&at)
            .unwrap_or_else(|| panic!("no plan {at:?}: the row needs Setup::Plans"))
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

    /// Fills the placeholders of a documented path for a row and adds its query. A
    /// new placeholder needs a value here.
    fn resolve(&self, template: &str, row: &Row, who: Who) -> String {
        let stage = || self.stage(row.at);
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
                "{mandate_id}" => match row.mandate_of {
                    Who::Representative => self.a.representative_p.mandate,
                    Who::Member => self.a.member_p.mandate,
                    Who::Coordinator => self.a.coordinator.mandate,
                    other => panic!("no mandate of {other} in the fixture"),
                }
                .to_string(),
                "{plan_id}" => stage().plan.to_string(),
                "{action_id}" => stage().action.to_string(),
                "{indicator_id}" => stage().indicator.to_string(),
                "{measurement_id}" => stage()
                    .measurement
                    .unwrap_or_else(|| panic!("no measurement {:?}", row.at))
                    .to_string(),
                "{comment_id}" => stage()
                    .comment
                    .unwrap_or_else(|| panic!("no comment {:?}", row.at))
                    .to_string(),
                "{vote_id}" => self
                    .vote
                    .unwrap_or_else(|| panic!("{{vote_id}} needs Setup::Vote"))
                    .to_string(),
                "{event_id}" => self
                    .event
                    .unwrap_or_else(|| panic!("{{event_id}} needs Setup::Event"))
                    .to_string(),
                "{invitation_id}" => self
                    .invitation
                    .unwrap_or_else(|| panic!("{{invitation_id}} needs Setup::Invitation"))
                    .to_string(),
                "{version}" => self
                    .charter_version
                    .unwrap_or_else(|| panic!("{{version}} needs Setup::Charter"))
                    .to_string(),
                "{label_id}" => self
                    .label
                    .unwrap_or_else(|| panic!("{{label_id}} needs Setup::Label"))
                    .to_string(),
                "{file}" => "actions.csv".to_owned(),
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
        if let Some(query) = row.query {
            path.push('?');
            path.push_str(&query(self, who));
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
        let path = ctx.resolve(&op.path, row, who);
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

#[actix_web::test]
async fn matrix_plans_and_events() {
    check_group(GROUPS[4]).await;
}

#[actix_web::test]
async fn matrix_actions_comments_and_endorsements() {
    check_group(GROUPS[5]).await;
}

#[actix_web::test]
async fn matrix_results() {
    check_group(GROUPS[6]).await;
}

#[actix_web::test]
async fn matrix_votes() {
    check_group(GROUPS[7]).await;
}

#[actix_web::test]
async fn matrix_labels_and_network() {
    check_group(GROUPS[8]).await;
}

/// SPEC §3: a resource of alliance B is not found through alliance A's path by those
/// who may act in A, and a body of A naming a partner or an action of B is invalid.
/// An outsider of A (here B's representative, who holds B's mandate) asking for a
/// mandate through A's path is refused before the id is looked up (403), so that
/// ids leak nothing either way.
#[actix_web::test]
async fn ids_of_another_alliance_are_not_found_or_invalid() {
    let ctx = Ctx::new(Setup::None, true).await;
    let (a, b) = (&ctx.a, ctx.b.as_ref().unwrap());
    let invited = ctx
        .admin
        .post(&format!("/api/v1/alliances/{}/invitations", b.alliance))
        .json(&invitation("pending@example.org", b.partner_p))
        .send()
        .await;
    assert_eq!(invited.status().as_u16(), 201, "{}", invited.text());
    let b_invitation = invited.json::<Value>()["id"].as_str().unwrap().to_owned();
    // B's adopted plan (public in B) with its action, indicator, measurement and
    // comment, and B's event; A's draft plan with the same.
    let b_stage = draft_stage(b, "2025-2026").await;
    advance(b, b_stage.plan, "adopted").await;
    let b_event = create(
        &b.coordinator.client,
        &format!("/api/v1/alliances/{}/events", b.alliance),
        forum("Forum".into()),
    )
    .await;
    let b_vote = create(
        &b.coordinator.client,
        &format!("/api/v1/alliances/{}/votes", b.alliance),
        CreateVoteRequest {
            title: "Question".into(),
            subject: "question".into(),
            method: "consent".into(),
            electorate: "members".into(),
            quorum_percent: 0,
            threshold: Some("simple".into()),
            opens_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            closes_at: chrono::Utc::now() + chrono::Duration::days(7),
            ..CreateVoteRequest::default()
        },
    )
    .await;
    let a_stage = draft_stage(a, "2025-2026").await;
    let base = format!("/api/v1/alliances/{}", a.alliance);
    let (b_partner, b_mandate) = (b.partner_p, b.representative_p.mandate);
    let (b_plan, b_action, b_indicator) = (b_stage.plan, b_stage.action, b_stage.indicator);
    let (b_measurement, b_comment) = (b_stage.measurement.unwrap(), b_stage.comment.unwrap());
    let (a_plan, a_action, a_indicator) = (a_stage.plan, a_stage.action, a_stage.indicator);

    let anonymous = ("anonymous", ctx.app.anonymous());
    let coordinator = ("coordinator of A", a.coordinator.client.clone());
    let admin = ("platform admin", ctx.admin.clone());
    // The holder of B's mandate, who speaks for its partner in B.
    let holder = (
        "representative of P in B",
        b.representative_p.client.clone(),
    );
    let managers = vec![coordinator.clone(), admin.clone()];
    let readers = vec![anonymous, coordinator.clone(), admin.clone()];
    let outsider = vec![holder];
    let only_coordinator = vec![coordinator.clone()];

    struct Check {
        method: Method,
        path: String,
        body: Option<Value>,
        callers: Vec<(&'static str, Client)>,
        expected: u16,
        /// For a 422: the field named first.
        field: &'static str,
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
        field: "partner_id",
    };
    let invalid = |method: Method,
                   path: String,
                   body: Value,
                   callers: &Vec<(&'static str, Client)>,
                   field| Check {
        method,
        path,
        body: Some(body),
        callers: callers.clone(),
        expected: 422,
        field,
    };
    let checks = vec![
        // Paths of A naming a resource of B: 404.
        check(
            Method::GET,
            format!("{base}/partners/{b_partner}"),
            None,
            &readers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/partners/{b_partner}"),
            Some(wire(UpdatePartnerRequest {
                description: Some("Taken over".into()),
                ..UpdatePartnerRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/mandates/{b_mandate}"),
            None,
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/mandates/{b_mandate}"),
            None,
            &outsider,
            403,
        ),
        check(
            Method::PATCH,
            format!("{base}/mandates/{b_mandate}"),
            Some(wire(UpdateMandateRequest {
                handover_notes: Some(Some("Notes".into())),
                ..UpdateMandateRequest::default()
            })),
            &managers,
            404,
        ),
        // Even its holder, an outsider of A, is refused there: membership first.
        check(
            Method::PATCH,
            format!("{base}/mandates/{b_mandate}"),
            Some(wire(UpdateMandateRequest {
                handover_notes: Some(Some("Notes".into())),
                ..UpdateMandateRequest::default()
            })),
            &outsider,
            403,
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
            Some(wire(DesignateSuccessorRequest {
                email: "successor@example.org".into(),
                ..DesignateSuccessorRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/mandates/{b_mandate}/successor"),
            Some(wire(DesignateSuccessorRequest {
                email: "successor@example.org".into(),
                ..DesignateSuccessorRequest::default()
            })),
            &outsider,
            403,
        ),
        check(
            Method::DELETE,
            format!("{base}/invitations/{b_invitation}"),
            None,
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/plans/{b_plan}"),
            None,
            &readers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/plans/{b_plan}"),
            Some(wire(UpdatePlanRequest {
                title: Some("Taken over".into()),
                ..UpdatePlanRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/plans/{b_plan}/transition"),
            Some(wire(transition_to("closed"))),
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/plans/{b_plan}/carry-over"),
            Some(wire(CarryOverRequest {
                to_academic_year: "2030-2031".into(),
            })),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/plans/{b_plan}/actions"),
            None,
            &readers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/plans/{b_plan}/actions"),
            Some(wire(CreateActionRequest {
                proposing_partner_id: Some(a.city_partner),
                ..food_action("Taken over".into())
            })),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/actions/{b_action}"),
            None,
            &readers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/actions/{b_action}"),
            Some(wire(action_title("Taken over"))),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/actions/{b_action}/comments"),
            None,
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/actions/{b_action}/comments"),
            Some(wire(CommentRequest {
                body: "Hello".into(),
            })),
            &managers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/actions/{b_action}/comments/{b_comment}"),
            Some(wire(CommentRequest {
                body: "Hello".into(),
            })),
            &managers,
            404,
        ),
        check(
            Method::DELETE,
            format!("{base}/actions/{b_action}/comments/{b_comment}"),
            None,
            &managers,
            404,
        ),
        // Endorsing is for those who speak for a partner: the coordinator, for theirs.
        check(
            Method::POST,
            format!("{base}/actions/{b_action}/endorsements"),
            Some(wire(EndorseRequest::default())),
            &only_coordinator,
            404,
        ),
        check(
            Method::DELETE,
            format!("{base}/actions/{b_action}/endorsements"),
            None,
            &only_coordinator,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/actions/{b_action}/indicators"),
            None,
            &readers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/actions/{b_action}/indicators"),
            Some(wire(CreateIndicatorRequest {
                catalogue: Some("participants".into()),
                ..CreateIndicatorRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/indicators/{b_indicator}/measurements"),
            None,
            &readers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/indicators/{b_indicator}/measurements"),
            Some(wire(CreateMeasurementRequest {
                value: 1.0,
                partner_id: Some(a.partner_p),
                ..CreateMeasurementRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/measurements/{b_measurement}/review"),
            Some(wire(ReviewRequest {
                verdict: "confirm".into(),
                ..ReviewRequest::default()
            })),
            &only_coordinator,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/events/{b_event}"),
            None,
            &readers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/events/{b_event}"),
            Some(wire(UpdateEventRequest {
                attendance: Some(Some(3)),
                ..UpdateEventRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::DELETE,
            format!("{base}/events/{b_event}"),
            None,
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/votes/{b_vote}"),
            None,
            &managers,
            404,
        ),
        check(
            Method::PATCH,
            format!("{base}/votes/{b_vote}"),
            Some(wire(UpdateVoteRequest {
                title: Some("Taken over".into()),
                ..UpdateVoteRequest::default()
            })),
            &managers,
            404,
        ),
        check(
            Method::GET,
            format!("{base}/votes/{b_vote}/results"),
            None,
            &managers,
            404,
        ),
        check(
            Method::POST,
            format!("{base}/votes/{b_vote}/close"),
            None,
            &managers,
            404,
        ),
        // An admin never votes: the coordinator casts.
        check(
            Method::POST,
            format!("{base}/votes/{b_vote}/ballots"),
            Some(wire(choice("for"))),
            &only_coordinator,
            404,
        ),
        // Bodies of A naming a partner or an action of B: 422.
        check(
            Method::POST,
            format!("{base}/mandates"),
            Some(wire(CreateMandateRequest {
                user_id: a.member_p.user,
                partner_id: b_partner,
                role: "member".into(),
                starts_on: today(),
                ..CreateMandateRequest::default()
            })),
            &managers,
            422,
        ),
        check(
            Method::POST,
            format!("{base}/invitations"),
            Some(wire(invitation("someone@example.org", b_partner))),
            &managers,
            422,
        ),
        invalid(
            Method::POST,
            format!("{base}/plans/{a_plan}/actions"),
            wire(CreateActionRequest {
                proposing_partner_id: Some(b_partner),
                ..food_action("Ailleurs".into())
            }),
            &vec![admin.clone()],
            "proposing_partner_id",
        ),
        invalid(
            Method::POST,
            format!("{base}/plans/{a_plan}/actions"),
            wire(CreateActionRequest {
                lead_partner_id: Some(b_partner),
                ..food_action("Ailleurs".into())
            }),
            &only_coordinator,
            "lead_partner_id",
        ),
        invalid(
            Method::PATCH,
            format!("{base}/actions/{a_action}"),
            wire(UpdateActionRequest {
                contributing_partner_ids: Some(vec![b_partner]),
                ..UpdateActionRequest::default()
            }),
            &managers,
            "contributing_partner_ids",
        ),
        invalid(
            Method::POST,
            format!("{base}/indicators/{a_indicator}/measurements"),
            wire(CreateMeasurementRequest {
                value: 1.0,
                partner_id: Some(b_partner),
                ..CreateMeasurementRequest::default()
            }),
            &managers,
            "partner_id",
        ),
        invalid(
            Method::POST,
            format!("{base}/events"),
            wire(CreateEventRequest {
                partner_ids: vec![b_partner],
                ..forum("Forum".into())
            }),
            &managers,
            "partner_ids",
        ),
        invalid(
            Method::POST,
            format!("{base}/events"),
            wire(CreateEventRequest {
                action_ids: vec![b_action],
                ..forum("Forum".into())
            }),
            &managers,
            "action_ids",
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
            let field = if actual == 422 {
                response.json::<Value>()["errors"][0]["field"].clone()
            } else {
                Value::Null
            };
            if actual != c.expected || (actual == 422 && field != c.field) {
                mismatches.push(format!(
                    "{} {} as {who}: expected {} (field {}), got {actual}: {}",
                    c.method,
                    c.path,
                    c.expected,
                    c.field,
                    response.text()
                ));
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

/// A representative designates the successor of their own mandate only: not of
/// another mandate of their own partner, such as the coordinator's for the city
/// partner's representative.
#[actix_web::test]
async fn successors_are_designated_for_own_mandates_only() {
    let ctx = Ctx::new(Setup::None, false).await;
    let a = &ctx.a;
    let city_representative = ctx
        .app
        .person(
            "rep.city1@example.org",
            a.alliance,
            a.city_partner,
            "representative",
        )
        .await;
    let base = format!("/api/v1/alliances/{}/mandates", a.alliance);
    let body = DesignateSuccessorRequest {
        email: "successor@example.org".into(),
        ..DesignateSuccessorRequest::default()
    };
    let client = &city_representative.client;
    let refused = client
        .post(&format!("{base}/{}/successor", a.coordinator.mandate))
        .json(&body)
        .send()
        .await;
    assert_eq!(refused.status().as_u16(), 403, "{}", refused.text());
    let own = client
        .post(&format!("{base}/{}/successor", city_representative.mandate))
        .json(&body)
        .send()
        .await;
    assert_eq!(own.status().as_u16(), 201, "{}", own.text());
}

/// A withdrawn partner no longer signs the charter nor acts: its people's mandates
/// give no rights, and bodies naming it are invalid.
#[actix_web::test]
async fn a_withdrawn_partner_neither_signs_nor_acts() {
    let ctx = Ctx::new(Setup::Charter, false).await;
    let a = &ctx.a;
    let base = format!("/api/v1/alliances/{}", a.alliance);
    let plan = create(
        &a.coordinator.client,
        &format!("{base}/plans"),
        CreatePlanRequest {
            academic_year: "2025-2026".into(),
            ..CreatePlanRequest::default()
        },
    )
    .await;
    let withdrawn = ctx
        .admin
        .patch(&format!("{base}/partners/{}", a.partner_q))
        .json(&UpdatePartnerRequest {
            status: Some("withdrawn".into()),
            ..UpdatePartnerRequest::default()
        })
        .send()
        .await;
    assert_eq!(withdrawn.status().as_u16(), 200, "{}", withdrawn.text());
    let version = ctx.charter_version.unwrap();
    let signatures = format!("{base}/charters/{version}/signatures");
    let representative_q = &a.representative_q.client;

    // Q's representative speaks for Q no more: refused like anyone without a mandate.
    let refused = [
        (
            Method::POST,
            signatures.clone(),
            Some(wire(SignCharterRequest {
                partner_id: Some(a.partner_q),
            })),
        ),
        (
            Method::POST,
            signatures.clone(),
            Some(wire(SignCharterRequest::default())),
        ),
        (Method::GET, format!("{base}/mandates"), None),
        (Method::GET, format!("{base}/journal"), None),
        (
            Method::POST,
            format!("{base}/plans/{plan}/actions"),
            Some(wire(CreateActionRequest {
                proposing_partner_id: Some(a.partner_q),
                ..food_action("Après le départ".into())
            })),
        ),
    ];
    for (method, path, body) in refused {
        let mut request = representative_q.method(method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await;
        assert_eq!(
            response.status().as_u16(),
            403,
            "{method} {path} as Q's representative: {}",
            response.text()
        );
    }

    // Naming Q in a body is invalid: it has withdrawn.
    let invalid = [
        (
            format!("{base}/invitations"),
            wire(invitation("late@example.org", a.partner_q)),
        ),
        (
            format!("{base}/mandates"),
            wire(CreateMandateRequest {
                user_id: a.member_p.user,
                partner_id: a.partner_q,
                role: "member".into(),
                starts_on: today(),
                ..CreateMandateRequest::default()
            }),
        ),
    ];
    for (path, body) in invalid {
        let response = a.coordinator.client.post(&path).json(&body).send().await;
        let problem = response.assert_problem(422, "validation_failed");
        let field = &problem.errors[0];
        assert_eq!(
            (field.field.as_str(), field.code.as_str()),
            ("partner_id", "withdrawn"),
            "POST {path}: {}",
            response.text()
        );
    }

    // P, still active, signs.
    let signed = a
        .representative_p
        .client
        .post(&signatures)
        .json(&SignCharterRequest::default())
        .send()
        .await;
    assert_eq!(signed.status().as_u16(), 201, "{}", signed.text());
}
