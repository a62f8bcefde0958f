//! Authorization as pure functions over the caller and the resource.
//!
//! Every handler asks one of these before it writes; the whole matrix is readable here.

use crate::ids::UserId;

/// Who is calling, as far as rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    /// Platform admin (AVUF staff).
    pub is_admin: bool,
}

/// A refusal, with the reason given to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub &'static str);

/// Creating, reading and changing any account: platform admins only.
pub fn manage_users(principal: &Principal) -> Result<(), Denied> {
    if principal.is_admin {
        Ok(())
    } else {
        Err(Denied("only platform admins may manage accounts"))
    }
}

/// Reading the platform journal: platform admins only.
pub fn read_platform_journal(principal: &Principal) -> Result<(), Denied> {
    if principal.is_admin {
        Ok(())
    } else {
        Err(Denied("only platform admins may read the platform journal"))
    }
}

/// An admin may not disable nor demote their own account: the platform could lose its last admin.
pub fn change_own_admin_status(
    principal: &Principal,
    target: UserId,
    disabling: bool,
    demoting: bool,
) -> Result<(), Denied> {
    if principal.user == target && (disabling || demoting) {
        Err(Denied(
            "an admin cannot disable or demote their own account",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
