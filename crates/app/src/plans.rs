//! Action plans: one per alliance and academic year, moved through their phases.

use agir_domain::DomainError;
use agir_domain::ids::{ActionId, AllianceId, IndicatorId, PlanId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, AcademicYear, ActionStatus, Phase};
use agir_domain::policy;
use agir_domain::vote::Subject;
use agir_persistence::journal::{self, Actor};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::plans::{self, Action, NewAction, Plan, PlanChanges, StatusCount};
use agir_persistence::results::{self, NewIndicator};
use agir_persistence::{AsyncConnection, AsyncPgConnection, votes};
use chrono::Utc;
use uuid::Uuid;

use crate::error::{AppError, Result, found, single};
use crate::{Expected, Patch, Scope};

/// A plan visible to the caller: public once adopted, before that to members (404 if
/// there is none, 401 or 403 if the caller may not see it).
pub async fn visible_plan(conn: &mut AsyncPgConnection, scope: &Scope, id: PlanId) -> Result<Plan> {
    let plan = plans::find_plan(conn, scope.id(), id)
        .await?
        .ok_or(AppError::NotFound("plan"))?;
    check_visible(scope, &plan)?;
    Ok(plan)
}

/// Public once adopted, before that to members.
pub fn check_visible(scope: &Scope, plan: &Plan) -> Result<()> {
    Ok(policy::read_plan(&scope.caller, plan.phase.is_public())?)
}

/// 409 `vote_open` while a vote on one of these subjects is open: members vote on the
/// text they read (SPEC §4). Call it in the writing transaction, with the subject
/// row locked.
pub async fn refuse_while_voted(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    subjects: &[(Subject, Uuid)],
) -> Result<()> {
    let open = votes::open_on_subject(conn, alliance, subjects, Utc::now()).await?;
    Ok(plan::can_change_voted_text(open)?)
}

/// Sets a plan's phase, adopting its proposed actions when the plan is adopted, and
/// journals it. Shared by the coordinator's transition and a plan adoption vote's effect.
pub async fn apply_phase(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    actor: Actor,
    current: Plan,
    phase: Phase,
) -> Result<Plan> {
    let plan = plans::update_plan(
        conn,
        current.id,
        PlanChanges {
            phase: Some(phase),
            ..PlanChanges::default()
        },
    )
    .await?;
    let adopted_actions = if phase == Phase::Adopted {
        plans::adopt_proposed(conn, current.id).await?
    } else {
        0
    };
    journal::append(
        conn,
        Some(alliance),
        actor,
        &Event::PlanPhaseChanged {
            plan: current.id,
            from: current.phase,
            to: phase,
            actions_adopted: adopted_actions,
        },
    )
    .await?;
    Ok(plan)
}

/// What a plan holds, by status and verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanSummary {
    pub actions: i64,
    /// Actions per status, for the statuses the plan has.
    pub by_status: Vec<(ActionStatus, i64)>,
    /// Actions whose every indicator has a measurement with evidence confirmed by another
    /// partner.
    pub verified: i64,
    /// Completed actions without that: reported as unverified.
    pub completed_unverified: i64,
}

impl PlanSummary {
    /// The summary of `plan` from `counts` (of any plans).
    fn of(plan: PlanId, counts: &[StatusCount]) -> Self {
        let mut summary = Self::default();
        for count in counts.iter().filter(|c| c.plan == plan) {
            summary.actions += count.actions;
            summary.verified += count.verified;
            if count.status == ActionStatus::Completed {
                summary.completed_unverified += count.actions - count.verified;
            }
            summary.by_status.push((count.status, count.actions));
        }
        summary
    }
}

/// A plan as the API shows it: with its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    pub plan: Plan,
    pub summary: PlanSummary,
}

/// Plans with their summaries, in one query for the lot.
async fn views(conn: &mut AsyncPgConnection, plans: Vec<Plan>) -> Result<Vec<PlanView>> {
    let ids: Vec<PlanId> = plans.iter().map(|p| p.id).collect();
    let counts = plans::summaries(conn, &ids).await?;
    Ok(plans
        .into_iter()
        .map(|plan| PlanView {
            summary: PlanSummary::of(plan.id, &counts),
            plan,
        })
        .collect())
}

/// One plan with its summary.
async fn view(conn: &mut AsyncPgConnection, plan: Plan) -> Result<PlanView> {
    single(views(conn, vec![plan]).await?, "plan view")
}

/// An alliance's plans: adopted and closed ones for everyone, all of them for members.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    page: &PageRequest<TimeKey>,
) -> Result<Page<PlanView>> {
    let public_only = policy::read_private(&scope.caller).is_err();
    let found = plans::list_plans(conn, scope.id(), public_only, page).await?;
    Ok(Page {
        items: views(conn, found.items).await?,
        next_cursor: found.next_cursor,
    })
}

/// A plan with its summary (public once adopted).
pub async fn get(conn: &AsyncPgConnection, scope: &Scope, id: PlanId) -> Result<PlanView> {
    // The plan and its summary in one round trip; the summary is dropped unread when
    // the caller may not see the plan.
    let (plan, counts) = plans::find_plan_with_summary(conn, scope.id(), id)
        .await?
        .ok_or(AppError::NotFound("plan"))?;
    check_visible(scope, &plan)?;
    Ok(PlanView {
        summary: PlanSummary::of(plan.id, &counts),
        plan,
    })
}

/// The coordinator's input: refused (422) only once the caller may manage the
/// alliance's plans, so that a caller without the right hears 403 whatever they sent.
fn managing<T>(scope: &Scope, input: std::result::Result<T, DomainError>) -> Result<T> {
    policy::manage_alliance(&scope.caller)?;
    Ok(input?)
}

/// The plan `id` of the alliance, locked for a change (404 if there is none).
pub async fn lock(conn: &mut AsyncPgConnection, alliance: AllianceId, id: PlanId) -> Result<Plan> {
    found(plans::lock_plan(conn, alliance, id).await?, "plan")
}

/// A new plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub academic_year: AcademicYear,
    /// Default: "Plan d'actions <year>".
    pub title: Option<String>,
    pub description: String,
}

/// Starts a plan for an academic year, in `draft` (coordinator). `input` is the
/// caller's request as the handler read it, refused only after the policy.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    input: std::result::Result<NewPlan, DomainError>,
) -> Result<PlanView> {
    let NewPlan {
        academic_year: year,
        title,
        description,
    } = managing(scope, input)?;
    let title = title.unwrap_or_else(|| format!("Plan d'actions {year}"));
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let plan = plans::insert_plan(conn, alliance, year, &title, &description, None, actor.user)
            .await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::PlanCreated {
                plan: plan.id,
                academic_year: year,
                title: plan.title.clone(),
            },
        )
        .await?;
        view(conn, plan).await
    })
    .await
}

/// Changes to a plan's title or description; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanEdit {
    pub title: Option<String>,
    pub description: Option<String>,
}

/// Changes a plan's title or description (coordinator); not while its adoption vote
/// is open (409 `vote_open`). An empty edit writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: PlanId,
    input: std::result::Result<PlanEdit, DomainError>,
    expected: &(impl Expected<PlanView> + Sync),
) -> Result<PlanView> {
    let edit = managing(scope, input)?;
    let alliance = scope.id();
    let patch = Patch::by(scope, "plan", expected).unchanged_when(edit == PlanEdit::default());
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = plans::lock_plan(conn, alliance, id).await?;
        patch
            .apply(
                conn,
                row,
                async |_, _| Ok(()),
                async |conn, plan| view(conn, plan.clone()).await,
                async |conn, _, ()| {
                    refuse_while_voted(conn, alliance, &[(Subject::PlanAdoption, id.0)]).await?;
                    let changes = PlanChanges {
                        title: edit.title,
                        description: edit.description,
                        phase: None,
                    };
                    let plan = plans::update_plan(conn, id, changes).await?;
                    let event = Event::PlanUpdated {
                        plan: id,
                        title: plan.title.clone(),
                    };
                    Ok((plan, event))
                },
            )
            .await
    })
    .await
}

/// Moves a plan to its next phase (coordinator): draft → consultation → voting →
/// adopted → closed. Adopting it adopts its proposed actions. Any other move is 409.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: PlanId,
    to: std::result::Result<Phase, DomainError>,
) -> Result<PlanView> {
    let to = managing(scope, to)?;
    let (alliance, actor) = (scope.id(), scope.actor());
    let plan = conn
        .transaction::<_, AppError, _>(async |conn| {
            let current = lock(conn, alliance, id).await?;
            let phase = current.phase.transition(to)?;
            apply_phase(conn, alliance, actor, current, phase).await
        })
        .await?;
    view(conn, plan).await
}

/// Starts next year's plan in `draft` with this plan's unfinished actions (proposed,
/// adopted or in progress), each linked to its origin, with its attribution and its
/// indicators (coordinator). `year` must be later (422 on `to_academic_year`).
pub async fn carry_over(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: PlanId,
    year: std::result::Result<AcademicYear, DomainError>,
) -> Result<PlanView> {
    let year = managing(scope, year)?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let source = lock(conn, alliance, id).await?;
        if year <= source.academic_year {
            return Err(AppError::field(
                "to_academic_year",
                "not_later",
                format!("must be after {}", source.academic_year),
            ));
        }
        let plan = plans::insert_plan(
            conn,
            alliance,
            year,
            &format!("Plan d'actions {year}"),
            &source.description,
            Some(source.id),
            actor.user,
        )
        .await?;
        let unfinished: Vec<_> = plans::all_actions(conn, source.id)
            .await?
            .into_iter()
            .filter(|a| a.status.is_unfinished())
            .collect();
        let origin_ids: Vec<ActionId> = unfinished.iter().map(|a| a.id).collect();
        let indicators = results::indicators_of(conn, &origin_ids).await?;
        for action in &unfinished {
            let copy = plans::insert_action(conn, carried(action, plan.id)).await?;
            for indicator in indicators.iter().filter(|i| i.action == action.id) {
                results::insert_indicator(
                    conn,
                    NewIndicator {
                        id: IndicatorId::new(),
                        alliance,
                        action: copy.id,
                        catalogue: indicator.catalogue,
                        name: indicator.name.clone(),
                        unit: indicator.unit.clone(),
                        target: indicator.target,
                    },
                )
                .await?;
            }
        }
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::PlanCarriedOver {
                plan: plan.id,
                from_plan: source.id,
                academic_year: year,
                actions: unfinished.len(),
            },
        )
        .await?;
        view(conn, plan).await
    })
    .await
}

/// `action` carried over to `plan`: proposed again, with its attribution, undated.
fn carried(action: &Action, plan: PlanId) -> NewAction {
    NewAction {
        id: ActionId::new(),
        alliance: action.alliance,
        plan,
        title: action.title.clone(),
        description: action.description.clone(),
        theme: action.theme,
        sdgs: action.sdgs.clone(),
        proposed_by: action.proposed_by,
        proposing_partner: action.proposing_partner,
        lead_partner: action.lead_partner,
        contributing_partners: action.contributing_partners.clone(),
        planned_start: None,
        planned_end: None,
        status: ActionStatus::Proposed,
        curriculum: action.curriculum.clone(),
        carried_over_from: Some(action.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_one_plan_and_reports_completed_unverified_actions() {
        let (plan, other) = (PlanId::new(), PlanId::new());
        let count = |plan, status, actions, verified| StatusCount {
            plan,
            status,
            actions,
            verified,
        };
        let counts = [
            count(plan, ActionStatus::Completed, 3, 1),
            count(plan, ActionStatus::Proposed, 2, 0),
            count(other, ActionStatus::Completed, 5, 0),
        ];
        assert_eq!(
            PlanSummary::of(plan, &counts),
            PlanSummary {
                actions: 5,
                by_status: vec![(ActionStatus::Completed, 3), (ActionStatus::Proposed, 2)],
                verified: 1,
                completed_unverified: 2,
            }
        );
        assert_eq!(
            PlanSummary::of(PlanId::new(), &counts),
            PlanSummary::default()
        );
    }
}
