//! Accounts.

use agir_domain::ids::UserId;
use agir_domain::user::{DisplayName, Email, User};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::Result;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::users;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    is_admin: bool,
    disabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = crate::PersistenceError;

    fn try_from(row: UserRow) -> Result<Self> {
        Ok(User {
            id: UserId(row.id),
            email: Email::parse("email", &row.email)?,
            display_name: DisplayName::parse("display_name", &row.display_name)?,
            is_admin: row.is_admin,
            disabled: row.disabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
}

/// Changes to an account; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<DisplayName>,
    pub is_admin: Option<bool>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

impl UserChanges {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.is_admin.is_none()
            && self.disabled.is_none()
            && self.password_hash.is_none()
    }
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
struct UserChangesRow<'a> {
    display_name: Option<&'a str>,
    is_admin: Option<bool>,
    disabled: Option<bool>,
    password_hash: Option<&'a str>,
    updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> Result<User> {
    let row: UserRow = diesel::insert_into(users::table)
        .values(&new)
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> Result<Option<User>> {
    let row: Option<UserRow> = users::table
        .find(id.0)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// The display names of these users, in one query (unknown ids are left out).
pub async fn display_names(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Loads and locks the row until the end of the transaction, for read-check-write updates.
pub async fn find_for_update(conn: &mut AsyncPgConnection, id: UserId) -> Result<Option<User>> {
    let row: Option<UserRow> = users::table
        .find(id.0)
        .select(UserRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// The account and its password hash, for login.
pub async fn find_credentials(
    conn: &mut AsyncPgConnection,
    email: &Email,
) -> Result<Option<(User, String)>> {
    let row: Option<(UserRow, String)> = users::table
        .filter(users::email.eq(email.as_str()))
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .await
        .optional()?;
    row.map(|(user, hash)| Ok((user.try_into()?, hash)))
        .transpose()
}

pub async fn password_hash(conn: &mut AsyncPgConnection, id: UserId) -> Result<Option<String>> {
    Ok(users::table
        .find(id.0)
        .select(users::password_hash)
        .first(conn)
        .await
        .optional()?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: UserId,
    changes: UserChanges,
) -> Result<User> {
    let changes = UserChangesRow {
        display_name: changes.display_name.as_ref().map(DisplayName::as_str),
        is_admin: changes.is_admin,
        disabled: changes.disabled,
        password_hash: changes.password_hash.as_deref(),
        updated_at: Utc::now(),
    };
    let row: UserRow = diesel::update(users::table.find(id.0))
        .set(&changes)
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Whether any enabled platform admin exists (bootstrap creates one otherwise).
pub async fn any_admin(conn: &mut AsyncPgConnection) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(users::is_admin.and(users::disabled.eq(false))),
    ))
    .get_result(conn)
    .await?)
}

pub async fn list(conn: &mut AsyncPgConnection, page: &PageRequest<TimeKey>) -> Result<Page<User>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order((users::created_at, users::id))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(
            users::created_at.gt(after.created_at).or(users::created_at
                .eq(after.created_at)
                .and(users::id.gt(after.id))),
        );
    }
    let rows: Vec<UserRow> = query.load(conn).await?;
    let users = rows
        .into_iter()
        .map(User::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(users, page.limit, |u| TimeKey {
        created_at: u.created_at,
        id: u.id.0,
    }))
}
