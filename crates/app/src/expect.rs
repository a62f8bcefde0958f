//! What the caller last read, checked against the locked current state before a change
//! (HTTP's `If-Match`; the HTTP crate implements [`Expected`] over its representation).

use agir_domain::ids::AllianceId;
use agir_domain::journal::Event;
use agir_persistence::AsyncPgConnection;
use agir_persistence::journal::{self, Actor};

use crate::Scope;
use crate::error::{AppError, Result};

/// A caller's expectation about the current state of a resource.
pub trait Expected<T: ?Sized> {
    /// Whether `current` is still what the caller read.
    fn matches(&self, current: &T) -> bool;

    /// [`AppError::Stale`] unless it matches.
    fn check(&self, current: &T) -> Result<()> {
        if self.matches(current) {
            Ok(())
        } else {
            Err(AppError::Stale)
        }
    }
}

/// No expectation: any current state will do (no `If-Match`, the demo, background tasks).
#[derive(Debug, Clone, Copy, Default)]
pub struct Any;

impl<T: ?Sized> Expected<T> for Any {
    fn matches(&self, _: &T) -> bool {
        true
    }
}

/// The first steps of every change to an existing row, once it is locked: 404 naming it
/// when there is none, then 412 when the caller's copy is stale.
pub fn locked<T>(row: Option<T>, what: &'static str, expected: &impl Expected<T>) -> Result<T> {
    let current = row.ok_or(AppError::NotFound(what))?;
    expected.check(&current)?;
    Ok(current)
}

/// The locked-patch sequence, written once for every change to an existing row:
///
/// 1. `row`: the row the caller's transaction just locked (or read), `None` when absent;
/// 2. 404 naming [`what`](Patch::what) when there is none;
/// 3. `guard`: the checks that win over a stale copy (the policy on the row, say), whose
///    answer (`C`, the action's plan for instance) is handed to `write`;
/// 4. `view` of the current row (the resource as the client reads it), checked against
///    the caller's [`expected`](Patch::expected) state: 412 when stale;
/// 5. when [`unchanged`](Patch::unchanged), that view as it is: nothing written,
///    nothing journaled;
/// 6. `write`: the rules of the change (state machine, open votes, referenced rows),
///    then the update, answering the new row and its journal [`Event`];
/// 7. the event appended to the journal of [`alliance`](Patch::alliance) by
///    [`actor`](Patch::actor), and the `view` of the new row returned.
///
/// The caller opens the transaction and takes the lock, so the lock order (a plan
/// before its action, say) stays visible where it matters. Commands take the
/// expectation as `&(impl Expected<View> + Sync)`: a transaction's future is `Send`. Any aggregate can use it:
///
/// ```ignore
/// conn.transaction::<_, AppError, _>(async |conn| {
///     let row = things::lock(conn, scope.id(), id).await?;
///     Patch::by(scope, "thing", expected)
///         .unchanged_when(changes.is_empty())
///         .apply(conn, row, async |_, _| Ok(()), async |conn, t| view(conn, t).await,
///                async |conn, current, ()| { /* rules, update */ Ok((new, event)) })
///         .await
/// })
/// ```
pub struct Patch<'e, E> {
    /// What the row is, for the 404 (`"plan"`, `"action"`, `"comment"`).
    pub what: &'static str,
    /// The caller's expectation (`If-Match`), judged on the view of the current row.
    pub expected: &'e E,
    /// The journal the change goes to.
    pub alliance: Option<AllianceId>,
    /// Who made the change, for the journal.
    pub actor: Actor,
    /// The change changes nothing: answer the current view, write nothing.
    pub unchanged: bool,
}

impl<'e, E> Patch<'e, E> {
    /// A change by the caller of `scope`, journaled in its alliance.
    pub fn by(scope: &Scope, what: &'static str, expected: &'e E) -> Self {
        Self {
            what,
            expected,
            alliance: Some(scope.id()),
            actor: scope.actor(),
            unchanged: false,
        }
    }

    /// The same change, known to change nothing when `unchanged`.
    pub fn unchanged_when(self, unchanged: bool) -> Self {
        Self { unchanged, ..self }
    }

    /// Runs the sequence (see [`Patch`]) on the connection of the caller's transaction.
    pub async fn apply<R, C, V>(
        self,
        conn: &mut AsyncPgConnection,
        row: Option<R>,
        guard: impl AsyncFnOnce(&mut AsyncPgConnection, &R) -> Result<C>,
        view: impl AsyncFn(&mut AsyncPgConnection, &R) -> Result<V>,
        write: impl AsyncFnOnce(&mut AsyncPgConnection, R, C) -> Result<(R, Event)>,
    ) -> Result<V>
    where
        E: Expected<V>,
    {
        let current = row.ok_or(AppError::NotFound(self.what))?;
        let context = guard(conn, &current).await?;
        let seen = view(conn, &current).await?;
        self.expected.check(&seen)?;
        if self.unchanged {
            return Ok(seen);
        }
        let (changed, event) = write(conn, current, context).await?;
        journal::append(conn, self.alliance, self.actor, &event).await?;
        view(conn, &changed).await
    }
}
