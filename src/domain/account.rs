//! Staff accounts: roles, e-mail normalization and the password policy.

use super::vocabulary::vocabulary;

pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest an e-mail address can be (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PASSWORD_MAX_CHARS: usize = 256;

vocabulary!(
    /// A staff account's role; ordered, so an admin may do what a moderator may.
    Role {
        Moderator = "moderator", "审核员", "Moderator";
        Admin = "admin", "管理员", "Administrator";
    }
);

impl Role {
    /// Whether this role may use what `required` guards.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

/// Accounts are looked up case-insensitively by e-mail.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// 12 to 256 characters; checked before hashing so nobody can make the
/// server hash a megabyte.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN_CHARS {
        return Err("at least 12 characters");
    }
    if length > PASSWORD_MAX_CHARS {
        return Err("at most 256 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_bounds_count_characters() {
        assert!(check_password("short").is_err());
        assert!(check_password(&"a".repeat(11)).is_err());
        assert!(check_password(&"a".repeat(12)).is_ok());
        assert!(check_password(&"密".repeat(256)).is_ok());
        assert!(check_password(&"密".repeat(257)).is_err());
    }

    #[test]
    fn admins_may_do_what_moderators_may_and_not_the_reverse() {
        assert!(Role::Admin.allows(Role::Moderator));
        assert!(Role::Admin.allows(Role::Admin));
        assert!(Role::Moderator.allows(Role::Moderator));
        assert!(!Role::Moderator.allows(Role::Admin));
        assert_eq!(Role::from_code("admin"), Some(Role::Admin));
        assert_eq!(Role::from_code("root"), None);
        assert_eq!(normalize_email("  Mod@Example.COM "), "mod@example.com");
    }
}
