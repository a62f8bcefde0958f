//! Votes and decisions: rules fixed at opening, ballots while open, results and the
//! effect on the subject applied exactly once when the vote closes, whichever
//! replica closes it.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::plans::apply_phase;
use agir_domain::alliance::{CharterStatus, College, description, name};
use agir_domain::ids::{ActionId, AllianceId, CharterId, PartnerId, PlanId, UserId, VoteId};
use agir_domain::journal::Event;
use agir_domain::plan::{ActionStatus, Phase};
use agir_domain::policy;
use agir_domain::vote::{
    self, Ballot, Choice, Counts, Due, Electorate, Method, Outcome, ResultsVisibility, Rules,
    Subject, Tally, Threshold, VoteStatus,
};
use agir_persistence::journal::{self, Actor};
use agir_persistence::page::TimeKey;
use agir_persistence::plans::{self, ActionChanges};
use agir_persistence::votes::{self, NewVote, Vote, VoteChanges, VoteFilter};
use agir_persistence::{AsyncConnection, AsyncPgConnection, charters, partners, pool, users};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::idempotency;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, VotePath};
use crate::problem::{ApiError, Conflict, Forbidden, PreconditionFailed, UnprocessableEntity};
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// Someone (a partner or a person) who cast a ballot. Secret votes list them too,
/// never with their choice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// A partner id (partners electorate) or a user id (members electorate).
    pub voter_id: Uuid,
    /// The partner's name or the person's display name.
    pub name: String,
}

/// A vote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "title": "Adoption du plan d'actions 2026-2027",
    "description": "",
    "subject": "plan_adoption",
    "subject_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a10",
    "method": "consent",
    "options": [],
    "electorate": "partners",
    "quorum_percent": 50,
    "threshold": "two_thirds",
    "by_college": true,
    "secret": false,
    "results": "live",
    "opens_at": "2026-10-01T08:00:00Z",
    "closes_at": "2026-10-15T18:00:00Z",
    "status": "open",
    "closed_at": null,
    "electorate_size": 7,
    "participants": [{"voter_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03", "name": "Ecolo'phi"}],
    "outcome": null,
    "created_at": "2026-09-30T10:00:00Z"
}))]
pub struct VoteResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub title: String,
    pub description: String,
    /// `plan_adoption`, `action_adoption`, `charter_adoption` or `question`.
    #[schema(value_type = choices::Subject)]
    pub subject: String,
    /// The plan, action or charter version decided on (`null` for a question).
    pub subject_id: Option<Uuid>,
    /// `consent`, `single_choice`, `approval` or `majority_judgment`.
    #[schema(value_type = choices::Method)]
    pub method: String,
    pub options: Vec<String>,
    /// `partners` (one ballot per partner) or `members` (one per person).
    #[schema(value_type = choices::Electorate)]
    pub electorate: String,
    pub quorum_percent: u8,
    /// For `consent`: `simple`, `two_thirds` or `unanimity`.
    #[schema(value_type = Option<choices::Threshold>)]
    pub threshold: Option<String>,
    pub by_college: bool,
    /// Nobody, the coordinator and admins included, can see who chose what.
    pub secret: bool,
    /// `live` or `after_close`.
    #[schema(value_type = choices::ResultsVisibility)]
    pub results: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// `scheduled`, `open` or `closed`.
    #[schema(value_type = choices::VoteStatus)]
    pub status: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// Voters frozen at opening (0 until it opens).
    pub electorate_size: usize,
    /// Who cast a ballot.
    pub participants: Vec<Participant>,
    /// Once closed: `adopted`, `rejected`, `no_quorum`, `tie` or `winner`.
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One page of votes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VotePage {
    pub items: Vec<VoteResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Counts of a consent vote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentCountsResponse {
    #[serde(rename = "for")]
    pub for_: usize,
    pub against: usize,
    pub abstain: usize,
}

/// One college's part of a `by_college` result. A secret vote shows a college's counts
/// only where it cast at least 3 ballots; for a smaller college the counts are `null`
/// and only `threshold_met` says whether the threshold held there. The overall counts
/// are shown too, so when the hidden colleges together cast fewer than 3 ballots, the
/// smallest shown college is hidden as well: subtracting the shown counts from the
/// overall ones never singles out fewer than 3 ballots. What remains inferable: which
/// colleges voted is public (participants and partners' kinds are), so a college of one
/// partner whose `threshold_met` is `false` voted against (it blocks the vote, and when
/// it is the only college to do so the outcome alone tells as much); `true` for such a
/// college means it voted for or abstained.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"for": null, "against": null, "abstain": null, "threshold_met": true}))]
pub struct CollegeResultResponse {
    /// `null` where a secret vote hides this college's counts.
    #[serde(rename = "for")]
    pub for_: Option<usize>,
    pub against: Option<usize>,
    pub abstain: Option<usize>,
    /// Whether the threshold held in this college, or nobody there voted for or against
    /// (such a college blocks nothing). `null` only in results stored before this field
    /// existed.
    #[serde(default)]
    pub threshold_met: Option<bool>,
}

/// One option's result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OptionResult {
    pub option: String,
    /// Ballots (single choice) or approvals (approval).
    pub count: Option<usize>,
    /// Majority judgment: how many of each grade.
    pub grades: Option<BTreeMap<String, usize>>,
    /// Majority judgment: the option's majority grade.
    #[schema(value_type = Option<choices::Grade>)]
    pub majority_grade: Option<String>,
}

/// A non-secret ballot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BallotView {
    pub voter_id: Uuid,
    #[schema(value_type = Object)]
    pub choice: Value,
}

/// The result of a vote: final once closed, live while open when allowed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "vote_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70",
    "final": true,
    "electorate": 7,
    "turnout": 6,
    "turnout_percent": 85.7,
    "quorum_percent": 50,
    "quorum_reached": true,
    "consent": {"for": 5, "against": 1, "abstain": 0},
    "colleges": {"city": {"for": 1, "against": 0, "abstain": 0, "threshold_met": true}, "students": {"for": 1, "against": 0, "abstain": 0, "threshold_met": true}},
    "options": null,
    "outcome": "adopted",
    "winner": null,
    "ballots": null
}))]
pub struct ResultsResponse {
    pub vote_id: Uuid,
    /// `true` once the vote closed.
    #[serde(rename = "final")]
    pub final_: bool,
    pub electorate: usize,
    pub turnout: usize,
    pub turnout_percent: f64,
    pub quorum_percent: u8,
    pub quorum_reached: bool,
    /// Consent votes: counts per choice.
    pub consent: Option<ConsentCountsResponse>,
    /// `by_college` votes: each college's counts and whether the threshold held there
    /// (a secret vote hides the counts of colleges that cast fewer than 3 ballots).
    pub colleges: Option<BTreeMap<String, CollegeResultResponse>>,
    /// Other methods: per option.
    pub options: Option<Vec<OptionResult>>,
    /// `adopted`, `rejected`, `no_quorum`, `tie` or `winner`.
    pub outcome: String,
    /// The winning option, when `outcome` is `winner`.
    pub winner: Option<String>,
    /// Who chose what, for votes that are not secret; `null` for secret votes.
    pub ballots: Option<Vec<BallotView>>,
}

/// A new vote. It opens at `opens_at` (default: now), when its electorate is frozen;
/// its settings can change only until then.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Adoption du plan d'actions 2026-2027",
    "subject": "plan_adoption",
    "subject_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a10",
    "method": "consent",
    "electorate": "partners",
    "quorum_percent": 50,
    "threshold": "two_thirds",
    "by_college": true,
    "closes_at": "2026-10-15T18:00:00Z"
}))]
pub struct CreateVoteRequest {
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    #[schema(value_type = choices::Subject)]
    pub subject: String,
    /// The plan (in phase `voting`), the proposed action, or the proposed charter version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<Uuid>,
    #[schema(value_type = choices::Method)]
    pub method: String,
    /// 2 to 20 distinct options, for `single_choice`, `approval` and `majority_judgment`.
    #[serde(default)]
    pub options: Vec<String>,
    #[schema(value_type = choices::Electorate)]
    pub electorate: String,
    #[schema(minimum = 0, maximum = 100)]
    pub quorum_percent: i64,
    /// `consent` only (default `simple`).
    #[schema(value_type = Option<choices::Threshold>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    #[serde(default)]
    pub by_college: bool,
    #[serde(default)]
    pub secret: bool,
    /// `live` or `after_close`; by default `after_close` for a secret vote, `live`
    /// otherwise. A secret vote with `live` results is refused (422 on `results`): live
    /// counts beside a growing list of participants would reveal each choice.
    #[schema(value_type = Option<choices::ResultsVisibility>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
}

/// Changes to a scheduled vote (409 once it opened). The changed settings are checked
/// with the stored ones: making a `live` vote secret needs `results: after_close` too.
#[derive(Debug, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"closes_at": "2026-10-20T18:00:00Z"}))]
pub struct UpdateVoteRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[schema(value_type = Option<choices::Method>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[schema(value_type = Option<choices::Electorate>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub electorate: Option<String>,
    #[schema(minimum = 0, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum_percent: Option<i64>,
    #[schema(value_type = Option<choices::Threshold>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_college: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<bool>,
    #[schema(value_type = Option<choices::ResultsVisibility>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<DateTime<Utc>>,
}

/// A ballot: `choice` (consent: `for`/`against`/`abstain`; single choice: an option),
/// `options` (approval: the options approved) or `grades` (majority judgment: a grade
/// per option). In a `partners` vote, `partner_id` says which partner votes when you
/// speak for several.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"choice": "for"}))]
pub struct CastBallotRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// A ballot counted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"vote_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70", "voter_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03", "replaced": false}))]
pub struct BallotReceipt {
    pub vote_id: Uuid,
    /// The partner (partners electorate) or person (members electorate) the ballot counts for.
    pub voter_id: Uuid,
    /// An earlier ballot of the same voter was replaced.
    pub replaced: bool,
}

/// Filters of the vote list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoteFilterParams {
    /// `scheduled`, `open` or `closed`.
    #[param(value_type = Option<choices::VoteStatus>)]
    pub status: Option<String>,
}

/// A stored ballot as the tally reads it (re-checked against the rules). A ballot that
/// does not read is an internal error, never left out of the count.
fn stored_choice(rules: &Rules, choice: &Value) -> Result<Choice, String> {
    let object = choice.as_object().ok_or("not a JSON object")?;
    if let Some(unknown) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "choice" | "options" | "grades"))
    {
        return Err(format!("unknown field `{unknown}`"));
    }
    let text = match object.get("choice") {
        None => None,
        Some(c) => Some(c.as_str().ok_or("`choice` is not a string")?),
    };
    let options: Option<Vec<String>> = object
        .get("options")
        .map(|o| serde_json::from_value(o.clone()))
        .transpose()
        .map_err(|e| format!("`options`: {e}"))?;
    let grades: Option<BTreeMap<String, String>> = object
        .get("grades")
        .map(|g| serde_json::from_value(g.clone()))
        .transpose()
        .map_err(|e| format!("`grades`: {e}"))?;
    rules
        .ballot(text, options.as_deref(), grades.as_ref())
        .map_err(|e| e.to_string())
}

/// The results document of a tally.
fn results_document(
    vote: &Vote,
    tally: &Tally,
    final_: bool,
    ballots: Option<Vec<BallotView>>,
) -> ResultsResponse {
    let consent_counts = |c: &vote::ConsentCounts| ConsentCountsResponse {
        for_: c.for_,
        against: c.against,
        abstain: c.abstain,
    };
    let (consent, options) = match &tally.counts {
        Counts::Consent(c) => (Some(consent_counts(c)), None),
        Counts::PerOption(per) => (
            None,
            Some(
                vote.rules
                    .options
                    .iter()
                    .zip(per)
                    .map(|(option, count)| OptionResult {
                        option: option.clone(),
                        count: Some(*count),
                        grades: None,
                        majority_grade: None,
                    })
                    .collect(),
            ),
        ),
        Counts::Grades(per) => (
            None,
            Some(
                vote.rules
                    .options
                    .iter()
                    .zip(per)
                    .map(|(option, (grades, majority))| OptionResult {
                        option: option.clone(),
                        count: None,
                        grades: Some(
                            grades
                                .iter()
                                .map(|(g, n)| (g.as_str().to_owned(), *n))
                                .collect(),
                        ),
                        majority_grade: majority.map(|g| g.as_str().to_owned()),
                    })
                    .collect(),
            ),
        ),
    };
    let turnout_percent = if tally.electorate == 0 {
        0.0
    } else {
        ((tally.turnout as f64) * 1000.0 / (tally.electorate as f64)).round() / 10.0
    };
    ResultsResponse {
        vote_id: vote.id.0,
        final_,
        electorate: tally.electorate,
        turnout: tally.turnout,
        turnout_percent,
        quorum_percent: vote.rules.quorum_percent,
        quorum_reached: tally.quorum_reached,
        consent,
        colleges: vote.rules.by_college.then(|| {
            tally
                .college_results(&vote.rules, vote.secret)
                .into_iter()
                .map(|(college, c)| {
                    (
                        college.as_str().to_owned(),
                        CollegeResultResponse {
                            for_: c.counts.map(|c| c.for_),
                            against: c.counts.map(|c| c.against),
                            abstain: c.counts.map(|c| c.abstain),
                            threshold_met: Some(c.threshold_met),
                        },
                    )
                })
                .collect()
        }),
        options,
        outcome: tally.outcome.as_str().to_owned(),
        winner: match tally.outcome {
            Outcome::Winner(i) => vote.rules.options.get(i).cloned(),
            _ => None,
        },
        ballots,
    }
}

/// Counts a vote's ballots as they stand.
async fn count(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
) -> Result<(Tally, Option<Vec<BallotView>>), ApiError> {
    let electorate = votes::electorate(conn, vote.id).await?;
    let stored = votes::ballots(conn, vote.id).await?;
    // Every stored ballot counts, or the count fails (500, logged, nothing stored): a
    // ballot left out silently would change the result unseen. The error names the
    // vote, never the voter (a secret vote's choice may show in the message).
    let unreadable = |what: String| {
        ApiError::Internal(format!(
            "vote {}: a stored ballot does not read: {what}",
            vote.id
        ))
    };
    let ballots: Vec<Ballot> = stored
        .iter()
        .map(|b| {
            Ok(Ballot {
                college: b
                    .college
                    .as_deref()
                    .map(|c| College::parse("college", c))
                    .transpose()
                    .map_err(|e| unreadable(format!("its voter's college: {e}")))?,
                choice: stored_choice(&vote.rules, &b.choice).map_err(unreadable)?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let tally = vote::tally(&vote.rules, electorate.len(), &ballots);
    let views = (!vote.secret).then(|| {
        stored
            .iter()
            .map(|b| BallotView {
                voter_id: b.voter,
                choice: b.choice.clone(),
            })
            .collect()
    });
    Ok((tally, views))
}

/// Opens or closes a vote when its time has come, in its own transaction, with the
/// vote row locked: whichever request or replica gets there first does it, once.
pub async fn settle(state: &AppState, alliance: AllianceId, id: VoteId) -> Result<(), ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    settle_on(&mut conn, alliance, id).await
}

/// [`settle`] on a connection the caller holds (outside any transaction).
async fn settle_on(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: VoteId,
) -> Result<(), ApiError> {
    let now = Utc::now();
    // Most calls find nothing to do (a ballot in an open vote): a plain read says so
    // without queueing on the row lock behind the ballots that hold it shared. When
    // something is due, the lock is taken and the state read again under it.
    match votes::find(conn, alliance, id).await? {
        Some(vote)
            if vote::due(vote.status, vote.opens_at, vote.closes_at, now) != Due::Nothing => {}
        _ => return Ok(()),
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        let Some(vote) = votes::lock(conn, alliance, id).await? else {
            return Ok(());
        };
        match vote::due(vote.status, vote.opens_at, vote.closes_at, now) {
            Due::Nothing => Ok(()),
            Due::Open => open_vote(conn, &vote).await.map(|_| ()),
            Due::Close => {
                let vote = if vote.status == VoteStatus::Scheduled {
                    open_vote(conn, &vote).await?
                } else {
                    vote
                };
                close_vote(conn, &vote, None).await.map(|_| ())
            }
        }
    })
    .await
}

async fn open_vote(conn: &mut AsyncPgConnection, vote: &Vote) -> Result<Vote, ApiError> {
    let day = Utc::now().date_naive();
    let electorate = votes::eligible(conn, vote.alliance, vote.rules.electorate, day).await?;
    let opened = votes::open(conn, vote, &electorate).await?;
    journal::append(
        conn,
        Some(vote.alliance),
        Actor::system(),
        &Event::VoteOpened {
            vote: vote.id,
            electorate_size: electorate.len(),
        },
    )
    .await?;
    Ok(opened)
}

/// Closes a locked, open vote: stores its result, applies its effect, journals both.
async fn close_vote(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
    by: Option<UserId>,
) -> Result<Vote, ApiError> {
    let (tally, ballots) = count(conn, vote).await?;
    let document = results_document(vote, &tally, true, ballots);
    let stored = serde_json::to_value(&document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let closed = votes::close(conn, vote.id, by, &stored).await?;
    if vote.secret {
        // Now counted, a secret vote's ballots stop pairing voters with choices: who
        // took part and the choices are kept apart, and the stored answers to its
        // ballot requests are forgotten (their request hash covers the choice).
        votes::seal_secret_ballots(conn, vote.id).await?;
        idempotency::forget_path(conn, &ballots_path(vote.alliance, vote.id)).await?;
    }
    let actor = Actor {
        user: by,
        partner: None,
    };
    // Aggregates only: a secret vote's journal entry says nothing of who chose what.
    journal::append(
        conn,
        Some(vote.alliance),
        actor,
        &Event::VoteClosed {
            vote: vote.id,
            outcome: tally.outcome.clone(),
            winner: document.winner.clone(),
            turnout: tally.turnout,
            electorate: tally.electorate,
            quorum_reached: tally.quorum_reached,
            consent: match tally.counts {
                Counts::Consent(c) => Some(c),
                _ => None,
            },
            early: by.is_some(),
        },
    )
    .await?;
    apply_effect(conn, vote, &tally.outcome, actor).await?;
    Ok(closed)
}

/// The path of a vote's ballots, as idempotency keys remember it.
fn ballots_path(alliance: AllianceId, id: VoteId) -> String {
    format!("/api/v1/alliances/{}/votes/{id}/ballots", alliance.0)
}

/// The decision's effect on its subject, in the closing transaction.
async fn apply_effect(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
    outcome: &Outcome,
    actor: Actor,
) -> Result<(), ApiError> {
    let Some(subject) = vote.subject_id else {
        return Ok(());
    };
    let alliance = vote.alliance;
    match (vote.rules.subject, outcome) {
        (Subject::PlanAdoption, Outcome::Adopted) => {
            if let Some(plan) = plans::lock_plan(conn, alliance, PlanId(subject)).await?
                && plan.phase == Phase::Voting
            {
                apply_phase(conn, alliance, actor, plan, Phase::Adopted).await?;
            }
        }
        (Subject::ActionAdoption, Outcome::Adopted | Outcome::Rejected) => {
            let to = if *outcome == Outcome::Adopted {
                ActionStatus::Adopted
            } else {
                ActionStatus::Rejected
            };
            if let Some(action) = plans::lock_action(conn, alliance, ActionId(subject)).await?
                && action.status == ActionStatus::Proposed
            {
                plans::update_action(
                    conn,
                    alliance,
                    action.id,
                    ActionChanges {
                        status: Some(to),
                        ..ActionChanges::default()
                    },
                    None,
                )
                .await?;
                journal::append(
                    conn,
                    Some(alliance),
                    actor,
                    &Event::ActionStatusChanged {
                        action: action.id,
                        title: action.title.clone(),
                        from: action.status,
                        status: to,
                        vote: Some(vote.id),
                    },
                )
                .await?;
            }
        }
        (Subject::CharterAdoption, Outcome::Adopted) => {
            if let Some(charter) = charters::lock_by_id(conn, alliance, CharterId(subject)).await?
                && charter.status == CharterStatus::Proposed
            {
                charters::make_current(conn, alliance, CharterId(subject)).await?;
                journal::append(
                    conn,
                    Some(alliance),
                    actor,
                    &Event::CharterAdopted {
                        charter: CharterId(subject),
                        version: charter.version,
                        vote: vote.id,
                    },
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn response(conn: &mut AsyncPgConnection, vote: Vote) -> Result<VoteResponse, ApiError> {
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
            voter_id: *v,
            name: names.get(v).cloned().unwrap_or_default(),
        })
        .collect();
    // Listed by name, not by when they voted.
    participants.sort_by(|a, b| a.name.cmp(&b.name).then(a.voter_id.cmp(&b.voter_id)));
    let outcome = vote
        .result
        .as_ref()
        .and_then(|r| r.get("outcome"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(VoteResponse {
        id: vote.id.0,
        alliance_id: vote.alliance.0,
        title: vote.title,
        description: vote.description,
        subject: vote.rules.subject.as_str().to_owned(),
        subject_id: vote.subject_id,
        method: vote.rules.method.as_str().to_owned(),
        options: vote.rules.options.clone(),
        electorate: vote.rules.electorate.as_str().to_owned(),
        quorum_percent: vote.rules.quorum_percent,
        threshold: vote.rules.threshold.map(|t| t.as_str().to_owned()),
        by_college: vote.rules.by_college,
        secret: vote.secret,
        results: vote.results.as_str().to_owned(),
        opens_at: vote.opens_at,
        closes_at: vote.closes_at,
        status: vote.status.as_str().to_owned(),
        closed_at: vote.closed_at,
        electorate_size: electorate.len(),
        participants,
        outcome,
        created_at: vote.created_at,
    })
}

/// A vote of this alliance, settled first (opened or closed if its time has come).
async fn settled(state: &AppState, scope: &InAlliance, id: Uuid) -> Result<Vote, ApiError> {
    let id = VoteId(id);
    settle(state, scope.id(), id).await?;
    let mut conn = pool::get(&state.pool).await?;
    votes::find(&mut conn, scope.id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("vote"))
}

fn parse_rules(
    subject: Subject,
    method: &str,
    options: Vec<String>,
    electorate: &str,
    quorum: i64,
    threshold: Option<&str>,
    by_college: bool,
) -> Result<Rules, ApiError> {
    let mut v = agir_domain::error::Validator::new();
    let method = v.check(Method::parse("method", method));
    let electorate = v.check(Electorate::parse("electorate", electorate));
    let threshold = threshold.map(|t| v.check(Threshold::parse("threshold", t)));
    v.finish(())?;
    let (Some(method), Some(electorate)) = (method, electorate) else {
        return Err(ApiError::Internal(
            "validator let an invalid value through".into(),
        ));
    };
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

/// Checks the subject of a new vote: it exists here and awaits a decision.
async fn check_subject(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    subject: Subject,
    id: Option<Uuid>,
) -> Result<(), ApiError> {
    let missing = || {
        ApiError::field(
            "subject_id",
            "not_found",
            "no such subject in this alliance",
        )
    };
    match (subject, id) {
        (Subject::Question, None) => Ok(()),
        (Subject::Question, Some(_)) => Err(ApiError::field(
            "subject_id",
            "not_allowed",
            "a question has no subject",
        )),
        (_, None) => Err(ApiError::field(
            "subject_id",
            "required",
            "name the plan, action or charter version",
        )),
        (Subject::PlanAdoption, Some(id)) => {
            // Locked, so that an edit of the plan or its actions that is checking for
            // an open vote finishes first, or sees this one (409 `vote_open`).
            let plan = plans::lock_plan(conn, alliance, PlanId(id))
                .await?
                .ok_or_else(missing)?;
            if plan.phase != Phase::Voting {
                return Err(ApiError::conflict(
                    "plan_not_voting",
                    "move the plan to its voting phase first",
                ));
            }
            Ok(())
        }
        (Subject::ActionAdoption, Some(id)) => {
            // Locked for the same reason as a plan above.
            let action = plans::lock_action(conn, alliance, ActionId(id))
                .await?
                .ok_or_else(missing)?;
            if action.status != ActionStatus::Proposed {
                return Err(ApiError::conflict(
                    "action_not_proposed",
                    "only a proposed action is voted on",
                ));
            }
            Ok(())
        }
        (Subject::CharterAdoption, Some(id)) => {
            let charter = charters::lock_by_id(conn, alliance, CharterId(id))
                .await?
                .ok_or_else(missing)?;
            if charter.status != CharterStatus::Proposed {
                return Err(ApiError::conflict(
                    "charter_not_proposed",
                    "only a proposed charter version is voted on",
                ));
            }
            Ok(())
        }
    }
}

fn check_window(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Result<(), ApiError> {
    if closes_at <= opens_at {
        return Err(ApiError::field(
            "closes_at",
            "before_start",
            "must be after opens_at",
        ));
    }
    if closes_at <= Utc::now() {
        return Err(ApiError::field(
            "closes_at",
            "in_the_past",
            "must be in the future",
        ));
    }
    Ok(())
}

/// List votes (members of the alliance).
#[utoipa::path(
    tag = "votes",
    params(AlliancePath, PageParams, VoteFilterParams),
    responses(
        (status = 200, description = "A page of votes", body = VotePage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_votes(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    page: web::Query<PageParams>,
    filter: web::Query<VoteFilterParams>,
) -> Result<web::Json<VotePage>, ApiError> {
    policy::read_private(&scope.caller)?;
    let page = page.request::<TimeKey>()?;
    let filter = VoteFilter {
        status: filter
            .status
            .as_deref()
            .map(|s| VoteStatus::parse("status", s))
            .transpose()?,
    };
    // This alliance's votes whose time has come are settled before they are listed, on
    // the one connection the list holds.
    let mut conn = pool::get(&state.pool).await?;
    for id in votes::due_in(&mut conn, scope.id(), Utc::now()).await? {
        settle_on(&mut conn, scope.id(), id).await?;
    }
    let found = votes::list(&mut conn, scope.id(), &filter, &page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for vote in found.items {
        items.push(response(&mut conn, vote).await?);
    }
    Ok(web::Json(VotePage {
        items,
        next_cursor: found.next_cursor,
    }))
}

/// Open a vote (coordinator). Its rules are fixed from `opens_at` on.
///
/// A secret vote shows its results after the close only: `secret: true` with
/// `results: live` is 422 `validation_failed` naming `results` (left out, `results` is
/// then `after_close`).
#[utoipa::path(
    tag = "votes",
    params(AlliancePath),
    request_body = CreateVoteRequest,
    responses(
        (status = 201, description = "Created", body = VoteResponse,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_vote(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateVoteRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let body = body.into_inner();
    let title = name("title", &body.title)?;
    let description = description("description", &body.description)?;
    let subject = Subject::parse("subject", &body.subject)?;
    let rules = parse_rules(
        subject,
        &body.method,
        body.options,
        &body.electorate,
        body.quorum_percent,
        body.threshold.as_deref(),
        body.by_college,
    )?;
    let results = vote::results_visibility(
        body.secret,
        body.results
            .as_deref()
            .map(|r| ResultsVisibility::parse("results", r))
            .transpose()?,
    )?;
    let opens_at = body.opens_at.unwrap_or_else(Utc::now);
    check_window(opens_at, body.closes_at)?;
    let alliance = scope.id();
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let vote = conn
        .transaction::<_, ApiError, _>(async |conn| {
            check_subject(conn, alliance, subject, body.subject_id).await?;
            let vote = votes::insert(
                conn,
                NewVote {
                    id: VoteId::new(),
                    alliance,
                    title,
                    description,
                    rules,
                    subject_id: body.subject_id,
                    secret: body.secret,
                    results,
                    opens_at,
                    closes_at: body.closes_at,
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
            let vote = if vote.opens_at <= Utc::now() {
                open_vote(conn, &vote).await?
            } else {
                vote
            };
            response(conn, vote).await
        })
        .await?;
    Ok(created(
        format!("/api/v1/alliances/{alliance}/votes/{}", vote.id),
        &vote,
    ))
}

/// Read a vote: its rules, status and who took part (members of the alliance).
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    responses(
        (status = 200, description = "The vote", body = VoteResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{vote_id}")]
pub async fn get_vote(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
) -> Result<HttpResponse, ApiError> {
    policy::read_private(&scope.caller)?;
    let vote = settled(&state, &scope, path.vote_id).await?;
    let mut conn = pool::get(&state.pool).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &response(&mut conn, vote).await?,
    ))
}

/// Change a vote that has not opened yet (coordinator); 409 once it opened.
///
/// The new settings are judged with the stored ones: a vote that would end up secret
/// with `live` results is 422 `validation_failed` naming `results`.
#[utoipa::path(
    tag = "votes",
    params(
        VotePath,
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the vote changed since"),
    ),
    request_body = UpdateVoteRequest,
    responses(
        (status = 200, description = "The updated vote", body = VoteResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 412, response = PreconditionFailed),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{vote_id}")]
pub async fn update_vote(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
    if_match: IfMatch,
    body: web::Json<UpdateVoteRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let body = body.into_inner();
    let alliance = scope.id();
    let id = VoteId(path.vote_id);
    let actor = scope.actor();
    settle(&state, alliance, id).await?;
    let mut conn = pool::get(&state.pool).await?;
    let vote = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = votes::lock(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("vote"))?;
            if current.status != VoteStatus::Scheduled {
                return Err(ApiError::conflict(
                    "vote_open",
                    "a vote's settings are fixed once it opens",
                ));
            }
            let unchanged = response(conn, current.clone()).await?;
            if_match.check(&unchanged)?;
            // Nothing to change: nothing written, nothing journaled.
            if body == UpdateVoteRequest::default() {
                return Ok(unchanged);
            }
            let rules = parse_rules(
                current.rules.subject,
                body.method
                    .as_deref()
                    .unwrap_or(current.rules.method.as_str()),
                body.options
                    .clone()
                    .unwrap_or_else(|| current.rules.options.clone()),
                body.electorate
                    .as_deref()
                    .unwrap_or(current.rules.electorate.as_str()),
                body.quorum_percent
                    .unwrap_or(i64::from(current.rules.quorum_percent)),
                body.threshold
                    .as_deref()
                    .or(current.rules.threshold.map(|t| t.as_str())),
                body.by_college.unwrap_or(current.rules.by_college),
            )?;
            // Secrecy and visibility are checked as they will stand together.
            let secret = body.secret.unwrap_or(current.secret);
            let results = vote::results_visibility(
                secret,
                Some(
                    body.results
                        .as_deref()
                        .map(|r| ResultsVisibility::parse("results", r))
                        .transpose()?
                        .unwrap_or(current.results),
                ),
            )?;
            let opens_at = body.opens_at.unwrap_or(current.opens_at);
            let closes_at = body.closes_at.unwrap_or(current.closes_at);
            check_window(opens_at, closes_at)?;
            let changes = VoteChanges {
                title: body
                    .title
                    .as_deref()
                    .map(|t| name("title", t))
                    .transpose()?,
                description: body
                    .description
                    .as_deref()
                    .map(|d| description("description", d))
                    .transpose()?,
                rules,
                secret,
                results,
                opens_at,
                closes_at,
            };
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
            let vote = if vote.opens_at <= Utc::now() {
                open_vote(conn, &vote).await?
            } else {
                vote
            };
            response(conn, vote).await
        })
        .await?;
    Ok(json_with_etag(StatusCode::OK, &vote))
}

/// Cast or change your ballot while the vote is open; 409 once it closed. In a
/// `partners` vote, a representative or coordinator votes for their partner and a later
/// ballot of the same partner replaces the earlier; in a `members` vote, each person
/// with a current mandate (not observer) at opening votes once. Admins never vote.
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    request_body = CastBallotRequest,
    responses(
        (status = 200, description = "An earlier ballot of the same voter was replaced", body = BallotReceipt),
        (status = 201, description = "Counted", body = BallotReceipt),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{vote_id}/ballots")]
pub async fn cast_ballot(
    state: web::Data<AppState>,
    caller: Caller,
    scope: InAlliance,
    path: web::Path<VotePath>,
    body: web::Json<CastBallotRequest>,
) -> Result<HttpResponse, ApiError> {
    if caller.user.is_admin {
        return Err(ApiError::forbidden("an admin never votes"));
    }
    policy::read_private(&scope.caller)?;
    let alliance = scope.id();
    let id = VoteId(path.vote_id);
    let mut conn = pool::get(&state.pool).await?;
    // A vote whose time to open or close has come is settled first. Most ballots find
    // nothing due, so the check reads the row the ballot locks anyway: only when
    // something is due is the attempt given up, the vote settled, and the ballot tried
    // once more (the state is then judged as it stands).
    let mut settled = false;
    let receipt = loop {
        let attempt = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // Shared lock: ballots go in side by side, but never while the vote closes.
            let vote = votes::lock_for_ballot(conn, alliance, id).await?.ok_or_else(|| ApiError::not_found("vote"))?;
            if !settled && vote::due(vote.status, vote.opens_at, vote.closes_at, Utc::now()) != Due::Nothing {
                return Ok(Attempt::Settle);
            }
            let voter = match vote.rules.electorate {
                Electorate::Partners => {
                    let partner = match body.partner_id {
                        Some(p) => PartnerId(p),
                        None => match scope.caller.partners_spoken_for().as_slice() {
                            [only] => *only,
                            [] => return Err(ApiError::forbidden("only a current representative or coordinator of a partner votes")),
                            _ => return Err(ApiError::field("partner_id", "required", "you speak for several partners: say which one votes")),
                        },
                    };
                    policy::sign_for_partner(&scope.caller, partner)?;
                    partner.0
                }
                Electorate::Members => {
                    if !scope.caller.mandates.iter().any(|m| m.role.takes_part()) {
                        return Err(ApiError::forbidden("only members with a current mandate vote"));
                    }
                    caller.id().0
                }
            };
            // The right to vote is checked first (403), then the vote's state (409).
            match vote.status {
                VoteStatus::Scheduled => return Err(ApiError::conflict("vote_not_open", "this vote has not opened yet")),
                VoteStatus::Closed => return Ok(Attempt::Closed { secret: vote.secret }),
                VoteStatus::Open if Utc::now() >= vote.closes_at => {
                    return Ok(Attempt::Closed { secret: vote.secret });
                }
                VoteStatus::Open => {}
            }
            if !votes::in_electorate(conn, vote.id, voter).await? {
                return Err(ApiError::forbidden("not in this vote's electorate, frozen when it opened"));
            }
            let choice = vote.rules.ballot(body.choice.as_deref(), body.options.as_deref(), body.grades.as_ref())?;
            let stored = match &choice {
                Choice::Consent(c) => json!({"choice": c.as_str()}),
                Choice::Single(i) => json!({"choice": vote.rules.options[*i]}),
                Choice::Approval(approved) => {
                    json!({"options": approved.iter().map(|i| vote.rules.options[*i].clone()).collect::<Vec<_>>()})
                }
                Choice::Grades(grades) => json!({"grades": vote
                    .rules
                    .options
                    .iter()
                    .zip(grades)
                    .map(|(o, g)| (o.clone(), Value::from(g.as_str())))
                    .collect::<serde_json::Map<_, _>>()}),
            };
            let replaced = votes::cast(conn, vote.id, voter, caller.id(), &stored).await?;
            // Who took part is public; what they chose never enters the journal. A
            // partner's ballot is journaled as the person acting for that partner.
            let actor = match vote.rules.electorate {
                Electorate::Partners => scope.actor_for(PartnerId(voter)),
                Electorate::Members => scope.actor(),
            };
            journal::append(conn, Some(alliance), actor, &Event::BallotCast {
                vote: vote.id,
                voter,
                replaced,
            })
            .await?;
            Ok(Attempt::Cast(BallotReceipt {
                vote_id: vote.id.0,
                voter_id: voter,
                replaced,
            }))
        })
        .await?;
        match attempt {
            Attempt::Cast(receipt) => break receipt,
            Attempt::Settle => {
                settle_on(&mut conn, alliance, id).await?;
                settled = true;
            }
            Attempt::Closed { secret } => {
                // A ballot sent to a closed secret vote would be kept as an idempotent
                // answer, its request hash covering the choice: forget it, as the close
                // forgot the earlier ones.
                if secret {
                    idempotency::forget_path(&mut conn, &ballots_path(alliance, id)).await?;
                }
                return Err(ApiError::conflict("vote_closed", "this vote is closed"));
            }
        }
    };
    let status = if receipt.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(HttpResponse::build(status).json(receipt))
}

/// How one try at casting a ballot ended.
enum Attempt {
    Cast(BallotReceipt),
    /// The vote's time to open or close has come: settle it and try again.
    Settle,
    /// The vote is closed (409 `vote_closed`).
    Closed {
        secret: bool,
    },
}

/// Close a vote before its time (coordinator): the result is final and its effect applied.
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    responses(
        (status = 200, description = "The closed vote", body = VoteResponse),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{vote_id}/close")]
pub async fn close_vote_early(
    state: web::Data<AppState>,
    caller: Caller,
    scope: InAlliance,
    path: web::Path<VotePath>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    let id = VoteId(path.vote_id);
    settle(&state, alliance, id).await?;
    let mut conn = pool::get(&state.pool).await?;
    let vote = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let vote = votes::lock(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("vote"))?;
            if vote.status == VoteStatus::Closed {
                return Err(ApiError::conflict(
                    "vote_closed",
                    "this vote is already closed",
                ));
            }
            let vote = if vote.status == VoteStatus::Scheduled {
                open_vote(conn, &vote).await?
            } else {
                vote
            };
            let closed = close_vote(conn, &vote, Some(caller.id())).await?;
            response(conn, closed).await
        })
        .await?;
    Ok(json_with_etag(StatusCode::OK, &vote))
}

/// A vote's results: final once closed; while open, live unless the vote shows
/// results only after closing (409 `results_not_available`, for everyone).
///
/// A secret vote always shows its results after the close only. A secret `by_college`
/// result shows a college's counts only where it cast at least 3 ballots, and for the
/// other colleges only `threshold_met` (see `CollegeResultResponse`). A stored ballot
/// that does not read fails the count (500), never drops out of it.
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    responses(
        (status = 200, description = "The results", body = ResultsResponse),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{vote_id}/results")]
pub async fn get_vote_results(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
) -> Result<web::Json<ResultsResponse>, ApiError> {
    policy::read_private(&scope.caller)?;
    let vote = settled(&state, &scope, path.vote_id).await?;
    match vote.status {
        VoteStatus::Closed => {
            let stored = vote
                .result
                .clone()
                .ok_or_else(|| ApiError::Internal("closed vote without result".into()))?;
            let document: ResultsResponse = serde_json::from_value(stored)
                .map_err(|e| ApiError::Internal(format!("stored result: {e}")))?;
            Ok(web::Json(document))
        }
        VoteStatus::Scheduled => Err(ApiError::conflict(
            "vote_not_open",
            "this vote has not opened yet",
        )),
        VoteStatus::Open if !vote::shows_live_results(vote.secret, vote.results) => {
            Err(ApiError::conflict(
                "results_not_available",
                "this vote's results are shown after it closes",
            ))
        }
        VoteStatus::Open => {
            let mut conn = pool::get(&state.pool).await?;
            let (tally, ballots) = count(&mut conn, &vote).await?;
            Ok(web::Json(results_document(&vote, &tally, false, ballots)))
        }
    }
}
