//! Labels of an alliance.

use agir_domain::alliance::PartnerKind;
use agir_domain::ids::{AllianceId, LabelId, UserId};
use agir_domain::label::LabelStatus;
use agir_domain::plan::AcademicYear;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::labels;
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = labels, check_for_backend(diesel::pg::Pg))]
struct LabelRow {
    id: Uuid,
    alliance_id: Uuid,
    academic_year: String,
    status: String,
    kinds_present: Vec<String>,
    kinds_missing: Vec<String>,
    application_note: String,
    decision_note: Option<String>,
    applied_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

/// A label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: LabelId,
    pub alliance: AllianceId,
    pub academic_year: AcademicYear,
    pub status: LabelStatus,
    /// Partner kinds the alliance had when it applied.
    pub kinds_present: Vec<PartnerKind>,
    /// Expected kinds it lacked then.
    pub kinds_missing: Vec<PartnerKind>,
    pub application_note: String,
    pub decision_note: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<LabelRow> for Label {
    type Error = PersistenceError;
    fn try_from(r: LabelRow) -> Result<Self> {
        Ok(Self {
            id: LabelId(r.id),
            alliance: AllianceId(r.alliance_id),
            academic_year: AcademicYear::parse("academic_year", &r.academic_year)?,
            status: LabelStatus::parse("status", &r.status)?,
            kinds_present: kinds("kinds_present", &r.kinds_present)?,
            kinds_missing: kinds("kinds_missing", &r.kinds_missing)?,
            application_note: r.application_note,
            decision_note: r.decision_note,
            applied_at: r.applied_at,
            decided_at: r.decided_at,
            updated_at: r.updated_at,
        })
    }
}

fn kinds(field: &str, raw: &[String]) -> Result<Vec<PartnerKind>> {
    Ok(raw
        .iter()
        .map(|k| PartnerKind::parse(field, k))
        .collect::<Result<_, _>>()?)
}

fn names(kinds: &[PartnerKind]) -> Vec<&'static str> {
    kinds.iter().map(|k| k.as_str()).collect()
}

/// An application.
#[derive(Debug, Clone)]
pub struct NewLabel {
    pub alliance: AllianceId,
    pub academic_year: AcademicYear,
    pub kinds_present: Vec<PartnerKind>,
    pub kinds_missing: Vec<PartnerKind>,
    pub application_note: String,
    pub applied_by: Option<UserId>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewLabel) -> Result<Label> {
    let row: LabelRow = diesel::insert_into(labels::table)
        .values((
            labels::id.eq(LabelId::new().0),
            labels::alliance_id.eq(new.alliance.0),
            labels::academic_year.eq(new.academic_year.to_string()),
            labels::kinds_present.eq(names(&new.kinds_present)),
            labels::kinds_missing.eq(names(&new.kinds_missing)),
            labels::application_note.eq(&new.application_note),
            labels::applied_by.eq(new.applied_by.map(|u| u.0)),
        ))
        .returning(LabelRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn lock(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: LabelId,
) -> Result<Option<Label>> {
    let row: Option<LabelRow> = labels::table
        .filter(labels::alliance_id.eq(alliance.0))
        .filter(labels::id.eq(id.0))
        .select(LabelRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: LabelId,
    status: LabelStatus,
    note: Option<String>,
    by: UserId,
) -> Result<Label> {
    let now = Utc::now();
    let row: LabelRow = diesel::update(labels::table.find(id.0))
        .set((
            labels::status.eq(status.as_str()),
            labels::decision_note.eq(note),
            labels::decided_by.eq(by.0),
            labels::decided_at.eq(now),
            labels::updated_at.eq(now),
        ))
        .returning(LabelRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// An alliance's labels, newest year first; `granted_only` for the public.
pub async fn of_alliance(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    granted_only: bool,
) -> Result<Vec<Label>> {
    let mut query = labels::table
        .filter(labels::alliance_id.eq(alliance.0))
        .select(LabelRow::as_select())
        .order((labels::academic_year.desc(), labels::id))
        .into_boxed();
    if granted_only {
        query = query.filter(labels::status.eq(LabelStatus::Granted.as_str()));
    }
    let rows: Vec<LabelRow> = query.load(conn).await?;
    rows.into_iter().map(Label::try_from).collect()
}
