//! An alliance's "Agir Ensemble" labels: applied for by its coordinator, decided by
//! the AVUF (platform admins).

use std::collections::BTreeSet;

use agir_domain::alliance::PartnerKind;
use agir_domain::ids::LabelId;
use agir_domain::journal::Event;
use agir_domain::label::{self, LabelStatus};
use agir_domain::plan::AcademicYear;
use agir_domain::policy;
use agir_persistence::labels::{self, Label, NewLabel};
use agir_persistence::{AsyncConnection, AsyncPgConnection, journal, partners};

use crate::Scope;
use crate::error::{AppError, Result};
use crate::expect::{Expected, locked};

/// An alliance's labels, newest year first: granted ones for everyone, every
/// application for its members.
pub async fn list(conn: &mut AsyncPgConnection, scope: &Scope) -> Result<Vec<Label>> {
    let granted_only = policy::read_private(&scope.caller).is_err();
    Ok(labels::of_alliance(conn, scope.id(), granted_only).await?)
}

/// Applies for the label for an academic year (coordinator), noting which expected
/// kinds of partners the alliance lacks today (409 if it already applied that year).
pub async fn apply(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    year: AcademicYear,
    note: String,
) -> Result<Label> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let present: BTreeSet<PartnerKind> = partners::all_active(conn, alliance)
            .await?
            .into_iter()
            .map(|p| p.kind)
            .collect();
        let present: Vec<PartnerKind> = present.into_iter().collect();
        let missing = label::missing_kinds(&present);
        let label = labels::insert(
            conn,
            NewLabel {
                alliance,
                academic_year: year,
                kinds_present: present,
                kinds_missing: missing,
                application_note: note,
                applied_by: scope.caller.user(),
            },
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &Event::LabelApplied {
                label: label.id,
                academic_year: year,
                missing_kinds: label
                    .kinds_missing
                    .iter()
                    .map(|k| k.as_str().to_owned())
                    .collect(),
            },
        )
        .await?;
        Ok(label)
    })
    .await
}

/// Decides on a label (platform admins): grants or refuses an application, withdraws a
/// granted label (`LabelStatus::decide`).
pub async fn decide(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: LabelId,
    to: LabelStatus,
    note: Option<String>,
    expected: &(impl Expected<Label> + Sync),
) -> Result<Label> {
    policy::manage_platform(scope.caller.principal.as_ref())?;
    let by = scope.caller.user().ok_or(policy::Denied::Anonymous)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = locked(labels::lock(conn, alliance, id).await?, "label", expected)?;
        current.status.decide(to)?;
        let label = labels::decide(conn, current.id, to, note, by).await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &Event::LabelDecided {
                label: label.id,
                academic_year: label.academic_year,
                from: current.status,
                status: to,
            },
        )
        .await?;
        Ok(label)
    })
    .await
}
