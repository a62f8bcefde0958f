//! Authorization as pure functions over the caller and the resource (SPEC §3).
//!
//! Every handler asks one of these before it reads private data or writes; the
//! whole matrix is readable here. Permissions come only from current mandates.

use crate::error::DomainError;
use crate::ids::{AllianceId, MandateId, PartnerId, UserId};
use crate::mandate::Role;

/// Who is calling, as far as rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    /// Platform admin (AVUF staff).
    pub is_admin: bool,
}

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No caller: the operation needs one (401).
    Anonymous,
    /// The caller lacks the right (403), with the reason given to the client.
    Forbidden(&'static str),
}

pub type Decision = Result<(), Denied>;

fn forbidden(reason: &'static str) -> Decision {
    Err(Denied::Forbidden(reason))
}

/// One current mandate of the caller in the alliance at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentMandate {
    pub id: MandateId,
    pub partner: PartnerId,
    pub role: Role,
}

/// The caller as seen from one alliance: who they are and their mandates current today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllianceCaller {
    pub alliance: AllianceId,
    pub principal: Option<Principal>,
    pub mandates: Vec<CurrentMandate>,
}

impl AllianceCaller {
    pub fn is_admin(&self) -> bool {
        self.principal.is_some_and(|p| p.is_admin)
    }

    pub fn user(&self) -> Option<UserId> {
        self.principal.map(|p| p.user)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.mandates.iter().any(|m| m.role == role)
    }

    pub fn is_coordinator(&self) -> bool {
        self.has_role(Role::Coordinator)
    }

    /// Holds any current mandate here, observer included.
    pub fn is_insider(&self) -> bool {
        !self.mandates.is_empty()
    }

    /// Holds a current mandate of a representative or coordinator for this partner.
    pub fn speaks_for(&self, partner: PartnerId) -> bool {
        self.mandates
            .iter()
            .any(|m| m.partner == partner && m.role.speaks_for_partner())
    }

    /// The partners the caller speaks for.
    pub fn partners_spoken_for(&self) -> Vec<PartnerId> {
        let mut partners: Vec<PartnerId> = self
            .mandates
            .iter()
            .filter(|m| m.role.speaks_for_partner())
            .map(|m| m.partner)
            .collect();
        partners.sort();
        partners.dedup();
        partners
    }

    fn authenticated(&self) -> Decision {
        if self.principal.is_some() {
            Ok(())
        } else {
            Err(Denied::Anonymous)
        }
    }
}

/// Creating, reading and changing any account: platform admins only.
pub fn manage_users(principal: &Principal) -> Decision {
    if principal.is_admin {
        Ok(())
    } else {
        forbidden("only platform admins may manage accounts")
    }
}

/// Reading the platform journal: platform admins only.
pub fn read_platform_journal(principal: &Principal) -> Decision {
    if principal.is_admin {
        Ok(())
    } else {
        forbidden("only platform admins may read the platform journal")
    }
}

/// Creating cities and alliances, deciding labels: platform admins only.
pub fn manage_platform(principal: Option<&Principal>) -> Decision {
    match principal {
        None => Err(Denied::Anonymous),
        Some(p) if p.is_admin => Ok(()),
        Some(_) => forbidden("only platform admins may do this"),
    }
}

/// An admin may not disable nor demote their own account: the platform could lose its last admin.
pub fn change_own_admin_status(
    principal: &Principal,
    target: UserId,
    disabling: bool,
    demoting: bool,
) -> Decision {
    if principal.user == target && (disabling || demoting) {
        forbidden("an admin cannot disable or demote their own account")
    } else {
        Ok(())
    }
}

/// Members list, journal, succession report, draft plans: anyone with a current
/// mandate here (observers included) and admins.
pub fn read_private(caller: &AllianceCaller) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.is_insider() {
        Ok(())
    } else {
        forbidden("only members of this alliance may read this")
    }
}

/// Partners, invitations, mandates, plan phases, events, charter versions: the
/// coordinator and admins.
pub fn manage_alliance(caller: &AllianceCaller) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.is_coordinator() {
        Ok(())
    } else {
        forbidden("only the alliance's coordinator may do this")
    }
}

/// Editing an alliance's own profile: the coordinator and admins; its status: admins.
pub fn edit_alliance(caller: &AllianceCaller, changes_status: bool) -> Decision {
    if changes_status && !caller.is_admin() {
        caller.authenticated()?;
        return forbidden("only platform admins may archive or reopen an alliance");
    }
    manage_alliance(caller)
}

/// Why [`acting_partner`] could not settle the partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsettled {
    /// No caller (401), or one who takes part for no partner here (403).
    Denied(Denied),
    /// The input must name the partner (422 on the field): an admin, or a person
    /// taking part for several partners.
    Invalid(DomainError),
}

/// Which partner the caller acts for: the one the input names (`named`, from `field`),
/// else the only partner they take part for here. Whether they may act for it is the
/// operation's own rule (`sign_for_partner`, `propose_action`, ...), asked next.
pub fn acting_partner(
    caller: &AllianceCaller,
    named: Option<PartnerId>,
    field: &str,
) -> Result<PartnerId, Unsettled> {
    if let Some(partner) = named {
        return Ok(partner);
    }
    let mut partners: Vec<PartnerId> = caller
        .mandates
        .iter()
        .filter(|m| m.role.takes_part())
        .map(|m| m.partner)
        .collect();
    partners.sort();
    partners.dedup();
    match partners.as_slice() {
        [only] => Ok(*only),
        [] if caller.principal.is_none() => Err(Unsettled::Denied(Denied::Anonymous)),
        [] if caller.is_admin() => Err(Unsettled::Invalid(DomainError::invalid(
            field,
            "required",
            "say which partner you act for",
        ))),
        [] => Err(Unsettled::Denied(Denied::Forbidden(
            "you take part for no partner of this alliance",
        ))),
        _ => Err(Unsettled::Invalid(DomainError::invalid(
            field,
            "required",
            "you take part for several partners: say which one",
        ))),
    }
}

/// Which partner an endorsement is given or withdrawn for: the one named, else the
/// only partner the caller speaks for (as a representative or coordinator), else as
/// [`acting_partner`] settles it. Whether the caller may sign for it is
/// [`sign_for_partner`]'s.
pub fn endorsing_partner(
    caller: &AllianceCaller,
    named: Option<PartnerId>,
    field: &str,
) -> Result<PartnerId, Unsettled> {
    let spoken_for = caller.partners_spoken_for();
    match (named, spoken_for.as_slice()) {
        (None, [only]) => Ok(*only),
        _ => acting_partner(caller, named, field),
    }
}

/// Signing the charter for a partner: a current representative or coordinator of
/// that partner. An admin does not sign for partners.
pub fn sign_for_partner(caller: &AllianceCaller, partner: PartnerId) -> Decision {
    caller.authenticated()?;
    if caller.speaks_for(partner) {
        Ok(())
    } else {
        forbidden("only a current representative of this partner may act for it")
    }
}

/// Designating a successor to a mandate: the coordinator and admins for any mandate;
/// a representative for their own mandate, while they speak for its partner, and
/// only for a role no higher than their own current one for that partner.
pub fn designate_successor(
    caller: &AllianceCaller,
    holder: UserId,
    mandate_partner: PartnerId,
    role: Role,
) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.is_coordinator() {
        return Ok(());
    }
    if !(caller.user() == Some(holder) && caller.speaks_for(mandate_partner)) {
        return forbidden(
            "only the coordinator, or a representative for their own mandate, may designate a successor",
        );
    }
    let own = caller
        .mandates
        .iter()
        .filter(|m| m.partner == mandate_partner)
        .map(|m| m.role.rank())
        .max()
        .unwrap_or(0);
    if role.rank() > own {
        return forbidden(
            "a successor's role may not be higher than your own current role for this partner",
        );
    }
    Ok(())
}

/// Reading a mandate's handover notes: its holder, its successor, the coordinator and admins.
pub fn read_handover_notes(
    caller: &AllianceCaller,
    holder: UserId,
    successor: Option<UserId>,
) -> bool {
    let Some(user) = caller.user() else {
        return false;
    };
    caller.is_admin() || caller.is_coordinator() || user == holder || successor == Some(user)
}

/// Changing a mandate: the coordinator and admins; its holder may write its handover notes.
pub fn edit_mandate(caller: &AllianceCaller, holder: UserId, only_notes: bool) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.is_coordinator() {
        return Ok(());
    }
    if only_notes && caller.user() == Some(holder) {
        return Ok(());
    }
    forbidden("only the coordinator may change a mandate; its holder may write its handover notes")
}

/// Whether the caller holds a current mandate other than observer for this partner.
fn takes_part_for(caller: &AllianceCaller, partner: PartnerId) -> bool {
    caller
        .mandates
        .iter()
        .any(|m| m.partner == partner && m.role.takes_part())
}

/// Reading a plan and its actions: public once adopted; before, members of the alliance.
pub fn read_plan(caller: &AllianceCaller, public: bool) -> Decision {
    if public { Ok(()) } else { read_private(caller) }
}

/// Proposing an action as a partner: a member, representative or coordinator of that
/// partner (admins for any partner).
pub fn propose_action(caller: &AllianceCaller, partner: PartnerId) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || takes_part_for(caller, partner) {
        Ok(())
    } else {
        forbidden("you may propose actions only as a partner you take part for")
    }
}

/// The partners an action belongs to, for editing rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionOwners {
    pub proposing: PartnerId,
    pub lead: PartnerId,
}

/// Editing and progressing an action: the coordinator and admins, and the members of
/// the partner that leads or proposed it.
pub fn edit_action(caller: &AllianceCaller, owners: ActionOwners) -> Decision {
    caller.authenticated()?;
    if caller.is_admin()
        || caller.is_coordinator()
        || takes_part_for(caller, owners.proposing)
        || takes_part_for(caller, owners.lead)
    {
        Ok(())
    } else {
        forbidden(
            "only the partner that leads or proposed this action, or the coordinator, may change it",
        )
    }
}

/// Adopting or rejecting a proposed action: the coordinator and admins.
pub fn decide_proposal(caller: &AllianceCaller) -> Decision {
    caller.authenticated()?;
    if caller.is_coordinator() || caller.is_admin() {
        Ok(())
    } else {
        forbidden("only the coordinator adopts or rejects a proposal")
    }
}

/// Commenting: anyone taking part in the alliance (observers do not), and admins.
pub fn comment(caller: &AllianceCaller) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.mandates.iter().any(|m| m.role.takes_part()) {
        Ok(())
    } else {
        forbidden("only members of this alliance may comment")
    }
}

/// Changing or deleting a comment: its author (admins may delete any).
pub fn edit_comment(caller: &AllianceCaller, author: UserId, deleting: bool) -> Decision {
    caller.authenticated()?;
    if caller.user() == Some(author) || (deleting && caller.is_admin()) {
        Ok(())
    } else {
        forbidden("only its author may change a comment")
    }
}

/// Recording a measurement for a partner: the coordinator and admins for any partner,
/// members for their own. (Whether the partner takes part in the action is a property
/// of the request, checked by the handler: 422.)
pub fn record_measurement(caller: &AllianceCaller, partner: PartnerId) -> Decision {
    caller.authenticated()?;
    if caller.is_admin() || caller.is_coordinator() || takes_part_for(caller, partner) {
        Ok(())
    } else {
        forbidden("only members of a partner taking part in the action may record its measurements")
    }
}

/// Reviewing a measurement: a representative or coordinator of another partner than
/// the one that recorded it, who is also another person (SPEC §2): not the user who
/// recorded it, and holding no current mandate for the recording partner. Otherwise one
/// person with two hats (a coordinator who recorded for P, or who also speaks for P)
/// could confirm their own figures as Q. All three refusals are 403 `forbidden`.
pub fn review_measurement(
    caller: &AllianceCaller,
    reviewer: PartnerId,
    recorder: PartnerId,
    recorded_by: UserId,
) -> Decision {
    caller.authenticated()?;
    if reviewer == recorder {
        return forbidden("a partner cannot review its own measurement");
    }
    if caller.user() == Some(recorded_by) {
        return forbidden("the person who recorded a measurement cannot review it");
    }
    if caller.mandates.iter().any(|m| m.partner == recorder) {
        return forbidden(
            "a person holding a mandate for the recording partner cannot review its measurement",
        );
    }
    sign_for_partner(caller, reviewer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(is_admin: bool, mandates: &[(PartnerId, Role)]) -> AllianceCaller {
        AllianceCaller {
            alliance: AllianceId::new(),
            principal: Some(Principal {
                user: UserId::new(),
                is_admin,
            }),
            mandates: mandates
                .iter()
                .map(|(partner, role)| CurrentMandate {
                    id: MandateId::new(),
                    partner: *partner,
                    role: *role,
                })
                .collect(),
        }
    }

    #[test]
    fn the_acting_partner_is_the_named_one_else_the_only_one() {
        let (a, b) = (PartnerId::new(), PartnerId::new());
        let one = caller(false, &[(a, Role::Representative)]);
        assert_eq!(acting_partner(&one, None, "partner_id"), Ok(a));
        assert_eq!(acting_partner(&one, Some(b), "partner_id"), Ok(b));
        let two = caller(false, &[(a, Role::Representative), (b, Role::Coordinator)]);
        assert!(matches!(
            acting_partner(&two, None, "partner_id"),
            Err(Unsettled::Invalid(DomainError::Invalid(ref e))) if e[0].field == "partner_id"
        ));
        let admin = caller(true, &[]);
        assert!(matches!(
            acting_partner(&admin, None, "x"),
            Err(Unsettled::Invalid(_))
        ));
        let observer = caller(false, &[(a, Role::Observer)]);
        assert!(matches!(
            acting_partner(&observer, None, "x"),
            Err(Unsettled::Denied(Denied::Forbidden(_)))
        ));
        let anonymous = AllianceCaller {
            principal: None,
            ..caller(false, &[])
        };
        assert_eq!(
            acting_partner(&anonymous, None, "x"),
            Err(Unsettled::Denied(Denied::Anonymous))
        );
    }

    #[test]
    fn only_admins_manage_users() {
        let user = UserId::new();
        assert!(
            manage_users(&Principal {
                user,
                is_admin: true
            })
            .is_ok()
        );
        assert!(
            manage_users(&Principal {
                user,
                is_admin: false
            })
            .is_err()
        );
    }

    #[test]
    fn an_admin_cannot_lock_themselves_out() {
        let me = UserId::new();
        let admin = Principal {
            user: me,
            is_admin: true,
        };
        assert!(change_own_admin_status(&admin, me, true, false).is_err());
        assert!(change_own_admin_status(&admin, me, false, true).is_err());
        assert!(change_own_admin_status(&admin, me, false, false).is_ok());
        assert!(change_own_admin_status(&admin, UserId::new(), true, true).is_ok());
    }

    #[test]
    fn the_matrix_of_alliance_roles() {
        let p = PartnerId::new();
        let q = PartnerId::new();
        let anonymous = AllianceCaller {
            alliance: AllianceId::new(),
            principal: None,
            mandates: vec![],
        };
        let outsider = caller(false, &[]);
        let observer = caller(false, &[(p, Role::Observer)]);
        let member = caller(false, &[(p, Role::Member)]);
        let representative = caller(false, &[(p, Role::Representative)]);
        let coordinator = caller(false, &[(q, Role::Coordinator)]);
        let admin = caller(true, &[]);

        assert_eq!(read_private(&anonymous), Err(Denied::Anonymous));
        assert!(read_private(&outsider).is_err());
        for c in [&observer, &member, &representative, &coordinator, &admin] {
            assert!(read_private(c).is_ok());
        }
        for c in [&outsider, &observer, &member, &representative] {
            assert!(manage_alliance(c).is_err());
        }
        assert!(manage_alliance(&coordinator).is_ok());
        assert!(manage_alliance(&admin).is_ok());

        assert!(sign_for_partner(&representative, p).is_ok());
        assert!(sign_for_partner(&representative, q).is_err());
        assert!(sign_for_partner(&member, p).is_err());
        assert!(sign_for_partner(&coordinator, q).is_ok());
        assert!(
            sign_for_partner(&admin, p).is_err(),
            "an admin never acts for a partner"
        );

        let own = representative.user().unwrap();
        let rep = Role::Representative;
        assert!(designate_successor(&representative, own, p, rep).is_ok());
        assert!(
            designate_successor(&representative, UserId::new(), p, rep).is_err(),
            "another's mandate"
        );
        assert!(designate_successor(&representative, own, q, rep).is_err());
        assert!(
            designate_successor(&representative, own, p, Role::Coordinator).is_err(),
            "a role above the designator's own"
        );
        assert!(designate_successor(&representative, own, p, Role::Member).is_ok());
        assert!(designate_successor(&coordinator, UserId::new(), p, Role::Coordinator).is_ok());
        assert!(designate_successor(&admin, UserId::new(), p, Role::Coordinator).is_ok());
        assert!(designate_successor(&member, member.user().unwrap(), p, Role::Member).is_err());

        assert!(edit_alliance(&coordinator, false).is_ok());
        assert!(edit_alliance(&coordinator, true).is_err());
        assert!(edit_alliance(&admin, true).is_ok());
    }

    #[test]
    fn a_measurement_is_reviewed_by_another_partner_and_another_person() {
        let p = PartnerId::new();
        let q = PartnerId::new();
        let someone = UserId::new();
        let representative_q = caller(false, &[(q, Role::Representative)]);
        assert!(review_measurement(&representative_q, q, p, someone).is_ok());
        assert!(
            review_measurement(&representative_q, p, p, someone).is_err(),
            "the recording partner"
        );
        let recorder = representative_q.user().unwrap();
        assert!(
            review_measurement(&representative_q, q, p, recorder).is_err(),
            "the person who recorded it"
        );
        let two_hats = caller(false, &[(q, Role::Coordinator), (p, Role::Coordinator)]);
        assert!(review_measurement(&two_hats, q, p, someone).is_err());
        let also_member_of_p = caller(false, &[(q, Role::Representative), (p, Role::Observer)]);
        assert!(review_measurement(&also_member_of_p, q, p, someone).is_err());
    }

    #[test]
    fn an_endorsement_is_for_the_partner_named_or_the_only_one_spoken_for() {
        let (a, b) = (PartnerId::new(), PartnerId::new());
        let named = caller(false, &[(a, Role::Member)]);
        assert_eq!(endorsing_partner(&named, Some(b), "partner_id"), Ok(b));
        let one = caller(false, &[(a, Role::Representative), (b, Role::Member)]);
        assert_eq!(endorsing_partner(&one, None, "partner_id"), Ok(a));
        // No partner spoken for: the one taken part for, which `sign_for_partner` refuses.
        let member = caller(false, &[(a, Role::Member)]);
        assert_eq!(endorsing_partner(&member, None, "partner_id"), Ok(a));
        assert!(sign_for_partner(&member, a).is_err());
        let two = caller(
            false,
            &[(a, Role::Representative), (b, Role::Representative)],
        );
        assert!(matches!(
            endorsing_partner(&two, None, "partner_id"),
            Err(Unsettled::Invalid(_))
        ));
    }

    #[test]
    fn only_the_coordinator_and_admins_decide_a_proposal() {
        let partner = PartnerId::new();
        assert!(decide_proposal(&caller(false, &[(partner, Role::Coordinator)])).is_ok());
        assert!(decide_proposal(&caller(true, &[])).is_ok());
        assert_eq!(
            decide_proposal(&caller(false, &[(partner, Role::Representative)])),
            Err(Denied::Forbidden(
                "only the coordinator adopts or rejects a proposal"
            ))
        );
    }
}
