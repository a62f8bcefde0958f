//! Votes, their frozen electorate and their ballots.

use std::collections::BTreeMap;

use agir_domain::alliance::College;
use agir_domain::ids::{AllianceId, UserId, VoteId};
use agir_domain::mandate::Role;
use agir_domain::vote::{
    Electorate, Method, ResultsVisibility, Rules, Subject, Threshold, VoteStatus,
};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{
    ballots, mandates, partners, vote_electorate, vote_participants, vote_secret_choices, votes,
};
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = votes, check_for_backend(diesel::pg::Pg))]
struct VoteRow {
    id: Uuid,
    alliance_id: Uuid,
    title: String,
    description: String,
    subject: String,
    subject_id: Option<Uuid>,
    method: String,
    options: Value,
    electorate: String,
    quorum_percent: i16,
    threshold: Option<String>,
    by_college: bool,
    secret: bool,
    results: String,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    status: String,
    opened_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    closed_by: Option<Uuid>,
    result: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A vote.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    pub id: VoteId,
    pub alliance: AllianceId,
    pub title: String,
    pub description: String,
    pub rules: Rules,
    pub subject_id: Option<Uuid>,
    pub secret: bool,
    pub results: ResultsVisibility,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub status: VoteStatus,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<UserId>,
    /// The stored result of a closed vote.
    pub result: Option<StoredResults>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<VoteRow> for Vote {
    type Error = PersistenceError;
    fn try_from(r: VoteRow) -> Result<Self> {
        let options: Vec<String> = serde_json::from_value(r.options)
            .map_err(|e| PersistenceError::Corrupt(format!("vote options: {e}")))?;
        let rules = Rules::new(
            Subject::parse("subject", &r.subject)?,
            Method::parse("method", &r.method)?,
            options,
            Electorate::parse("electorate", &r.electorate)?,
            i64::from(r.quorum_percent),
            r.threshold
                .as_deref()
                .map(|t| Threshold::parse("threshold", t))
                .transpose()?,
            r.by_college,
        )?;
        Ok(Self {
            id: VoteId(r.id),
            alliance: AllianceId(r.alliance_id),
            title: r.title,
            description: r.description,
            rules,
            subject_id: r.subject_id,
            secret: r.secret,
            results: ResultsVisibility::parse("results", &r.results)?,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            status: VoteStatus::parse("status", &r.status)?,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            closed_by: r.closed_by.map(UserId),
            result: r
                .result
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| PersistenceError::Corrupt(format!("vote result: {e}")))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The results of a closed vote as `votes.result` keeps them: a document of its own,
/// apart from the API's answer (the HTTP crate maps it), so that renaming an API field
/// never breaks a closed vote. Its JSON is the one written since votes first closed:
/// change a name here only with a migration of the stored rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredResults {
    pub vote_id: Uuid,
    #[serde(rename = "final")]
    pub final_: bool,
    pub electorate: usize,
    pub turnout: usize,
    pub turnout_percent: f64,
    pub quorum_percent: u8,
    pub quorum_reached: bool,
    /// Consent votes: counts per choice.
    pub consent: Option<StoredConsentCounts>,
    /// `by_college` votes, by college name.
    pub colleges: Option<BTreeMap<String, StoredCollegeResult>>,
    /// Other methods: per option.
    pub options: Option<Vec<StoredOptionResult>>,
    /// `adopted`, `rejected`, `no_quorum`, `tie` or `winner`.
    pub outcome: String,
    pub winner: Option<String>,
    /// Who chose what; `None` for secret votes.
    pub ballots: Option<Vec<StoredBallotView>>,
}

/// Counts of a consent vote, stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConsentCounts {
    #[serde(rename = "for")]
    pub for_: usize,
    pub against: usize,
    pub abstain: usize,
}

/// One college's part of a stored `by_college` result (counts `None` where a secret
/// vote hid them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCollegeResult {
    #[serde(rename = "for")]
    pub for_: Option<usize>,
    pub against: Option<usize>,
    pub abstain: Option<usize>,
    /// `None` only in results stored before this field existed.
    #[serde(default)]
    pub threshold_met: Option<bool>,
}

/// One option's stored result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOptionResult {
    pub option: String,
    pub count: Option<usize>,
    pub grades: Option<BTreeMap<String, usize>>,
    pub majority_grade: Option<String>,
}

/// A non-secret ballot in a stored result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredBallotView {
    pub voter_id: Uuid,
    pub choice: Value,
}

/// A vote to create (scheduled; opened by [`open`]).
#[derive(Debug, Clone)]
pub struct NewVote {
    pub id: VoteId,
    pub alliance: AllianceId,
    pub title: String,
    pub description: String,
    pub rules: Rules,
    pub subject_id: Option<Uuid>,
    pub secret: bool,
    pub results: ResultsVisibility,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewVote) -> Result<Vote> {
    let row: VoteRow = diesel::insert_into(votes::table)
        .values((
            votes::id.eq(new.id.0),
            votes::alliance_id.eq(new.alliance.0),
            votes::title.eq(&new.title),
            votes::description.eq(&new.description),
            votes::subject.eq(new.rules.subject.as_str()),
            votes::subject_id.eq(new.subject_id),
            votes::method.eq(new.rules.method.as_str()),
            votes::options.eq(Value::from(new.rules.options.clone())),
            votes::electorate.eq(new.rules.electorate.as_str()),
            votes::quorum_percent.eq(i16::from(new.rules.quorum_percent)),
            votes::threshold.eq(new.rules.threshold.map(|t| t.as_str())),
            votes::by_college.eq(new.rules.by_college),
            votes::secret.eq(new.secret),
            votes::results.eq(new.results.as_str()),
            votes::opens_at.eq(new.opens_at),
            votes::closes_at.eq(new.closes_at),
            votes::created_by.eq(new.created_by.map(|u| u.0)),
        ))
        .returning(VoteRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: VoteId,
) -> Result<Option<Vote>> {
    let row: Option<VoteRow> = votes::table
        .filter(votes::alliance_id.eq(alliance.0))
        .filter(votes::id.eq(id.0))
        .select(VoteRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// Whether a vote on one of these subjects (`plan_adoption` of a plan,
/// `action_adoption` of an action, `charter_adoption` of a version) is open now, so
/// that its text must not change. Counted as open: a vote whose `opens_at` has passed
/// and that is not closed yet (also one past `closes_at` that the server has not
/// settled yet: its effect is still to come), and a vote another transaction is
/// opening or closing right now. Scheduled votes found are locked `FOR SHARE` until
/// the end of the caller's transaction, so none of them opens before the caller's
/// change commits; rows being settled are skipped rather than waited for (the
/// settling transaction locks the vote, then the subject: waiting here, with the
/// subject locked, could deadlock).
pub async fn open_on_subject(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    subjects: &[(Subject, Uuid)],
    now: DateTime<Utc>,
) -> Result<bool> {
    if subjects.is_empty() {
        return Ok(false);
    }
    let mut candidates = votes::table.select(votes::id).into_boxed();
    for (n, (subject, id)) in subjects.iter().enumerate() {
        let this = votes::subject
            .eq(subject.as_str())
            .and(votes::subject_id.eq(*id));
        candidates = if n == 0 {
            candidates.filter(this)
        } else {
            candidates.or_filter(this)
        };
    }
    // Diesel parenthesises the `OR`s above before these `AND`s.
    let candidates = candidates
        .filter(votes::alliance_id.eq(alliance.0))
        .filter(votes::status.ne(VoteStatus::Closed.as_str()));
    let all: Vec<Uuid> = candidates.load(conn).await?;
    if all.is_empty() {
        return Ok(false);
    }
    let visible: Vec<(Uuid, String, DateTime<Utc>)> = votes::table
        .filter(votes::id.eq_any(&all))
        .select((votes::id, votes::status, votes::opens_at))
        .for_share()
        .skip_locked()
        .load(conn)
        .await?;
    // Missing here: locked by a transaction opening or closing it right now.
    let being_settled = all.len() > visible.len();
    Ok(being_settled
        || visible.iter().any(|(_, status, opens_at)| {
            status == VoteStatus::Open.as_str()
                || (status == VoteStatus::Scheduled.as_str() && *opens_at <= now)
        }))
}

/// Locks a vote for a state change (opening, closing, settings).
pub async fn lock(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: VoteId,
) -> Result<Option<Vote>> {
    let row: Option<VoteRow> = votes::table
        .filter(votes::alliance_id.eq(alliance.0))
        .filter(votes::id.eq(id.0))
        .select(VoteRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// Locks a vote in share mode, for a ballot: many ballots at once, never during a close.
pub async fn lock_for_ballot(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: VoteId,
) -> Result<Option<Vote>> {
    let row: Option<VoteRow> = votes::table
        .filter(votes::alliance_id.eq(alliance.0))
        .filter(votes::id.eq(id.0))
        .select(VoteRow::as_select())
        .for_share()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// Settings a scheduled vote may still change: its rules as they will stand (all
/// but the subject, which a vote keeps), its secrecy, visibility and window;
/// `None` leaves the title or description as it is.
#[derive(Debug, Clone)]
pub struct VoteChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Rules,
    pub secret: bool,
    pub results: ResultsVisibility,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = votes)]
struct VoteChangeset {
    title: Option<String>,
    description: Option<String>,
    method: &'static str,
    options: Value,
    electorate: &'static str,
    quorum_percent: i16,
    threshold: Option<Option<&'static str>>,
    by_college: bool,
    secret: bool,
    results: &'static str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
}

impl From<VoteChanges> for VoteChangeset {
    fn from(changes: VoteChanges) -> Self {
        let rules = changes.rules;
        Self {
            title: changes.title,
            description: changes.description,
            method: rules.method.as_str(),
            options: Value::from(rules.options),
            electorate: rules.electorate.as_str(),
            quorum_percent: i16::from(rules.quorum_percent),
            // `Some(None)` clears the column: a vote that is no longer `consent`.
            threshold: Some(rules.threshold.map(Threshold::as_str)),
            by_college: rules.by_college,
            secret: changes.secret,
            results: changes.results.as_str(),
            opens_at: changes.opens_at,
            closes_at: changes.closes_at,
        }
    }
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: VoteId,
    changes: VoteChanges,
) -> Result<Vote> {
    let changes = VoteChangeset::from(changes);
    let row: VoteRow = diesel::update(votes::table.find(id.0))
        .set((&changes, votes::updated_at.eq(Utc::now())))
        .returning(VoteRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Who may vote on `day`: active partners with their college, or people with a
/// current mandate other than observer (of an active partner).
pub async fn eligible(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    electorate: Electorate,
    day: NaiveDate,
) -> Result<Vec<(Uuid, Option<College>)>> {
    match electorate {
        Electorate::Partners => {
            let rows = crate::partners::all_active(conn, alliance).await?;
            Ok(rows
                .into_iter()
                .map(|p| (p.id.0, Some(p.kind.college())))
                .collect())
        }
        Electorate::Members => {
            let users: Vec<Uuid> = mandates::table
                .inner_join(partners::table.on(partners::id.eq(mandates::partner_id)))
                .filter(partners::status.eq("active"))
                .filter(mandates::alliance_id.eq(alliance.0))
                .filter(mandates::role.ne(Role::Observer.as_str()))
                .filter(mandates::starts_on.le(day))
                .filter(mandates::ends_on.is_null().or(mandates::ends_on.ge(day)))
                .select(mandates::user_id)
                .distinct()
                .load(conn)
                .await?;
            Ok(users.into_iter().map(|u| (u, None)).collect())
        }
    }
}

/// Opens a vote: freezes its electorate. Call with the vote locked.
pub async fn open(
    conn: &mut AsyncPgConnection,
    vote: &Vote,
    electorate: &[(Uuid, Option<College>)],
) -> Result<Vote> {
    let rows: Vec<_> = electorate
        .iter()
        .map(|(voter, college)| {
            (
                vote_electorate::vote_id.eq(vote.id.0),
                vote_electorate::voter_id.eq(*voter),
                vote_electorate::college.eq(college.map(|c| c.as_str())),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        diesel::insert_into(vote_electorate::table)
            .values(chunk.to_vec())
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    update_status(conn, vote.id, VoteStatus::Open, None, None).await
}

async fn update_status(
    conn: &mut AsyncPgConnection,
    id: VoteId,
    status: VoteStatus,
    closed_by: Option<UserId>,
    result: Option<&StoredResults>,
) -> Result<Vote> {
    let now = Utc::now();
    let result = result
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| PersistenceError::Corrupt(format!("vote result: {e}")))?;
    let row: VoteRow = match status {
        VoteStatus::Open => {
            diesel::update(votes::table.find(id.0))
                .set((
                    votes::status.eq(status.as_str()),
                    votes::opened_at.eq(now),
                    votes::updated_at.eq(now),
                ))
                .returning(VoteRow::as_returning())
                .get_result(conn)
                .await?
        }
        _ => {
            diesel::update(votes::table.find(id.0))
                .set((
                    votes::status.eq(status.as_str()),
                    votes::closed_at.eq(now),
                    votes::closed_by.eq(closed_by.map(|u| u.0)),
                    votes::result.eq(result.as_ref()),
                    votes::updated_at.eq(now),
                ))
                .returning(VoteRow::as_returning())
                .get_result(conn)
                .await?
        }
    };
    row.try_into()
}

/// Closes a vote with its result. Call with the vote locked.
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: VoteId,
    closed_by: Option<UserId>,
    result: &StoredResults,
) -> Result<Vote> {
    update_status(conn, id, VoteStatus::Closed, closed_by, Some(result)).await
}

/// The frozen electorate: voters and their colleges.
pub async fn electorate(
    conn: &mut AsyncPgConnection,
    vote: VoteId,
) -> Result<Vec<(Uuid, Option<String>)>> {
    Ok(vote_electorate::table
        .filter(vote_electorate::vote_id.eq(vote.0))
        .select((vote_electorate::voter_id, vote_electorate::college))
        .load(conn)
        .await?)
}

/// Whether a voter belongs to the frozen electorate.
pub async fn in_electorate(
    conn: &mut AsyncPgConnection,
    vote: VoteId,
    voter: Uuid,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        vote_electorate::table
            .filter(vote_electorate::vote_id.eq(vote.0))
            .filter(vote_electorate::voter_id.eq(voter)),
    ))
    .get_result(conn)
    .await?)
}

/// A stored ballot.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StoredBallot {
    pub voter: Uuid,
    pub cast_by: Uuid,
    pub choice: Value,
    pub cast_at: DateTime<Utc>,
    pub college: Option<String>,
}

/// Every ballot with its voter's college, oldest first.
pub async fn ballots(conn: &mut AsyncPgConnection, vote: VoteId) -> Result<Vec<StoredBallot>> {
    Ok(ballots::table
        .inner_join(
            vote_electorate::table.on(vote_electorate::vote_id
                .eq(ballots::vote_id)
                .and(vote_electorate::voter_id.eq(ballots::voter_id))),
        )
        .filter(ballots::vote_id.eq(vote.0))
        .order((ballots::cast_at, ballots::voter_id))
        .select((
            ballots::voter_id,
            ballots::cast_by,
            ballots::choice,
            ballots::cast_at,
            vote_electorate::college,
        ))
        .load(conn)
        .await?)
}

/// Who cast a ballot: from the ballots, or for a closed secret vote from its
/// participants (its ballots are gone by then).
pub async fn participants(conn: &mut AsyncPgConnection, vote: VoteId) -> Result<Vec<Uuid>> {
    Ok(ballots::table
        .filter(ballots::vote_id.eq(vote.0))
        .select(ballots::voter_id)
        .union(
            vote_participants::table
                .filter(vote_participants::vote_id.eq(vote.0))
                .select(vote_participants::voter_id),
        )
        .load(conn)
        .await?)
}

/// Separates a closing secret vote's voters from their choices (SPEC §4): who took part
/// goes to `vote_participants`, the choices to `vote_secret_choices` in a random order
/// (random ids, no time), and the ballots, which pair the two, are deleted. Call in the
/// closing transaction, with the vote locked, once its result is counted.
pub async fn seal_secret_ballots(conn: &mut AsyncPgConnection, vote: VoteId) -> Result<usize> {
    let vote = vote.0;
    let voters: Vec<Uuid> = ballots::table
        .filter(ballots::vote_id.eq(vote))
        .select(ballots::voter_id)
        .order(ballots::voter_id)
        .load(conn)
        .await?;
    let rows: Vec<_> = voters
        .iter()
        .map(|voter| {
            (
                vote_participants::vote_id.eq(vote),
                vote_participants::voter_id.eq(*voter),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        diesel::insert_into(vote_participants::table)
            .values(chunk.to_vec())
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    diesel::insert_into(vote_secret_choices::table)
        .values(
            ballots::table
                .filter(ballots::vote_id.eq(vote))
                .select((ballots::vote_id, ballots::choice))
                .order(diesel::dsl::sql::<diesel::sql_types::Double>("random()")),
        )
        .into_columns((vote_secret_choices::vote_id, vote_secret_choices::choice))
        .execute(conn)
        .await?;
    Ok(
        diesel::delete(ballots::table.filter(ballots::vote_id.eq(vote)))
            .execute(conn)
            .await?,
    )
}

/// Casts or replaces a voter's ballot; whether it replaced an earlier one.
pub async fn cast(
    conn: &mut AsyncPgConnection,
    vote: VoteId,
    voter: Uuid,
    by: UserId,
    choice: &Value,
) -> Result<bool> {
    use diesel::upsert::excluded;
    // `xmax` is 0 on a row this statement inserted, the updating transaction otherwise.
    let inserted: bool = diesel::insert_into(ballots::table)
        .values((
            ballots::vote_id.eq(vote.0),
            ballots::voter_id.eq(voter),
            ballots::cast_by.eq(by.0),
            ballots::choice.eq(choice),
        ))
        .on_conflict((ballots::vote_id, ballots::voter_id))
        .do_update()
        .set((
            ballots::cast_by.eq(excluded(ballots::cast_by)),
            ballots::choice.eq(excluded(ballots::choice)),
            ballots::cast_at.eq(diesel::dsl::now),
        ))
        .returning(diesel::dsl::sql::<Bool>("xmax = 0"))
        .get_result(conn)
        .await?;
    Ok(!inserted)
}

/// One alliance's votes whose clock says open or close.
pub async fn due_in(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    now: DateTime<Utc>,
) -> Result<Vec<VoteId>> {
    let ids: Vec<Uuid> = votes::table
        .filter(votes::alliance_id.eq(alliance.0))
        .filter(votes::status.ne(VoteStatus::Closed.as_str()))
        .filter(
            votes::closes_at.le(now).or(votes::status
                .eq(VoteStatus::Scheduled.as_str())
                .and(votes::opens_at.le(now))),
        )
        .select(votes::id)
        .order(votes::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(VoteId).collect())
}

/// Votes whose clock says open or close, across alliances.
pub async fn due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<(AllianceId, VoteId)>> {
    let rows: Vec<(Uuid, Uuid)> = votes::table
        .filter(votes::status.ne(VoteStatus::Closed.as_str()))
        .filter(
            votes::closes_at.le(now).or(votes::status
                .eq(VoteStatus::Scheduled.as_str())
                .and(votes::opens_at.le(now))),
        )
        .select((votes::alliance_id, votes::id))
        .limit(500)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(a, v)| (AllianceId(a), VoteId(v)))
        .collect())
}

/// Filters of the vote list.
#[derive(Debug, Default, Clone)]
pub struct VoteFilter {
    pub status: Option<VoteStatus>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    filter: &VoteFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Vote>> {
    let mut query = votes::table
        .filter(votes::alliance_id.eq(alliance.0))
        .select(VoteRow::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(votes::status.eq(status.as_str()));
    }
    let rows: Vec<VoteRow> = after_key!(query, votes, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Vote::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |v| TimeKey {
        created_at: v.created_at,
        id: v.id.0,
    }))
}
