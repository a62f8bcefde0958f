//! Comments on actions, and partners' endorsements.

use agir_domain::ids::{ActionId, AllianceId, CommentId, PartnerId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{comments, endorsements, partners, users};
use crate::{PersistenceError, Result};

/// A comment with its author's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub action: ActionId,
    pub author: UserId,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of [`comment_columns`]: a comment joined to its author.
#[derive(Queryable)]
struct CommentRow {
    id: Uuid,
    action_id: Uuid,
    author_id: Uuid,
    author_name: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Self {
        Self {
            id: CommentId(r.id),
            action: ActionId(r.action_id),
            author: UserId(r.author_id),
            author_name: r.author_name,
            body: r.body,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

macro_rules! comment_columns {
    () => {
        (
            comments::id,
            comments::action_id,
            comments::author_id,
            users::display_name,
            comments::body,
            comments::created_at,
            comments::updated_at,
        )
    };
}

pub async fn insert_comment(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    action: ActionId,
    author: UserId,
    body: &str,
) -> Result<Comment> {
    let id = Uuid::now_v7();
    diesel::insert_into(comments::table)
        .values((
            comments::id.eq(id),
            comments::alliance_id.eq(alliance.0),
            comments::action_id.eq(action.0),
            comments::author_id.eq(author.0),
            comments::body.eq(body),
        ))
        .execute(conn)
        .await?;
    find_comment(conn, alliance, action, CommentId(id))
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("inserted comment not found".into()))
}

pub async fn find_comment(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    action: ActionId,
    id: CommentId,
) -> Result<Option<Comment>> {
    let row: Option<CommentRow> = comments::table
        .inner_join(users::table)
        .filter(comments::alliance_id.eq(alliance.0))
        .filter(comments::action_id.eq(action.0))
        .filter(comments::id.eq(id.0))
        .select(comment_columns!())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(Comment::from))
}

pub async fn update_comment(conn: &mut AsyncPgConnection, id: CommentId, body: &str) -> Result<()> {
    diesel::update(comments::table.find(id.0))
        .set((comments::body.eq(body), comments::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_comment(conn: &mut AsyncPgConnection, id: CommentId) -> Result<()> {
    diesel::delete(comments::table.find(id.0))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list_comments(
    conn: &mut AsyncPgConnection,
    action: ActionId,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Comment>> {
    let query = comments::table
        .inner_join(users::table)
        .filter(comments::action_id.eq(action.0))
        .select(comment_columns!())
        .into_boxed();
    let rows: Vec<CommentRow> = after_key!(query, comments, page).load(conn).await?;
    let items: Vec<Comment> = rows.into_iter().map(Comment::from).collect();
    Ok(Page::from_rows(items, page.limit, |c| TimeKey {
        created_at: c.created_at,
        id: c.id.0,
    }))
}

/// A partner's support of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub partner: PartnerId,
    pub partner_name: String,
    pub created_at: DateTime<Utc>,
}

pub async fn endorse(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    action: ActionId,
    partner: PartnerId,
    by: UserId,
) -> Result<()> {
    diesel::insert_into(endorsements::table)
        .values((
            endorsements::action_id.eq(action.0),
            endorsements::alliance_id.eq(alliance.0),
            endorsements::partner_id.eq(partner.0),
            endorsements::endorsed_by.eq(by.0),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Withdraws a partner's endorsement; whether there was one.
pub async fn withdraw_endorsement(
    conn: &mut AsyncPgConnection,
    action: ActionId,
    partner: PartnerId,
) -> Result<bool> {
    Ok(
        diesel::delete(endorsements::table.find((action.0, partner.0)))
            .execute(conn)
            .await?
            > 0,
    )
}

/// The endorsements of these actions.
pub async fn endorsements_of(
    conn: &mut AsyncPgConnection,
    actions: &[ActionId],
) -> Result<Vec<(ActionId, Endorsement)>> {
    let ids: Vec<Uuid> = actions.iter().map(|a| a.0).collect();
    let rows: Vec<EndorsementRow> = endorsements::table
        .inner_join(partners::table.on(partners::id.eq(endorsements::partner_id)))
        .filter(endorsements::action_id.eq_any(ids))
        .order((endorsements::created_at, endorsements::partner_id))
        .select((
            endorsements::action_id,
            endorsements::partner_id,
            partners::name,
            endorsements::created_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let endorsement = Endorsement {
                partner: PartnerId(r.partner_id),
                partner_name: r.partner_name,
                created_at: r.created_at,
            };
            (ActionId(r.action_id), endorsement)
        })
        .collect())
}

/// An endorsement joined to its partner's name.
#[derive(Queryable)]
struct EndorsementRow {
    action_id: Uuid,
    partner_id: Uuid,
    partner_name: String,
    created_at: DateTime<Utc>,
}
