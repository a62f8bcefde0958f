//! Actions of a plan.

use agir_domain::ids::ActionId;
use agir_persistence::AsyncPgConnection;
use agir_persistence::plans::{self, Action, Plan};

use crate::Scope;
use crate::error::{AppError, Result};
use crate::plans::visible_plan;

/// An action the caller may see (its plan is public, or the caller a member), with its
/// plan.
pub async fn visible_action(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: ActionId,
) -> Result<(Action, Plan)> {
    let action = plans::find_action(conn, scope.id(), id)
        .await?
        .ok_or(AppError::NotFound("action"))?;
    let plan = visible_plan(conn, scope, action.plan).await?;
    Ok((action, plan))
}
