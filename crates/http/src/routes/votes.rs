//! Votes and decisions: the HTTP side of `agir_app::votes` (rules fixed at opening,
//! ballots while open, results and the effect on the subject applied exactly once when
//! the vote closes, whichever replica closes it).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::votes::{self, BallotInput, VoteSettings, VoteView};
use agir_domain::ids::{PartnerId, VoteId};
use agir_domain::policy;
use agir_domain::vote::VoteStatus;
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use agir_persistence::votes::{StoredResults, VoteFilter};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, VotePath};
use crate::problem::{ApiError, Conflict};
use crate::scope::Authenticated;
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

impl From<&VoteView> for VoteResponse {
    fn from(view: &VoteView) -> Self {
        let vote = &view.vote;
        Self {
            id: vote.id.0,
            alliance_id: vote.alliance.0,
            title: vote.title.clone(),
            description: vote.description.clone(),
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
            electorate_size: view.electorate_size,
            participants: view
                .participants
                .iter()
                .map(|p| Participant {
                    voter_id: p.voter,
                    name: p.name.clone(),
                })
                .collect(),
            outcome: view.outcome().map(str::to_owned),
            created_at: vote.created_at,
        }
    }
}

impl From<StoredResults> for ResultsResponse {
    fn from(stored: StoredResults) -> Self {
        Self {
            vote_id: stored.vote_id,
            final_: stored.final_,
            electorate: stored.electorate,
            turnout: stored.turnout,
            turnout_percent: stored.turnout_percent,
            quorum_percent: stored.quorum_percent,
            quorum_reached: stored.quorum_reached,
            consent: stored.consent.map(|c| ConsentCountsResponse {
                for_: c.for_,
                against: c.against,
                abstain: c.abstain,
            }),
            colleges: stored.colleges.map(|colleges| {
                colleges
                    .into_iter()
                    .map(|(college, c)| {
                        let result = CollegeResultResponse {
                            for_: c.for_,
                            against: c.against,
                            abstain: c.abstain,
                            threshold_met: c.threshold_met,
                        };
                        (college, result)
                    })
                    .collect()
            }),
            options: stored.options.map(|options| {
                options
                    .into_iter()
                    .map(|o| OptionResult {
                        option: o.option,
                        count: o.count,
                        grades: o.grades,
                        majority_grade: o.majority_grade,
                    })
                    .collect()
            }),
            outcome: stored.outcome,
            winner: stored.winner,
            ballots: stored.ballots.map(|ballots| {
                ballots
                    .into_iter()
                    .map(|b| BallotView {
                        voter_id: b.voter_id,
                        choice: b.choice,
                    })
                    .collect()
            }),
        }
    }
}

impl From<UpdateVoteRequest> for VoteSettings {
    fn from(body: UpdateVoteRequest) -> Self {
        Self {
            title: body.title,
            description: body.description,
            method: body.method,
            options: body.options,
            electorate: body.electorate,
            quorum_percent: body.quorum_percent,
            threshold: body.threshold,
            by_college: body.by_college,
            secret: body.secret,
            results: body.results,
            opens_at: body.opens_at,
            closes_at: body.closes_at,
        }
    }
}

impl From<CastBallotRequest> for BallotInput {
    fn from(body: CastBallotRequest) -> Self {
        Self {
            choice: body.choice,
            options: body.options,
            grades: body.grades,
            partner: body.partner_id.map(PartnerId),
        }
    }
}

/// List votes (members of the alliance).
#[utoipa::path(
    tag = "votes",
    params(AlliancePath, PageParams, VoteFilterParams),
    responses(
        (status = 200, description = "A page of votes", body = VotePage),
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
    // Refused before the query is read, as always (the list asks the same rule).
    policy::read_private(&scope.caller)?;
    let page = page.request::<TimeKey>()?;
    let filter = VoteFilter {
        status: filter
            .status
            .as_deref()
            .map(|s| VoteStatus::parse("status", s))
            .transpose()?,
    };
    let mut conn = pool::get(&state.pool).await?;
    let found = votes::list(&mut conn, &scope, &filter, &page).await?;
    Ok(web::Json(VotePage {
        items: found.items.iter().map(VoteResponse::from).collect(),
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
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_vote(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateVoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    // Every setting is sent: the ones the request may leave out have their defaults.
    let settings = VoteSettings {
        title: Some(body.title),
        description: Some(body.description),
        method: Some(body.method),
        options: Some(body.options),
        electorate: Some(body.electorate),
        quorum_percent: Some(body.quorum_percent),
        threshold: body.threshold,
        by_college: Some(body.by_college),
        secret: Some(body.secret),
        results: body.results,
        opens_at: body.opens_at,
        closes_at: Some(body.closes_at),
    };
    let mut conn = pool::get(&state.pool).await?;
    let vote = votes::create(&mut conn, &scope, &body.subject, body.subject_id, settings).await?;
    Ok(created(
        format!("/api/v1/alliances/{}/votes/{}", scope.id(), vote.vote.id),
        &VoteResponse::from(&vote),
    ))
}

/// Read a vote: its rules, status and who took part (members of the alliance).
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    responses(
        (status = 200, description = "The vote", body = VoteResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{vote_id}")]
pub async fn get_vote(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let vote = votes::get(&mut conn, &scope, VoteId(path.vote_id)).await?;
    Ok(json_with_etag(StatusCode::OK, &VoteResponse::from(&vote)))
}

/// Change a vote that has not opened yet (coordinator); 409 once it opened.
///
/// The new settings are judged with the stored ones: a vote that would end up secret
/// with `live` results is 422 `validation_failed` naming `results`.
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    request_body = UpdateVoteRequest,
    responses(
        (status = 200, description = "The updated vote", body = VoteResponse, headers(("ETag" = String))),
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
    let mut conn = pool::get(&state.pool).await?;
    let vote = votes::update(
        &mut conn,
        &scope,
        VoteId(path.vote_id),
        body.into_inner().into(),
        &if_match.against(|view: &VoteView| VoteResponse::from(view)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &VoteResponse::from(&vote)))
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
    ),
    security(("bearer_auth" = []))
)]
#[post("/{vote_id}/ballots")]
pub async fn cast_ballot(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
    body: web::Json<CastBallotRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let receipt = votes::cast(
        &mut conn,
        &scope,
        VoteId(path.vote_id),
        body.into_inner().into(),
    )
    .await?;
    let status = if receipt.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(HttpResponse::build(status).json(BallotReceipt {
        vote_id: receipt.vote.0,
        voter_id: receipt.voter,
        replaced: receipt.replaced,
    }))
}

/// Close a vote before its time (coordinator): the result is final and its effect applied.
#[utoipa::path(
    tag = "votes",
    params(VotePath),
    responses(
        (status = 200, description = "The closed vote", body = VoteResponse),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{vote_id}/close")]
pub async fn close_vote_early(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<VotePath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let vote = votes::close_early(&mut conn, &scope, VoteId(path.vote_id)).await?;
    Ok(json_with_etag(StatusCode::OK, &VoteResponse::from(&vote)))
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
    let mut conn = pool::get(&state.pool).await?;
    let results = votes::results(&mut conn, &scope, VoteId(path.vote_id)).await?;
    Ok(web::Json(results.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results documents as closed votes stored them before they had a type of their
    /// own (the API's `ResultsResponse` written as it was): a consent vote by college
    /// (one college stored before `threshold_met` existed), a majority judgment, a
    /// single choice with a winner, and a secret vote (no ballots).
    const STORED: [&str; 4] = [
        r#"{"vote_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70","final":true,"electorate":7,"turnout":6,"turnout_percent":85.7,"quorum_percent":50,"quorum_reached":true,"consent":{"for":5,"against":1,"abstain":0},"colleges":{"city":{"for":1,"against":0,"abstain":0,"threshold_met":true},"students":{"for":4,"against":1,"abstain":0}},"options":null,"outcome":"adopted","winner":null,"ballots":[{"voter_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03","choice":{"choice":"for"}}]}"#,
        r#"{"vote_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a71","final":true,"electorate":3,"turnout":2,"turnout_percent":66.7,"quorum_percent":0,"quorum_reached":true,"consent":null,"colleges":null,"options":[{"option":"A","count":null,"grades":{"good":1,"poor":1},"majority_grade":"poor"},{"option":"B","count":null,"grades":{"excellent":2},"majority_grade":"excellent"}],"outcome":"winner","winner":"B","ballots":[{"voter_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a04","choice":{"grades":{"A":"good","B":"excellent"}}}]}"#,
        r#"{"vote_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a72","final":true,"electorate":4,"turnout":4,"turnout_percent":100.0,"quorum_percent":50,"quorum_reached":true,"consent":null,"colleges":null,"options":[{"option":"A","count":2,"grades":null,"majority_grade":null},{"option":"B","count":2,"grades":null,"majority_grade":null}],"outcome":"tie","winner":null,"ballots":[]}"#,
        r#"{"vote_id":"0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a73","final":true,"electorate":9,"turnout":5,"turnout_percent":55.6,"quorum_percent":50,"quorum_reached":true,"consent":{"for":3,"against":2,"abstain":0},"colleges":{"city":{"for":null,"against":null,"abstain":null,"threshold_met":false},"students":{"for":3,"against":1,"abstain":0,"threshold_met":true}},"options":null,"outcome":"rejected","winner":null,"ballots":null}"#,
    ];

    #[test]
    fn a_stored_result_reads_back_and_answers_as_before() {
        for text in STORED {
            let written: Value = serde_json::from_str(text).unwrap();
            let stored: StoredResults = serde_json::from_value(written.clone()).unwrap();
            // Persistence writes the same document back (rows written today still read,
            // rows written from now on read with older code too).
            let rewritten = serde_json::to_value(&stored).unwrap();
            let before: ResultsResponse = serde_json::from_value(written.clone()).unwrap();
            // The API answers what it answered when it read the stored DTO directly.
            let answer = serde_json::to_value(ResultsResponse::from(stored)).unwrap();
            assert_eq!(answer, serde_json::to_value(before).unwrap(), "{text}");
            let mut written = written;
            // The one field older documents may lack is written explicitly now.
            if let Some(colleges) = written["colleges"].as_object_mut() {
                for college in colleges.values_mut() {
                    college
                        .as_object_mut()
                        .unwrap()
                        .entry("threshold_met")
                        .or_insert(Value::Null);
                }
            }
            assert_eq!(rewritten, written, "{text}");
            assert_eq!(answer, written, "{text}");
        }
    }
}
