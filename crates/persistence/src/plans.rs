//! Plans and their actions.

use std::collections::HashMap;

use agir_domain::ids::{ActionId, AllianceId, PartnerId, PlanId, UserId};
use agir_domain::plan::{AcademicYear, ActionStatus, Phase, Theme};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{action_partners, actions, plans};
use crate::{PersistenceError, Result};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
struct PlanRow {
    id: Uuid,
    alliance_id: Uuid,
    academic_year: String,
    title: String,
    description: String,
    phase: String,
    carried_over_from: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: PlanId,
    pub alliance: AllianceId,
    pub academic_year: AcademicYear,
    pub title: String,
    pub description: String,
    pub phase: Phase,
    pub carried_over_from: Option<PlanId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PlanRow> for Plan {
    type Error = PersistenceError;
    fn try_from(r: PlanRow) -> Result<Self> {
        Ok(Self {
            id: PlanId(r.id),
            alliance: AllianceId(r.alliance_id),
            academic_year: AcademicYear::parse("academic_year", &r.academic_year)?,
            title: r.title,
            description: r.description,
            phase: Phase::parse("phase", &r.phase)?,
            carried_over_from: r.carried_over_from.map(PlanId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub async fn insert_plan(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    year: AcademicYear,
    title: &str,
    description: &str,
    carried_over_from: Option<PlanId>,
    created_by: Option<UserId>,
) -> Result<Plan> {
    let row: PlanRow = diesel::insert_into(plans::table)
        .values((
            plans::id.eq(Uuid::now_v7()),
            plans::alliance_id.eq(alliance.0),
            plans::academic_year.eq(year.to_string()),
            plans::title.eq(title),
            plans::description.eq(description),
            plans::carried_over_from.eq(carried_over_from.map(|p| p.0)),
            plans::created_by.eq(created_by.map(|u| u.0)),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Takes the connection shared, so that it can be pipelined ([`find_plan_with_summary`]).
pub async fn find_plan(
    conn: &AsyncPgConnection,
    alliance: AllianceId,
    id: PlanId,
) -> Result<Option<Plan>> {
    let row: Option<PlanRow> = plans::table
        .filter(plans::alliance_id.eq(alliance.0))
        .filter(plans::id.eq(id.0))
        .select(PlanRow::as_select())
        .first(&mut &*conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn lock_plan(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: PlanId,
) -> Result<Option<Plan>> {
    let row: Option<PlanRow> = plans::table
        .filter(plans::alliance_id.eq(alliance.0))
        .filter(plans::id.eq(id.0))
        .select(PlanRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// A plan's writable fields; `None` leaves one as it is.
#[derive(Debug, Default)]
pub struct PlanChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub phase: Option<Phase>,
}

#[derive(AsChangeset)]
#[diesel(table_name = plans)]
struct PlanChangeset {
    title: Option<String>,
    description: Option<String>,
    phase: Option<&'static str>,
}

impl From<PlanChanges> for PlanChangeset {
    fn from(changes: PlanChanges) -> Self {
        Self {
            title: changes.title,
            description: changes.description,
            phase: changes.phase.map(Phase::as_str),
        }
    }
}

pub async fn update_plan(
    conn: &mut AsyncPgConnection,
    id: PlanId,
    changes: PlanChanges,
) -> Result<Plan> {
    let changes = PlanChangeset::from(changes);
    let row: PlanRow = diesel::update(plans::table.find(id.0))
        .set((&changes, plans::updated_at.eq(Utc::now())))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Plans of an alliance; `public_only` keeps adopted and closed ones.
pub async fn list_plans(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    public_only: bool,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Plan>> {
    let mut query = plans::table
        .filter(plans::alliance_id.eq(alliance.0))
        .select(PlanRow::as_select())
        .into_boxed();
    if public_only {
        query =
            query.filter(plans::phase.eq_any([Phase::Adopted.as_str(), Phase::Closed.as_str()]));
    }
    let rows: Vec<PlanRow> = after_key!(query, plans, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Plan::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |p| TimeKey {
        created_at: p.created_at,
        id: p.id.0,
    }))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = actions, check_for_backend(diesel::pg::Pg))]
struct ActionRow {
    id: Uuid,
    alliance_id: Uuid,
    plan_id: Uuid,
    title: String,
    description: String,
    theme: String,
    sdgs: Vec<i16>,
    proposed_by: Uuid,
    proposing_partner_id: Uuid,
    lead_partner_id: Uuid,
    planned_start: Option<NaiveDate>,
    planned_end: Option<NaiveDate>,
    status: String,
    curriculum_partner_id: Option<Uuid>,
    curriculum_course: Option<String>,
    curriculum_academic_year: Option<String>,
    curriculum_students: Option<i32>,
    carried_over_from: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A curriculum link: students take the action up as part of a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curriculum {
    pub partner: PartnerId,
    pub course: String,
    pub academic_year: Option<String>,
    pub students: Option<i32>,
}

/// An action with its contributing partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: ActionId,
    pub alliance: AllianceId,
    pub plan: PlanId,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub sdgs: Vec<i16>,
    pub proposed_by: UserId,
    pub proposing_partner: PartnerId,
    pub lead_partner: PartnerId,
    pub contributing_partners: Vec<PartnerId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub status: ActionStatus,
    pub curriculum: Option<Curriculum>,
    pub carried_over_from: Option<ActionId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Action {
    /// The partners taking part: proposing, lead and contributing.
    pub fn participants(&self) -> Vec<PartnerId> {
        let mut all = vec![self.proposing_partner, self.lead_partner];
        all.extend(&self.contributing_partners);
        all.sort();
        all.dedup();
        all
    }
}

fn action_from(r: ActionRow, contributing: Vec<PartnerId>) -> Result<Action> {
    Ok(Action {
        id: ActionId(r.id),
        alliance: AllianceId(r.alliance_id),
        plan: PlanId(r.plan_id),
        title: r.title,
        description: r.description,
        theme: Theme::parse("theme", &r.theme)?,
        sdgs: r.sdgs,
        proposed_by: UserId(r.proposed_by),
        proposing_partner: PartnerId(r.proposing_partner_id),
        lead_partner: PartnerId(r.lead_partner_id),
        contributing_partners: contributing,
        planned_start: r.planned_start,
        planned_end: r.planned_end,
        status: ActionStatus::parse("status", &r.status)?,
        curriculum: r.curriculum_partner_id.map(|partner| Curriculum {
            partner: PartnerId(partner),
            course: r.curriculum_course.clone().unwrap_or_default(),
            academic_year: r.curriculum_academic_year.clone(),
            students: r.curriculum_students,
        }),
        carried_over_from: r.carried_over_from.map(ActionId),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

async fn with_partners(conn: &mut AsyncPgConnection, rows: Vec<ActionRow>) -> Result<Vec<Action>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let links: Vec<(Uuid, Uuid)> = action_partners::table
        .filter(action_partners::action_id.eq_any(&ids))
        .order((action_partners::action_id, action_partners::partner_id))
        .select((action_partners::action_id, action_partners::partner_id))
        .load(conn)
        .await?;
    let mut by_action: HashMap<Uuid, Vec<PartnerId>> = HashMap::new();
    for (action, partner) in links {
        by_action
            .entry(action)
            .or_default()
            .push(PartnerId(partner));
    }
    rows.into_iter()
        .map(|r| {
            let partners = by_action.remove(&r.id).unwrap_or_default();
            action_from(r, partners)
        })
        .collect()
}

/// An action's writable fields; `None` leaves one as it is, `Some(None)` clears a
/// nullable one. Attribution (who proposed it, for which partner) is not among them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ActionChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub theme: Option<Theme>,
    pub sdgs: Option<Vec<i16>>,
    pub lead_partner: Option<PartnerId>,
    pub planned_start: Option<Option<NaiveDate>>,
    pub planned_end: Option<Option<NaiveDate>>,
    pub status: Option<ActionStatus>,
    pub curriculum: Option<Option<Curriculum>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = actions)]
struct ActionChangeset {
    title: Option<String>,
    description: Option<String>,
    theme: Option<&'static str>,
    sdgs: Option<Vec<i16>>,
    lead_partner_id: Option<Uuid>,
    planned_start: Option<Option<NaiveDate>>,
    planned_end: Option<Option<NaiveDate>>,
    status: Option<&'static str>,
    curriculum_partner_id: Option<Option<Uuid>>,
    curriculum_course: Option<Option<String>>,
    curriculum_academic_year: Option<Option<String>>,
    curriculum_students: Option<Option<i32>>,
}

impl From<ActionChanges> for ActionChangeset {
    fn from(changes: ActionChanges) -> Self {
        let curriculum = changes.curriculum;
        Self {
            title: changes.title,
            description: changes.description,
            theme: changes.theme.map(Theme::as_str),
            sdgs: changes.sdgs,
            lead_partner_id: changes.lead_partner.map(|p| p.0),
            planned_start: changes.planned_start,
            planned_end: changes.planned_end,
            status: changes.status.map(ActionStatus::as_str),
            curriculum_partner_id: curriculum.as_ref().map(|c| c.as_ref().map(|c| c.partner.0)),
            curriculum_course: curriculum
                .as_ref()
                .map(|c| c.as_ref().map(|c| c.course.clone())),
            curriculum_academic_year: curriculum
                .as_ref()
                .map(|c| c.as_ref().and_then(|c| c.academic_year.clone())),
            curriculum_students: curriculum.map(|c| c.and_then(|c| c.students)),
        }
    }
}

/// A new action (attribution fixed here, never changed).
#[derive(Debug, Clone)]
pub struct NewAction {
    pub id: ActionId,
    pub alliance: AllianceId,
    pub plan: PlanId,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub sdgs: Vec<i16>,
    pub proposed_by: UserId,
    pub proposing_partner: PartnerId,
    pub lead_partner: PartnerId,
    pub contributing_partners: Vec<PartnerId>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub status: ActionStatus,
    pub curriculum: Option<Curriculum>,
    pub carried_over_from: Option<ActionId>,
}

pub async fn insert_action(conn: &mut AsyncPgConnection, new: NewAction) -> Result<Action> {
    let curriculum = new.curriculum.as_ref();
    diesel::insert_into(actions::table)
        .values((
            actions::id.eq(new.id.0),
            actions::alliance_id.eq(new.alliance.0),
            actions::plan_id.eq(new.plan.0),
            actions::title.eq(&new.title),
            actions::description.eq(&new.description),
            actions::theme.eq(new.theme.as_str()),
            actions::sdgs.eq(&new.sdgs),
            actions::proposed_by.eq(new.proposed_by.0),
            actions::proposing_partner_id.eq(new.proposing_partner.0),
            actions::lead_partner_id.eq(new.lead_partner.0),
            actions::planned_start.eq(new.planned_start),
            actions::planned_end.eq(new.planned_end),
            actions::status.eq(new.status.as_str()),
            actions::curriculum_partner_id.eq(curriculum.map(|c| c.partner.0)),
            actions::curriculum_course.eq(curriculum.map(|c| c.course.clone())),
            actions::curriculum_academic_year.eq(curriculum.and_then(|c| c.academic_year.clone())),
            actions::curriculum_students.eq(curriculum.and_then(|c| c.students)),
            actions::carried_over_from.eq(new.carried_over_from.map(|a| a.0)),
        ))
        .execute(conn)
        .await?;
    set_contributing(conn, new.alliance, new.id, &new.contributing_partners).await?;
    find_action(conn, new.alliance, new.id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("inserted action not found".into()))
}

async fn set_contributing(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    action: ActionId,
    partners: &[PartnerId],
) -> Result<()> {
    diesel::delete(action_partners::table.filter(action_partners::action_id.eq(action.0)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = partners
        .iter()
        .map(|p| {
            (
                action_partners::action_id.eq(action.0),
                action_partners::alliance_id.eq(alliance.0),
                action_partners::partner_id.eq(p.0),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(action_partners::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Updates an action, and replaces its contributing partners when given.
pub async fn update_action(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: ActionId,
    changes: ActionChanges,
    contributing: Option<Vec<PartnerId>>,
) -> Result<Action> {
    let changes = ActionChangeset::from(changes);
    diesel::update(actions::table.find(id.0))
        .set((&changes, actions::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    if let Some(partners) = contributing {
        set_contributing(conn, alliance, id, &partners).await?;
    }
    find_action(conn, alliance, id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("updated action not found".into()))
}

pub async fn find_action(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: ActionId,
) -> Result<Option<Action>> {
    let row: Option<ActionRow> = actions::table
        .filter(actions::alliance_id.eq(alliance.0))
        .filter(actions::id.eq(id.0))
        .select(ActionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => Ok(with_partners(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// Takes a share lock on the plan of an action (`FOR SHARE`): edits of its actions run
/// side by side, but not beside a write that locks the plan itself, such as opening its
/// adoption vote (which locks it `FOR NO KEY UPDATE`). Take it before the action's own
/// lock: plan, then action, the order closing a plan's vote takes them.
pub async fn share_plan_of_action(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: ActionId,
) -> Result<Option<PlanId>> {
    let plan: Option<Uuid> = plans::table
        .filter(plans::alliance_id.eq(alliance.0))
        .filter(
            plans::id.eq_any(
                actions::table
                    .filter(actions::id.eq(id.0))
                    .select(actions::plan_id),
            ),
        )
        .select(plans::id)
        .for_share()
        .first(conn)
        .await
        .optional()?;
    Ok(plan.map(PlanId))
}

pub async fn lock_action(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: ActionId,
) -> Result<Option<Action>> {
    let found: Option<Uuid> = actions::table
        .filter(actions::alliance_id.eq(alliance.0))
        .filter(actions::id.eq(id.0))
        .select(actions::id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    match found {
        Some(_) => find_action(conn, alliance, id).await,
        None => Ok(None),
    }
}

/// Filters of an action list.
#[derive(Debug, Default, Clone)]
pub struct ActionFilter {
    pub status: Option<ActionStatus>,
    pub theme: Option<Theme>,
    /// Actions this partner proposed, leads or contributes to.
    pub partner: Option<PartnerId>,
}

pub async fn list_actions(
    conn: &mut AsyncPgConnection,
    plan: PlanId,
    filter: &ActionFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Action>> {
    let mut query = actions::table
        .filter(actions::plan_id.eq(plan.0))
        .select(ActionRow::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(actions::status.eq(status.as_str()));
    }
    if let Some(theme) = filter.theme {
        query = query.filter(actions::theme.eq(theme.as_str()));
    }
    if let Some(partner) = filter.partner {
        query = query.filter(
            actions::proposing_partner_id
                .eq(partner.0)
                .or(actions::lead_partner_id.eq(partner.0))
                .or(actions::id.eq_any(
                    action_partners::table
                        .filter(action_partners::partner_id.eq(partner.0))
                        .select(action_partners::action_id),
                )),
        );
    }
    let rows: Vec<ActionRow> = after_key!(query, actions, page).load(conn).await?;
    let items = with_partners(conn, rows).await?;
    Ok(Page::from_rows(items, page.limit, |a| TimeKey {
        created_at: a.created_at,
        id: a.id.0,
    }))
}

/// Every action of a plan, oldest first.
pub async fn all_actions(conn: &mut AsyncPgConnection, plan: PlanId) -> Result<Vec<Action>> {
    let rows: Vec<ActionRow> = actions::table
        .filter(actions::plan_id.eq(plan.0))
        .order((actions::created_at, actions::id))
        .select(ActionRow::as_select())
        .load(conn)
        .await?;
    with_partners(conn, rows).await
}

/// Adopts every proposed action of a plan (the plan was adopted); returns how many.
pub async fn adopt_proposed(conn: &mut AsyncPgConnection, plan: PlanId) -> Result<usize> {
    Ok(diesel::update(
        actions::table
            .filter(actions::plan_id.eq(plan.0))
            .filter(actions::status.eq(ActionStatus::Proposed.as_str())),
    )
    .set((
        actions::status.eq(ActionStatus::Adopted.as_str()),
        actions::updated_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?)
}

/// The "verified" rule of `agir_domain::plan::action_verified`, in SQL, for the action
/// whose id is in `column`: the SQL function `action_verified` (migration 000018), also
/// used by the plan totals trigger. It reads the action's indicators only; their
/// `verified_count` is kept by the measurements trigger, so no measurement is read.
pub fn verified_action_sql(column: &str) -> String {
    format!("action_verified({column})")
}

/// Per plan and status: how many actions, how many of them verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    pub plan: PlanId,
    pub status: ActionStatus,
    pub actions: i64,
    pub verified: i64,
}

/// Action counts per status and verification, for these plans, in one query.
/// Takes the connection shared, so that it can be pipelined ([`find_plan_with_summary`]).
pub async fn summaries(conn: &AsyncPgConnection, plans: &[PlanId]) -> Result<Vec<StatusCount>> {
    use crate::schema::plan_action_counts as t;
    let ids: Vec<Uuid> = plans.iter().map(|p| p.0).collect();
    // The per-plan rows kept by triggers (migrations 000009 and 000011): a few rows per
    // plan (by theme and status), whatever the number of actions, indicators and
    // measurements. Summed here, so the query stays a cached prepared statement.
    let rows: Vec<(Uuid, String, i64, i64)> = t::table
        .filter(t::plan_id.eq_any(ids))
        .select((t::plan_id, t::status, t::count, t::verified))
        .load(&mut &*conn)
        .await?;
    sum_counts(rows)
}

/// One plan of the alliance and its [`summaries`], asked together: the two statements
/// go out in one round trip (diesel-async pipelines futures polled side by side).
pub async fn find_plan_with_summary(
    conn: &AsyncPgConnection,
    alliance: AllianceId,
    id: PlanId,
) -> Result<Option<(Plan, Vec<StatusCount>)>> {
    let ids = [id];
    let (plan, counts) = tokio::join!(find_plan(conn, alliance, id), summaries(conn, &ids));
    let Some(plan) = plan? else {
        return Ok(None);
    };
    Ok(Some((plan, counts?)))
}

/// Sums the per-theme rows of `plan_action_counts` by plan and status.
fn sum_counts(rows: Vec<(Uuid, String, i64, i64)>) -> Result<Vec<StatusCount>> {
    let mut counts: std::collections::BTreeMap<(Uuid, String), (i64, i64)> =
        std::collections::BTreeMap::new();
    for (plan, status, actions, verified) in rows {
        let count = counts.entry((plan, status)).or_default();
        count.0 += actions;
        count.1 += verified;
    }
    counts
        .into_iter()
        .map(|((plan, status), (actions, verified))| {
            Ok(StatusCount {
                plan: PlanId(plan),
                status: ActionStatus::parse("status", &status)?,
                actions,
                verified,
            })
        })
        .collect()
}

/// Of these actions of the alliance, those whose plan the public sees (adopted or
/// closed, `Phase::is_public`).
pub async fn public_actions(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    ids: &[ActionId],
) -> Result<Vec<ActionId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let public: Vec<&str> = [Phase::Adopted, Phase::Closed]
        .iter()
        .map(|p| p.as_str())
        .collect();
    let found: Vec<Uuid> = actions::table
        .inner_join(plans::table)
        .filter(actions::alliance_id.eq(alliance.0))
        .filter(actions::id.eq_any(ids.iter().map(|a| a.0).collect::<Vec<_>>()))
        .filter(plans::phase.eq_any(public))
        .select(actions::id)
        .load(conn)
        .await?;
    Ok(found.into_iter().map(ActionId).collect())
}
