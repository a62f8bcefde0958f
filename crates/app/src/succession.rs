//! The succession report: partners whose representatives leave soon with nobody to
//! take over.

use std::collections::HashMap;

use agir_domain::alliance::Partner;
use agir_domain::ids::{InvitationId, MandateId};
use agir_domain::policy;
use agir_domain::succession::{self, Holder, SuccessionStatus};
use agir_persistence::mandates::MandateRecord;
use agir_persistence::{AsyncPgConnection, invitations, mandates, partners};
use chrono::{NaiveDate, Utc};

use crate::Scope;
use crate::error::Result;

/// The report on a day, looking `within_days` ahead.
#[derive(Debug, Clone)]
pub struct Report {
    pub on: NaiveDate,
    pub within_days: u64,
    pub partners: Vec<PartnerSuccession>,
}

/// An active partner, its speakers on the day and how its succession stands.
#[derive(Debug, Clone)]
pub struct PartnerSuccession {
    pub partner: Partner,
    pub status: SuccessionStatus,
    pub representatives: Vec<(MandateRecord, Option<Successor>)>,
}

/// Who takes over a mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Successor {
    /// Invited, not yet accepted.
    Invited {
        invitation: InvitationId,
        starts_on: NaiveDate,
    },
    /// Accepted: their mandate.
    Accepted {
        mandate: MandateId,
        starts_on: NaiveDate,
        display_name: String,
    },
}

/// The succession report (members of the alliance and admins), on `on` (default
/// today) looking `within_days` ahead (0 to 366, default 90; 422 after the policy).
pub async fn report(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    within_days: Option<i64>,
    on: Option<NaiveDate>,
) -> Result<Report> {
    policy::read_private(&scope.caller)?;
    let within_days = succession::within_days(within_days)?;
    let on = on.unwrap_or(scope.today);
    let alliance = scope.id();
    let partners = partners::all_active(conn, alliance).await?;
    let speakers = mandates::speakers_on(conn, alliance, on).await?;
    let ids: Vec<MandateId> = speakers.iter().map(|s| s.mandate.id).collect();
    let accepted = mandates::successors_of(conn, &ids).await?;
    let invited = invitations::pending_successors(conn, &ids, Utc::now()).await?;

    let mut successors: HashMap<MandateId, Successor> = HashMap::new();
    for invitation in invited {
        if let Some(of) = invitation.successor_of {
            let successor = Successor::Invited {
                invitation: invitation.id,
                starts_on: invitation.period.starts_on,
            };
            successors.insert(of, successor);
        }
    }
    // An accepted successor outranks an invitation.
    for record in accepted {
        if let Some(of) = record.mandate.successor_of {
            let successor = Successor::Accepted {
                mandate: record.mandate.id,
                starts_on: record.mandate.period.starts_on,
                display_name: record.holder_name,
            };
            successors.insert(of, successor);
        }
    }

    let partners = partners
        .into_iter()
        .map(|partner| {
            let representatives: Vec<(MandateRecord, Option<Successor>)> = speakers
                .iter()
                .filter(|s| s.mandate.partner == partner.id)
                .map(|s| (s.clone(), successors.remove(&s.mandate.id)))
                .collect();
            let holders: Vec<Holder> = representatives
                .iter()
                .map(|(record, successor)| Holder {
                    ends_on: record.mandate.period.ends_on,
                    successor_designated: successor.is_some(),
                })
                .collect();
            PartnerSuccession {
                partner,
                status: succession::status(&holders, on, within_days),
                representatives,
            }
        })
        .collect();
    Ok(Report {
        on,
        within_days,
        partners,
    })
}
