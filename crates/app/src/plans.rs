//! Action plans: one per alliance and academic year, moved through their phases.

use agir_domain::ids::{AllianceId, PlanId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, Phase};
use agir_domain::policy;
use agir_domain::vote::Subject;
use agir_persistence::journal::{self, Actor};
use agir_persistence::plans::{self, Plan, PlanChanges};
use agir_persistence::{AsyncPgConnection, votes};
use chrono::Utc;
use uuid::Uuid;

use crate::Scope;
use crate::error::{AppError, Result};

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
