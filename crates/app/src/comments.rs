//! Comments on actions, and partners' endorsements.

use agir_domain::DomainError;
use agir_domain::ids::{ActionId, CommentId, PartnerId};
use agir_domain::journal::Event;
use agir_domain::plan;
use agir_domain::policy::{self, Denied};
use agir_persistence::comments::{self, Comment};
use agir_persistence::journal;
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::{AsyncConnection, AsyncPgConnection};

use crate::actions::visible_action;
use crate::error::{AppError, Result, found};
use crate::{Expected, Patch, Scope};

/// An action's comments, oldest first (members of the alliance).
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Comment>> {
    policy::read_private(&scope.caller)?;
    let (action, _) = visible_action(conn, scope, action).await?;
    Ok(comments::list_comments(conn, action.id, page).await?)
}

/// Comments on an action (anyone taking part in the alliance). `body` is refused only
/// once the caller may comment.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
    body: std::result::Result<String, DomainError>,
) -> Result<Comment> {
    policy::comment(&scope.caller)?;
    let body = body?;
    let author = scope.caller.user().ok_or(Denied::Anonymous)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let (action, _) = visible_action(conn, scope, action).await?;
        let comment = comments::insert_comment(conn, alliance, action.id, author, &body).await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &Event::CommentCreated {
                comment: comment.id,
                action: action.id,
            },
        )
        .await?;
        Ok(comment)
    })
    .await
}

/// Changes a comment's text (its author).
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    (action, id): (ActionId, CommentId),
    body: std::result::Result<String, DomainError>,
    expected: &(impl Expected<Comment> + Sync),
) -> Result<Comment> {
    policy::read_private(&scope.caller)?;
    let body = body?;
    let alliance = scope.id();
    let patch = Patch::by(scope, "comment", expected);
    conn.transaction::<_, AppError, _>(async |conn| {
        let row = comments::find_comment(conn, alliance, action, id).await?;
        patch
            .apply(
                conn,
                row,
                async |_, current: &Comment| {
                    Ok(policy::edit_comment(&scope.caller, current.author, false)?)
                },
                async |_, comment| Ok(comment.clone()),
                async |conn, _, ()| {
                    comments::update_comment(conn, id, &body).await?;
                    let comment = comments::find_comment(conn, alliance, action, id).await?;
                    let event = Event::CommentUpdated {
                        comment: id,
                        action,
                    };
                    Ok((found(comment, "comment")?, event))
                },
            )
            .await
    })
    .await
}

/// Deletes a comment (its author, or an admin).
pub async fn delete(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    (action, id): (ActionId, CommentId),
) -> Result<()> {
    policy::read_private(&scope.caller)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = found(
            comments::find_comment(conn, alliance, action, id).await?,
            "comment",
        )?;
        policy::edit_comment(&scope.caller, current.author, true)?;
        comments::delete_comment(conn, id).await?;
        let event = Event::CommentDeleted {
            comment: id,
            action,
        };
        journal::append(conn, Some(alliance), scope.actor(), &event).await?;
        Ok(())
    })
    .await
}

/// Endorses an action for the partner `named`, or the one the caller speaks for
/// (`policy::endorsing_partner`); one endorsement per partner.
pub async fn endorse(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
    named: Option<PartnerId>,
) -> Result<()> {
    let partner = signing_partner(scope, named)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (action, plan) = visible_action(conn, scope, action).await?;
        plan::can_edit_action(plan.phase)?;
        let by = scope.caller.user().ok_or(Denied::Anonymous)?;
        comments::endorse(conn, scope.id(), action.id, partner, by).await?;
        let action = action.id;
        let event = Event::ActionEndorsed { action, partner };
        append_for(conn, scope, partner, &event).await
    })
    .await
}

/// Withdraws the endorsement of the partner `named`, or the one the caller speaks for
/// (404 `endorsement` when there is none).
pub async fn withdraw_endorsement(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    action: ActionId,
    named: Option<PartnerId>,
) -> Result<()> {
    let partner = signing_partner(scope, named)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (action, _) = visible_action(conn, scope, action).await?;
        if !comments::withdraw_endorsement(conn, action.id, partner).await? {
            return Err(AppError::NotFound("endorsement"));
        }
        let action = action.id;
        let event = Event::ActionEndorsementWithdrawn { action, partner };
        append_for(conn, scope, partner, &event).await
    })
    .await
}

/// The partner an endorsement is given or withdrawn for, once the caller may sign for it.
fn signing_partner(scope: &Scope, named: Option<PartnerId>) -> Result<PartnerId> {
    let partner = policy::endorsing_partner(&scope.caller, named, "partner_id")?;
    policy::sign_for_partner(&scope.caller, partner)?;
    Ok(partner)
}

/// Journals `event` in the scope's alliance, by the caller acting for `partner`.
async fn append_for(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    partner: PartnerId,
    event: &Event,
) -> Result<()> {
    journal::append(conn, Some(scope.id()), scope.actor_for(partner), event).await?;
    Ok(())
}
