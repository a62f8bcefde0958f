//! The alliance a request works in, and the caller as seen from it: their mandates
//! current today. Every command and query under an alliance takes a [`Scope`].

use agir_domain::alliance::Alliance;
use agir_domain::ids::{AllianceId, PartnerId};
use agir_domain::policy::{AllianceCaller, Principal};
use agir_persistence::journal::Actor;
use agir_persistence::{AsyncPgConnection, cities, mandates};
use chrono::NaiveDate;

use crate::error::{AppError, Result};

/// An alliance and the caller in it, judged on `today`.
#[derive(Debug, Clone)]
pub struct Scope {
    pub alliance: Alliance,
    pub caller: AllianceCaller,
    /// The day permissions are judged on (today, UTC).
    pub today: NaiveDate,
}

impl Scope {
    pub fn id(&self) -> AllianceId {
        self.alliance.id
    }

    /// The caller, for the journal.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.caller.user(),
            partner: None,
        }
    }

    /// The caller, for the journal, acting for a partner.
    pub fn actor_for(&self, partner: PartnerId) -> Actor {
        Actor {
            user: self.caller.user(),
            partner: Some(partner),
        }
    }

    /// The alliance `id` and the principal's mandates in it current on `today` (404 if
    /// there is no such alliance). The two reads go out together, pipelined on one
    /// connection.
    pub async fn load(
        conn: &AsyncPgConnection,
        id: AllianceId,
        principal: Option<Principal>,
        today: NaiveDate,
    ) -> Result<Self> {
        let (alliance, current) = match principal {
            Some(principal) => {
                let (alliance, current) = tokio::join!(
                    cities::find_alliance(conn, id),
                    mandates::current_for_user(conn, id, principal.user, today)
                );
                (alliance?, current?)
            }
            None => (cities::find_alliance(conn, id).await?, Vec::new()),
        };
        let alliance = alliance.ok_or(AppError::NotFound("alliance"))?;
        Ok(Self {
            alliance,
            caller: AllianceCaller {
                alliance: id,
                principal,
                mandates: current,
            },
            today,
        })
    }
}
