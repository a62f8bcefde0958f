//! Indicators, measurements and their review: the results behind an action.

use std::collections::HashMap;

use agir_domain::ids::{ActionId, AllianceId, IndicatorId, MeasurementId, PartnerId, UserId};
use agir_domain::plan::{CatalogueIndicator, MeasurementCheck, ReviewStatus};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Double, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{indicators, measurements};
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, QueryableByName)]
struct IndicatorRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    alliance_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    action_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    catalogue: Option<String>,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    unit: String,
    #[diesel(sql_type = Nullable<Double>)]
    target: Option<f64>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Double)]
    total: f64,
    #[diesel(sql_type = Double)]
    confirmed_total: f64,
    #[diesel(sql_type = Int8)]
    measurements: i64,
    #[diesel(sql_type = Bool)]
    verified: bool,
}

/// An indicator with its progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: IndicatorId,
    pub alliance: AllianceId,
    pub action: ActionId,
    /// A catalogue indicator (aggregable across cities), or `None` for a custom one.
    pub catalogue: Option<CatalogueIndicator>,
    pub name: String,
    pub unit: String,
    pub target: Option<f64>,
    pub created_at: DateTime<Utc>,
    /// Sum of every measurement.
    pub total: f64,
    /// Sum of the measurements confirmed by another partner.
    pub confirmed_total: f64,
    pub measurements: i64,
    /// At least one measurement verifies it (`agir_domain::plan::indicator_verified`).
    pub verified: bool,
}

impl TryFrom<IndicatorRow> for Indicator {
    type Error = PersistenceError;
    fn try_from(r: IndicatorRow) -> Result<Self> {
        Ok(Self {
            id: IndicatorId(r.id),
            alliance: AllianceId(r.alliance_id),
            action: ActionId(r.action_id),
            catalogue: r
                .catalogue
                .as_deref()
                .map(|c| CatalogueIndicator::parse("catalogue", c))
                .transpose()?,
            name: r.name,
            unit: r.unit,
            target: r.target,
            created_at: r.created_at,
            total: r.total,
            confirmed_total: r.confirmed_total,
            measurements: r.measurements,
            verified: r.verified,
        })
    }
}

fn indicators(rows: Vec<IndicatorRow>) -> Result<Vec<Indicator>> {
    rows.into_iter().map(Indicator::try_from).collect()
}

/// An indicator with its progress, read from the totals the measurements trigger
/// keeps on the row (migrations 000008, 000010 and 000018): no measurement is read.
const INDICATOR_SELECT: &str = "
    SELECT i.id, i.alliance_id, i.action_id, i.catalogue, i.name, i.unit, i.target, i.created_at,
           (i.verified_sum + i.unverified_sum)::float8 AS total,
           i.confirmed_sum::float8 AS confirmed_total,
           i.measurement_count AS measurements,
           i.verified_count > 0 AS verified
    FROM indicators i";

/// A new indicator.
#[derive(Debug, Clone)]
pub struct NewIndicator {
    pub id: IndicatorId,
    pub alliance: AllianceId,
    pub action: ActionId,
    pub catalogue: Option<CatalogueIndicator>,
    pub name: String,
    pub unit: String,
    pub target: Option<f64>,
}

pub async fn insert_indicator(
    conn: &mut AsyncPgConnection,
    new: NewIndicator,
) -> Result<Indicator> {
    diesel::insert_into(indicators::table)
        .values((
            indicators::id.eq(new.id.0),
            indicators::alliance_id.eq(new.alliance.0),
            indicators::action_id.eq(new.action.0),
            indicators::catalogue.eq(new.catalogue.map(|c| c.as_str())),
            indicators::name.eq(&new.name),
            indicators::unit.eq(&new.unit),
            indicators::target.eq(new.target),
        ))
        .execute(conn)
        .await?;
    find_indicator(conn, new.alliance, new.id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("inserted indicator not found".into()))
}

pub async fn find_indicator(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: IndicatorId,
) -> Result<Option<Indicator>> {
    let rows: Vec<IndicatorRow> = diesel::sql_query(format!(
        "{INDICATOR_SELECT} WHERE i.alliance_id = $1 AND i.id = $2"
    ))
    .bind::<SqlUuid, _>(alliance.0)
    .bind::<SqlUuid, _>(id.0)
    .load(conn)
    .await?;
    Ok(indicators(rows)?.pop())
}

/// Indicators of these actions, with progress, oldest first.
pub async fn indicators_of(
    conn: &mut AsyncPgConnection,
    actions: &[ActionId],
) -> Result<Vec<Indicator>> {
    let ids: Vec<Uuid> = actions.iter().map(|a| a.0).collect();
    let rows: Vec<IndicatorRow> = diesel::sql_query(format!(
        "{INDICATOR_SELECT} WHERE i.action_id = ANY($1) ORDER BY i.created_at, i.id"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await?;
    indicators(rows)
}

#[derive(QueryableByName)]
struct VerifiedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bool)]
    verified: bool,
}

/// Whether each action is verified, by the SQL form of the rule (the function
/// `action_verified`, migration 000018): it has indicators and each has a measurement
/// with evidence confirmed by another partner. One query for the lot.
pub async fn verification(
    conn: &mut AsyncPgConnection,
    actions: &[ActionId],
) -> Result<HashMap<ActionId, bool>> {
    let ids: Vec<Uuid> = actions.iter().map(|a| a.0).collect();
    let rows: Vec<VerifiedRow> = diesel::sql_query(format!(
        "SELECT a.id, {} AS verified FROM unnest($1) AS a (id)",
        crate::plans::verified_action_sql("a.id")
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (ActionId(r.id), r.verified))
        .collect())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measurements, check_for_backend(diesel::pg::Pg))]
struct MeasurementRow {
    id: Uuid,
    alliance_id: Uuid,
    indicator_id: Uuid,
    value: f64,
    measured_on: NaiveDate,
    evidence_url: Option<String>,
    note: Option<String>,
    recorded_by: Uuid,
    partner_id: Uuid,
    review_status: Option<String>,
    reviewed_by: Option<Uuid>,
    reviewer_partner_id: Option<Uuid>,
    review_reason: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// A measurement, recorded for a partner; its latest review, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub id: MeasurementId,
    pub alliance: AllianceId,
    pub indicator: IndicatorId,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    /// The partner the measurement was recorded for.
    pub partner: PartnerId,
    pub review_status: Option<ReviewStatus>,
    pub reviewed_by: Option<UserId>,
    pub reviewer_partner: Option<PartnerId>,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<MeasurementRow> for Measurement {
    type Error = PersistenceError;
    fn try_from(r: MeasurementRow) -> Result<Self> {
        Ok(Self {
            id: MeasurementId(r.id),
            alliance: AllianceId(r.alliance_id),
            indicator: IndicatorId(r.indicator_id),
            value: r.value,
            measured_on: r.measured_on,
            evidence_url: r.evidence_url,
            note: r.note,
            recorded_by: UserId(r.recorded_by),
            partner: PartnerId(r.partner_id),
            review_status: r
                .review_status
                .as_deref()
                .map(|s| ReviewStatus::parse("review_status", s))
                .transpose()?,
            reviewed_by: r.reviewed_by.map(UserId),
            reviewer_partner: r.reviewer_partner_id.map(PartnerId),
            review_reason: r.review_reason,
            reviewed_at: r.reviewed_at,
            created_at: r.created_at,
        })
    }
}

impl Measurement {
    /// The measurement as the "verified" rule sees it.
    pub fn check(&self) -> MeasurementCheck {
        MeasurementCheck::of(
            self.review_status,
            self.evidence_url.as_deref(),
            self.note.as_deref(),
        )
    }
}

/// A new measurement.
#[derive(Debug, Clone)]
pub struct NewMeasurement {
    pub id: MeasurementId,
    pub alliance: AllianceId,
    pub indicator: IndicatorId,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub partner: PartnerId,
}

pub async fn insert_measurement(
    conn: &mut AsyncPgConnection,
    new: NewMeasurement,
) -> Result<Measurement> {
    let row: MeasurementRow = diesel::insert_into(measurements::table)
        .values((
            measurements::id.eq(new.id.0),
            measurements::alliance_id.eq(new.alliance.0),
            measurements::indicator_id.eq(new.indicator.0),
            measurements::value.eq(new.value),
            measurements::measured_on.eq(new.measured_on),
            measurements::evidence_url.eq(new.evidence_url),
            measurements::note.eq(new.note),
            measurements::recorded_by.eq(new.recorded_by.0),
            measurements::partner_id.eq(new.partner.0),
        ))
        .returning(MeasurementRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn lock_measurement(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: MeasurementId,
) -> Result<Option<Measurement>> {
    let row: Option<MeasurementRow> = measurements::table
        .filter(measurements::alliance_id.eq(alliance.0))
        .filter(measurements::id.eq(id.0))
        .select(MeasurementRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(Measurement::try_from).transpose()
}

/// Records a review (the latest review is the one that counts).
pub async fn review(
    conn: &mut AsyncPgConnection,
    id: MeasurementId,
    status: ReviewStatus,
    by: UserId,
    partner: PartnerId,
    reason: Option<String>,
) -> Result<Measurement> {
    let row: MeasurementRow = diesel::update(measurements::table.find(id.0))
        .set((
            measurements::review_status.eq(status.as_str()),
            measurements::reviewed_by.eq(by.0),
            measurements::reviewer_partner_id.eq(partner.0),
            measurements::review_reason.eq(reason),
            measurements::reviewed_at.eq(Utc::now()),
        ))
        .returning(MeasurementRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn list_measurements(
    conn: &mut AsyncPgConnection,
    indicator: IndicatorId,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Measurement>> {
    let query = measurements::table
        .filter(measurements::indicator_id.eq(indicator.0))
        .select(MeasurementRow::as_select())
        .into_boxed();
    let rows: Vec<MeasurementRow> = after_key!(query, measurements, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Measurement::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |m| TimeKey {
        created_at: m.created_at,
        id: m.id.0,
    }))
}
