//! Votes and decisions: rules fixed at opening, ballots while open, results and the
//! effect on the subject applied exactly once when the vote closes, whichever
//! replica closes it.
//!
//! Every command and query settles the vote first (opens or closes it when its time
//! has come, [`settle`]); the binary's scheduler settles the others ([`settle_due`]).

mod settle;
mod tally;

use std::collections::HashMap;

use agir_domain::alliance::{CharterStatus, description, name};
use agir_domain::error::Validator;
use agir_domain::ids::{ActionId, CharterId, PartnerId, PlanId, VoteId};
use agir_domain::journal::Event;
use agir_domain::plan::{ActionStatus, Phase};
use agir_domain::policy::{self, Denied};
use agir_domain::vote::{
    self, Choice, Due, Electorate, Method, ResultsVisibility, Rules, Subject, Threshold, VoteStatus,
};
use agir_persistence::journal;
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::votes::{self, NewVote, StoredResults, Vote, VoteChanges, VoteFilter};
use agir_persistence::{AsyncConnection, AsyncPgConnection, charters, partners, plans, users};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AppError, Result};
use crate::expect::{Expected, locked};
use crate::scope::Scope;

pub use settle::{ballots_path, settle, settle_due};
use settle::{close_vote, open_vote};

/// A vote as members read it: the vote, the size of its frozen electorate and who
/// took part.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteView {
    pub vote: Vote,
    /// Voters frozen at opening (0 until it opens).
    pub electorate_size: usize,
    /// Who cast a ballot, listed by name.
    pub participants: Vec<Participant>,
}

impl VoteView {
    /// Once closed: the outcome its stored result gives.
    pub fn outcome(&self) -> Option<&str> {
        self.vote.result.as_ref().map(|r| r.outcome.as_str())
    }
}

/// Someone (a partner or a person) who cast a ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// A partner id (partners electorate) or a user id (members electorate).
    pub voter: Uuid,
    /// The partner's name or the person's display name.
    pub name: String,
}

/// A vote's settings as sent, read here in the order the API always refused them. For
/// a new vote ([`create`]): title, method, electorate, quorum and closing time are
/// required (422 `required`), the others default (no description, options, colleges or
/// secrecy; results by secrecy; opening now). For a change ([`update`]): the changed
/// ones, read once the vote is known to be scheduled and the caller's copy current,
/// together with the stored ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoteSettings {
    pub title: Option<String>,
    pub description: Option<String>,
    pub method: Option<String>,
    pub options: Option<Vec<String>>,
    pub electorate: Option<String>,
    pub quorum_percent: Option<i64>,
    pub threshold: Option<String>,
    pub by_college: Option<bool>,
    pub secret: Option<bool>,
    pub results: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// A ballot, as sent: read against the vote's rules once the voter may vote.
#[derive(Debug, Clone, Default)]
pub struct BallotInput {
    pub choice: Option<String>,
    pub options: Option<Vec<String>>,
    pub grades: Option<std::collections::BTreeMap<String, String>>,
    /// In a `partners` vote, the partner voting, when the caller speaks for several.
    pub partner: Option<PartnerId>,
}

/// A ballot counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub vote: VoteId,
    /// The partner (partners electorate) or person (members electorate) it counts for.
    pub voter: Uuid,
    /// An earlier ballot of the same voter was replaced.
    pub replaced: bool,
}

/// The votes of the alliance (members), those whose time has come settled first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    filter: &VoteFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<VoteView>> {
    policy::read_private(&scope.caller)?;
    for id in votes::due_in(conn, scope.id(), Utc::now()).await? {
        settle(conn, scope.id(), id).await?;
    }
    let found = votes::list(conn, scope.id(), filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for vote in found.items {
        items.push(view(conn, vote).await?);
    }
    Ok(Page {
        items,
        next_cursor: found.next_cursor,
    })
}

/// A vote of the alliance (members), settled first.
pub async fn get(conn: &mut AsyncPgConnection, scope: &Scope, id: VoteId) -> Result<VoteView> {
    policy::read_private(&scope.caller)?;
    let vote = settled(conn, scope, id).await?;
    view(conn, vote).await
}

/// Opens a vote (coordinator); it opens now when `opens_at` has come.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    subject: &str,
    subject_id: Option<Uuid>,
    input: VoteSettings,
) -> Result<VoteView> {
    policy::manage_alliance(&scope.caller)?;
    let title = name("title", &required(input.title, "title")?)?;
    let description = description("description", &input.description.unwrap_or_default())?;
    let subject = Subject::parse("subject", subject)?;
    let rules = parse_rules(
        subject,
        &required(input.method, "method")?,
        input.options.unwrap_or_default(),
        &required(input.electorate, "electorate")?,
        required(input.quorum_percent, "quorum_percent")?,
        input.threshold.as_deref(),
        input.by_college.unwrap_or_default(),
    )?;
    let secret = input.secret.unwrap_or_default();
    let results = vote::results_visibility(secret, parse_results(input.results)?)?;
    let opens_at = input.opens_at.unwrap_or_else(Utc::now);
    let closes_at = required(input.closes_at, "closes_at")?;
    check_window(opens_at, closes_at)?;
    let alliance = scope.id();
    let actor = scope.actor();
    conn.transaction::<_, AppError, _>(async |conn| {
        check_subject(conn, scope, subject, subject_id).await?;
        let vote = votes::insert(
            conn,
            NewVote {
                id: VoteId::new(),
                alliance,
                title,
                description,
                rules,
                subject_id,
                secret,
                results,
                opens_at,
                closes_at,
                created_by: actor.user,
            },
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::VoteCreated {
                vote: vote.id,
                title: vote.title.clone(),
                rules: vote.rules.clone(),
                subject_id: vote.subject_id,
                secret: vote.secret,
                results: vote.results,
                opens_at: vote.opens_at,
                closes_at: vote.closes_at,
            },
        )
        .await?;
        let vote = open_if_time(conn, vote).await?;
        view(conn, vote).await
    })
    .await
}

/// Changes a vote that has not opened yet (coordinator): 404, then 409 once it opened,
/// then 412 when `expected` is stale; no change writes nothing. The settings are judged
/// as they will stand together with the stored ones.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: VoteId,
    patch: VoteSettings,
    expected: &(impl Expected<VoteView> + Sync),
) -> Result<VoteView> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    let actor = scope.actor();
    settle(conn, alliance, id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = votes::lock(conn, alliance, id)
            .await?
            .ok_or(AppError::NotFound("vote"))?;
        if current.status != VoteStatus::Scheduled {
            return Err(AppError::conflict(
                "vote_open",
                "a vote's settings are fixed once it opens",
            ));
        }
        let unchanged = locked(Some(view(conn, current.clone()).await?), "vote", expected)?;
        // Nothing to change: nothing written, nothing journaled.
        if patch == VoteSettings::default() {
            return Ok(unchanged);
        }
        let changes = changes(&current, patch)?;
        let vote = votes::update(conn, id, changes).await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::VoteUpdated {
                vote: id,
                method: vote.rules.method,
                opens_at: vote.opens_at,
                closes_at: vote.closes_at,
            },
        )
        .await?;
        let vote = open_if_time(conn, vote).await?;
        view(conn, vote).await
    })
    .await
}

/// The stored settings of `current` with `patch` applied, read and checked together.
fn changes(current: &Vote, patch: VoteSettings) -> Result<VoteChanges> {
    let rules = parse_rules(
        current.rules.subject,
        patch
            .method
            .as_deref()
            .unwrap_or(current.rules.method.as_str()),
        patch
            .options
            .unwrap_or_else(|| current.rules.options.clone()),
        patch
            .electorate
            .as_deref()
            .unwrap_or(current.rules.electorate.as_str()),
        patch
            .quorum_percent
            .unwrap_or(i64::from(current.rules.quorum_percent)),
        patch
            .threshold
            .as_deref()
            .or(current.rules.threshold.map(|t| t.as_str())),
        patch.by_college.unwrap_or(current.rules.by_college),
    )?;
    // Secrecy and visibility are checked as they will stand together.
    let secret = patch.secret.unwrap_or(current.secret);
    let results = vote::results_visibility(
        secret,
        Some(parse_results(patch.results)?.unwrap_or(current.results)),
    )?;
    let opens_at = patch.opens_at.unwrap_or(current.opens_at);
    let closes_at = patch.closes_at.unwrap_or(current.closes_at);
    check_window(opens_at, closes_at)?;
    Ok(VoteChanges {
        title: patch
            .title
            .as_deref()
            .map(|t| name("title", t))
            .transpose()?,
        description: patch
            .description
            .as_deref()
            .map(|d| description("description", d))
            .transpose()?,
        rules,
        secret,
        results,
        opens_at,
        closes_at,
    })
}

/// Casts or replaces the caller's ballot while the vote is open. The right to vote is
/// checked first (403), then the vote's state (409). Admins never vote.
pub async fn cast(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: VoteId,
    ballot: BallotInput,
) -> Result<Receipt> {
    if scope.caller.is_admin() {
        return Err(Denied::Forbidden("an admin never votes").into());
    }
    policy::read_private(&scope.caller)?;
    let user = scope.caller.user().ok_or(Denied::Anonymous)?;
    let alliance = scope.id();
    // A vote whose time to open or close has come is settled first. Most ballots find
    // nothing due, so the check reads the row the ballot locks anyway: only when
    // something is due is the attempt given up, the vote settled, and the ballot tried
    // once more (the state is then judged as it stands).
    let mut settled = false;
    loop {
        let attempt = conn
            .transaction::<_, AppError, _>(async |conn| {
                // Shared lock: ballots go in side by side, but never while the vote closes.
                let vote = votes::lock_for_ballot(conn, alliance, id)
                    .await?
                    .ok_or(AppError::NotFound("vote"))?;
                if !settled
                    && vote::due(vote.status, vote.opens_at, vote.closes_at, Utc::now())
                        != Due::Nothing
                {
                    return Ok(Attempt::Settle);
                }
                let voter = voter(scope, &vote, ballot.partner, user)?;
                match vote.status {
                    VoteStatus::Scheduled => {
                        return Err(AppError::conflict(
                            "vote_not_open",
                            "this vote has not opened yet",
                        ));
                    }
                    VoteStatus::Closed => {
                        return Ok(Attempt::Closed {
                            secret: vote.secret,
                        });
                    }
                    VoteStatus::Open if Utc::now() >= vote.closes_at => {
                        return Ok(Attempt::Closed {
                            secret: vote.secret,
                        });
                    }
                    VoteStatus::Open => {}
                }
                if !votes::in_electorate(conn, vote.id, voter).await? {
                    return Err(Denied::Forbidden(
                        "not in this vote's electorate, frozen when it opened",
                    )
                    .into());
                }
                let choice = vote.rules.ballot(
                    ballot.choice.as_deref(),
                    ballot.options.as_deref(),
                    ballot.grades.as_ref(),
                )?;
                let stored = stored_choice(&vote.rules, &choice);
                let replaced = votes::cast(conn, vote.id, voter, user, &stored).await?;
                // Who took part is public; what they chose never enters the journal. A
                // partner's ballot is journaled as the person acting for that partner.
                let actor = match vote.rules.electorate {
                    Electorate::Partners => scope.actor_for(PartnerId(voter)),
                    Electorate::Members => scope.actor(),
                };
                journal::append(
                    conn,
                    Some(alliance),
                    actor,
                    &Event::BallotCast {
                        vote: vote.id,
                        voter,
                        replaced,
                    },
                )
                .await?;
                Ok(Attempt::Cast(Receipt {
                    vote: vote.id,
                    voter,
                    replaced,
                }))
            })
            .await?;
        match attempt {
            Attempt::Cast(receipt) => return Ok(receipt),
            Attempt::Settle => {
                settle(conn, alliance, id).await?;
                settled = true;
            }
            Attempt::Closed { secret } => {
                // A ballot sent to a closed secret vote would be kept as an idempotent
                // answer, its request hash covering the choice: forget it, as the close
                // forgot the earlier ones.
                if secret {
                    agir_persistence::idempotency::forget_path(conn, &ballots_path(alliance, id))
                        .await?;
                }
                return Err(AppError::conflict("vote_closed", "this vote is closed"));
            }
        }
    }
}

/// How one try at casting a ballot ended.
enum Attempt {
    Cast(Receipt),
    /// The vote's time to open or close has come: settle it and try again.
    Settle,
    /// The vote is closed (409 `vote_closed`); whether it is secret.
    Closed {
        secret: bool,
    },
}

/// Who the ballot counts for: the partner the caller speaks for (partners electorate),
/// or the caller (members electorate, with a current mandate that takes part).
fn voter(
    scope: &Scope,
    vote: &Vote,
    named: Option<PartnerId>,
    user: agir_domain::ids::UserId,
) -> Result<Uuid> {
    match vote.rules.electorate {
        Electorate::Partners => {
            let partner = match named {
                Some(p) => p,
                None => match scope.caller.partners_spoken_for().as_slice() {
                    [only] => *only,
                    [] => {
                        return Err(Denied::Forbidden(
                            "only a current representative or coordinator of a partner votes",
                        )
                        .into());
                    }
                    _ => {
                        return Err(AppError::field(
                            "partner_id",
                            "required",
                            "you speak for several partners: say which one votes",
                        ));
                    }
                },
            };
            policy::sign_for_partner(&scope.caller, partner)?;
            Ok(partner.0)
        }
        Electorate::Members => {
            if !scope.caller.mandates.iter().any(|m| m.role.takes_part()) {
                return Err(Denied::Forbidden("only members with a current mandate vote").into());
            }
            Ok(user.0)
        }
    }
}

/// A ballot as stored: the choice in the words of the vote's options.
fn stored_choice(rules: &Rules, choice: &Choice) -> Value {
    match choice {
        Choice::Consent(c) => json!({"choice": c.as_str()}),
        Choice::Single(i) => json!({"choice": rules.options[*i]}),
        Choice::Approval(approved) => {
            json!({"options": approved.iter().map(|i| rules.options[*i].clone()).collect::<Vec<_>>()})
        }
        Choice::Grades(grades) => json!({"grades": rules
            .options
            .iter()
            .zip(grades)
            .map(|(o, g)| (o.clone(), Value::from(g.as_str())))
            .collect::<serde_json::Map<_, _>>()}),
    }
}

/// Closes a vote before its time (coordinator): the result is final and its effect
/// applied.
pub async fn close_early(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: VoteId,
) -> Result<VoteView> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    let by = scope.caller.user();
    settle(conn, alliance, id).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let vote = votes::lock(conn, alliance, id)
            .await?
            .ok_or(AppError::NotFound("vote"))?;
        if vote.status == VoteStatus::Closed {
            return Err(AppError::conflict(
                "vote_closed",
                "this vote is already closed",
            ));
        }
        let vote = if vote.status == VoteStatus::Scheduled {
            open_vote(conn, &vote).await?
        } else {
            vote
        };
        let closed = close_vote(conn, &vote, by).await?;
        view(conn, closed).await
    })
    .await
}

/// A vote's results (members): final once closed (as stored); while open, live unless
/// the vote shows its results only after closing (409 `results_not_available`).
pub async fn results(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: VoteId,
) -> Result<StoredResults> {
    policy::read_private(&scope.caller)?;
    let vote = settled(conn, scope, id).await?;
    match vote.status {
        VoteStatus::Closed => vote
            .result
            .ok_or_else(|| AppError::Internal("closed vote without result".into())),
        VoteStatus::Scheduled => Err(AppError::conflict(
            "vote_not_open",
            "this vote has not opened yet",
        )),
        VoteStatus::Open if !vote::shows_live_results(vote.secret, vote.results) => {
            Err(AppError::conflict(
                "results_not_available",
                "this vote's results are shown after it closes",
            ))
        }
        VoteStatus::Open => {
            let (tally, ballots) = tally::count(conn, &vote).await?;
            Ok(tally::document(&vote, &tally, false, ballots))
        }
    }
}

/// A vote of this alliance, settled first (opened or closed if its time has come).
async fn settled(conn: &mut AsyncPgConnection, scope: &Scope, id: VoteId) -> Result<Vote> {
    settle(conn, scope.id(), id).await?;
    votes::find(conn, scope.id(), id)
        .await?
        .ok_or(AppError::NotFound("vote"))
}

/// Opens a vote just written when its `opens_at` has come.
async fn open_if_time(conn: &mut AsyncPgConnection, vote: Vote) -> Result<Vote> {
    if vote.opens_at <= Utc::now() {
        open_vote(conn, &vote).await
    } else {
        Ok(vote)
    }
}

/// A vote with its electorate's size and its participants, named.
async fn view(conn: &mut AsyncPgConnection, vote: Vote) -> Result<VoteView> {
    let electorate = votes::electorate(conn, vote.id).await?;
    let voters = votes::participants(conn, vote.id).await?;
    let names: HashMap<Uuid, String> = match vote.rules.electorate {
        Electorate::Partners => partners::all_active(conn, vote.alliance)
            .await?
            .into_iter()
            .map(|p| (p.id.0, p.name))
            .collect(),
        Electorate::Members => users::display_names(conn, &voters).await?,
    };
    let mut participants: Vec<Participant> = voters
        .iter()
        .map(|v| Participant {
            voter: *v,
            name: names.get(v).cloned().unwrap_or_default(),
        })
        .collect();
    // Listed by name, not by when they voted.
    participants.sort_by(|a, b| a.name.cmp(&b.name).then(a.voter.cmp(&b.voter)));
    Ok(VoteView {
        vote,
        electorate_size: electorate.len(),
        participants,
    })
}

/// A vote's rules from the settings sent (422 naming every unreadable one).
fn parse_rules(
    subject: Subject,
    method: &str,
    options: Vec<String>,
    electorate: &str,
    quorum: i64,
    threshold: Option<&str>,
    by_college: bool,
) -> Result<Rules> {
    let mut v = Validator::new();
    let method = v.check(Method::parse("method", method));
    let electorate = v.check(Electorate::parse("electorate", electorate));
    let threshold = threshold.map(|t| v.check(Threshold::parse("threshold", t)));
    let (method, electorate) = v.finish((method, electorate))?;
    Ok(Rules::new(
        subject,
        method,
        options,
        electorate,
        quorum,
        threshold.flatten(),
        by_college,
    )?)
}

/// A setting a new vote cannot go without (422 `required`).
fn required<T>(value: Option<T>, field: &str) -> Result<T> {
    value.ok_or_else(|| AppError::field(field, "required", "a new vote needs it"))
}

fn parse_results(results: Option<String>) -> Result<Option<ResultsVisibility>> {
    Ok(results
        .as_deref()
        .map(|r| ResultsVisibility::parse("results", r))
        .transpose()?)
}

/// Checks the subject of a new vote: it exists here and awaits a decision. The subject
/// is locked, so that an edit of it that is checking for an open vote finishes first,
/// or sees this one (409 `vote_open`).
async fn check_subject(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    subject: Subject,
    id: Option<Uuid>,
) -> Result<()> {
    let alliance = scope.id();
    let id = match (subject, id) {
        (Subject::Question, None) => return Ok(()),
        (Subject::Question, Some(_)) => {
            return Err(AppError::field(
                "subject_id",
                "not_allowed",
                "a question has no subject",
            ));
        }
        (_, None) => {
            return Err(AppError::field(
                "subject_id",
                "required",
                "name the plan, action or charter version",
            ));
        }
        (_, Some(id)) => id,
    };
    // Whether the subject awaits this decision, when it exists here.
    let (awaits, code, message) = match subject {
        Subject::PlanAdoption => (
            plans::lock_plan(conn, alliance, PlanId(id))
                .await?
                .map(|plan| plan.phase == Phase::Voting),
            "plan_not_voting",
            "move the plan to its voting phase first",
        ),
        Subject::ActionAdoption => (
            plans::lock_action(conn, alliance, ActionId(id))
                .await?
                .map(|action| action.status == ActionStatus::Proposed),
            "action_not_proposed",
            "only a proposed action is voted on",
        ),
        Subject::CharterAdoption => (
            charters::lock_by_id(conn, alliance, CharterId(id))
                .await?
                .map(|charter| charter.status == CharterStatus::Proposed),
            "charter_not_proposed",
            "only a proposed charter version is voted on",
        ),
        Subject::Question => return Ok(()),
    };
    match awaits {
        None => Err(AppError::field(
            "subject_id",
            "not_found",
            "no such subject in this alliance",
        )),
        Some(false) => Err(AppError::conflict(code, message)),
        Some(true) => Ok(()),
    }
}

fn check_window(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Result<()> {
    if closes_at <= opens_at {
        return Err(AppError::field(
            "closes_at",
            "before_start",
            "must be after opens_at",
        ));
    }
    if closes_at <= Utc::now() {
        return Err(AppError::field(
            "closes_at",
            "in_the_past",
            "must be in the future",
        ));
    }
    Ok(())
}
