//! Reading the journals: an alliance's chain (its members), the platform chain
//! (platform admins), and recomputing either to say whether it is intact.

use agir_domain::journal::ChainCheck;
use agir_domain::policy::{self, Principal};
use agir_persistence::AsyncPgConnection;
use agir_persistence::journal::{self, JournalEntry};
use agir_persistence::page::{Page, PageRequest};

use crate::Scope;
use crate::error::Result;

/// Whether the caller may read the alliance's chain: its members and admins. The
/// queries ask it first; a handler may ask it before parsing its paging parameters,
/// so that a refusal wins over them.
pub fn authorize_alliance(scope: &Scope) -> Result<()> {
    Ok(policy::read_private(&scope.caller)?)
}

/// Whether the caller may read the platform chain: platform admins.
pub fn authorize_platform(principal: &Principal) -> Result<()> {
    Ok(policy::read_platform_journal(principal)?)
}

/// A page of the alliance's chain, in sequence order (members of the alliance).
pub async fn list_alliance(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    page: &PageRequest<i64>,
) -> Result<Page<JournalEntry>> {
    authorize_alliance(scope)?;
    Ok(journal::list(conn, Some(scope.id()), page).await?)
}

/// Recomputes the alliance's chain (members of the alliance).
pub async fn verify_alliance(conn: &mut AsyncPgConnection, scope: &Scope) -> Result<ChainCheck> {
    authorize_alliance(scope)?;
    Ok(journal::verify(conn, Some(scope.id())).await?)
}

/// A page of the platform chain, in sequence order (platform admins).
pub async fn list_platform(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageRequest<i64>,
) -> Result<Page<JournalEntry>> {
    authorize_platform(principal)?;
    Ok(journal::list(conn, None, page).await?)
}

/// Recomputes the platform chain (platform admins).
pub async fn verify_platform(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> Result<ChainCheck> {
    authorize_platform(principal)?;
    Ok(journal::verify(conn, None).await?)
}
