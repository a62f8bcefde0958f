//! Indicators and measurements: the results behind an action, backed by evidence and
//! confirmed by another partner (the "verified" rule: `agir_domain::plan`).

use agir_domain::ids::{ActionId, IndicatorId, MeasurementId, PartnerId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, CatalogueIndicator, ReviewStatus, Verdict};
use agir_domain::policy::{self, ActionOwners, Denied};
use agir_persistence::journal;
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::plans::{Action, Plan};
use agir_persistence::results::{self, Indicator, Measurement, NewIndicator, NewMeasurement};
use agir_persistence::{AsyncConnection, AsyncPgConnection};
use chrono::NaiveDate;

use crate::Scope;
use crate::actions::visible_action;
use crate::error::{AppError, Result, found};
use crate::partners::check_usable;

/// An indicator the caller may see, with its action and the action's plan.
pub async fn visible_indicator(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: IndicatorId,
) -> Result<(Indicator, Action, Plan)> {
    let indicator = found(
        results::find_indicator(conn, scope.id(), id).await?,
        "indicator",
    )?;
    let (action, plan) = visible_action(conn, scope, indicator.action).await?;
    Ok((indicator, action, plan))
}

/// An action's indicators with their progress (public once its plan is adopted).
pub async fn list_indicators(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
) -> Result<Vec<Indicator>> {
    let (action, _) = visible_action(conn, scope, action).await?;
    Ok(results::indicators_of(conn, &[action.id]).await?)
}

/// A new indicator, parsed: a catalogue one (its name may be overridden), or a custom
/// name and unit.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInput {
    pub catalogue: Option<CatalogueIndicator>,
    pub name: String,
    pub unit: String,
    pub target: Option<f64>,
}

/// Adds an indicator to an action: the partner that leads or proposed it, or the
/// coordinator; not once the plan is closed.
pub async fn create_indicator(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
    input: IndicatorInput,
) -> Result<Indicator> {
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let (action, plan) = visible_action(conn, scope, action).await?;
        policy::edit_action(
            &scope.caller,
            ActionOwners {
                proposing: action.proposing_partner,
                lead: action.lead_partner,
            },
        )?;
        plan::can_edit_action(plan.phase)?;
        let indicator = results::insert_indicator(
            conn,
            NewIndicator {
                id: IndicatorId::new(),
                alliance,
                action: action.id,
                catalogue: input.catalogue,
                name: input.name,
                unit: input.unit,
                target: input.target,
            },
        )
        .await?;
        journal::append(conn, Some(alliance), scope.actor(), &created(&indicator)).await?;
        Ok(indicator)
    })
    .await
}

/// The journal entry of a new indicator.
pub fn created(indicator: &Indicator) -> Event {
    Event::IndicatorCreated {
        indicator: indicator.id,
        action: indicator.action,
        catalogue: indicator.catalogue.map(|c| c.as_str().to_owned()),
        name: indicator.name.clone(),
        unit: indicator.unit.clone(),
        target: indicator.target,
    }
}

/// A page of an indicator's measurements, and whether the caller may see who recorded
/// them (members and admins: `policy::read_private`; the public sees the partner only).
#[derive(Debug, Clone)]
pub struct Measurements {
    pub page: Page<Measurement>,
    pub shows_recorders: bool,
}

/// An indicator's measurements (public once its plan is adopted).
pub async fn list_measurements(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    indicator: IndicatorId,
    page: &PageRequest<TimeKey>,
) -> Result<Measurements> {
    let (indicator, _, _) = visible_indicator(conn, scope, indicator).await?;
    Ok(Measurements {
        page: results::list_measurements(conn, indicator.id, page).await?,
        shows_recorders: policy::read_private(&scope.caller).is_ok(),
    })
}

/// A new measurement, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementInput {
    pub value: f64,
    /// Default: today.
    pub measured_on: Option<NaiveDate>,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    /// The partner recording it; `None`: the caller's own partner taking part in the
    /// action.
    pub partner: Option<PartnerId>,
}

/// Records a measurement: a member of a partner taking part in the action, or the
/// coordinator; not once the plan is closed.
pub async fn record_measurement(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    indicator: IndicatorId,
    input: MeasurementInput,
) -> Result<Measurement> {
    let alliance = scope.id();
    let recorded_by = scope.caller.user().ok_or(Denied::Anonymous)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (indicator, action, plan) = visible_indicator(conn, scope, indicator).await?;
        let participants = action.participants();
        let partner = match input.partner {
            Some(partner) => {
                // The right first (403), then the request (422).
                policy::record_measurement(&scope.caller, partner)?;
                check_usable(conn, alliance, partner, "partner_id").await?;
                if !participants.contains(&partner) {
                    return Err(AppError::field(
                        "partner_id",
                        "not_participating",
                        "this partner does not take part in the action",
                    ));
                }
                partner
            }
            None => recording_partner(scope, &participants)?,
        };
        policy::record_measurement(&scope.caller, partner)?;
        plan::can_edit_action(plan.phase)?;
        let measurement = results::insert_measurement(
            conn,
            NewMeasurement {
                id: MeasurementId::new(),
                alliance,
                indicator: indicator.id,
                value: input.value,
                measured_on: input.measured_on.unwrap_or(scope.today),
                evidence_url: input.evidence_url,
                note: input.note,
                recorded_by,
                partner,
            },
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor_for(partner),
            &recorded(&measurement),
        )
        .await?;
        Ok(measurement)
    })
    .await
}

/// The journal entry of a new measurement.
pub fn recorded(measurement: &Measurement) -> Event {
    Event::MeasurementRecorded {
        measurement: measurement.id,
        indicator: measurement.indicator,
        value: measurement.value,
        measured_on: measurement.measured_on,
        with_evidence: measurement.check().has_evidence,
    }
}

/// Without a partner named: the caller's own partner taking part in the action. The
/// coordinator and admins, who may record for any of them, name it (422); anyone else
/// taking part for none of them is refused (403).
fn recording_partner(scope: &Scope, participants: &[PartnerId]) -> Result<PartnerId> {
    let mine = scope
        .caller
        .mandates
        .iter()
        .filter(|m| m.role.takes_part() && participants.contains(&m.partner))
        .map(|m| m.partner)
        .collect();
    let name_it = || {
        AppError::field(
            "partner_id",
            "required",
            "say which partner taking part in the action records it",
        )
    };
    let none = if policy::manage_alliance(&scope.caller).is_ok() {
        name_it()
    } else {
        AppError::Denied(Denied::Forbidden(
            "only members of a partner taking part in the action may record its measurements",
        ))
    };
    only(mine, none, name_it())
}

/// The only one of `candidates`: `none` without any, `several` with more than one.
fn only(candidates: Vec<PartnerId>, none: AppError, several: AppError) -> Result<PartnerId> {
    match candidates.as_slice() {
        [only] => Ok(*only),
        [] => Err(none),
        _ => Err(several),
    }
}

/// A review, parsed: a dispute has a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    pub verdict: Verdict,
    pub reason: Option<String>,
    /// The reviewing partner; `None`: the only partner the caller speaks for other
    /// than the recorder.
    pub partner: Option<PartnerId>,
}

/// Confirms or disputes another partner's measurement (`policy::review_measurement`:
/// another partner and another person). The latest review counts.
pub async fn review_measurement(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: MeasurementId,
    input: ReviewInput,
) -> Result<Measurement> {
    let alliance = scope.id();
    let by = scope.caller.user().ok_or(Denied::Anonymous)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = found(
            results::lock_measurement(conn, alliance, id).await?,
            "measurement",
        )?;
        let recorder = current.partner;
        let reviewer = match input.partner {
            Some(partner) => partner,
            None => reviewing_partner(scope, recorder)?,
        };
        let (_, _, plan) = visible_indicator(conn, scope, current.indicator).await?;
        policy::review_measurement(&scope.caller, reviewer, recorder, current.recorded_by)?;
        check_usable(conn, alliance, reviewer, "partner_id").await?;
        plan::can_edit_action(plan.phase)?;
        let measurement = results::review(
            conn,
            current.id,
            ReviewStatus::from(input.verdict),
            by,
            reviewer,
            input.reason.clone(),
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor_for(reviewer),
            &Event::MeasurementReviewed {
                measurement: current.id,
                verdict: input.verdict,
                reason: input.reason,
                recorded_by_partner: recorder,
            },
        )
        .await?;
        Ok(measurement)
    })
    .await
}

/// Without a partner named: the only partner the caller speaks for other than the
/// recorder (403 without any, 422 with several).
fn reviewing_partner(scope: &Scope, recorder: PartnerId) -> Result<PartnerId> {
    let others = scope
        .caller
        .partners_spoken_for()
        .into_iter()
        .filter(|p| *p != recorder)
        .collect();
    only(
        others,
        AppError::Denied(Denied::Forbidden(
            "only a representative of another partner than the recorder may review",
        )),
        AppError::field("partner_id", "required", "say which partner reviews"),
    )
}
