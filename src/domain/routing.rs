//! Which regulators receive a validated case: every active directory entry
//! whose provinces include the merchant's province and whose categories
//! include the case's category (an empty list means "all"). When none
//! matches, the case goes to the default inbox.

use serde::Serialize;

use super::catalog::{self, Category};
use crate::error::FieldError;

/// One entry of the regulator directory, as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regulator {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// Provincial divisions by their Chinese names; empty: all.
    pub provinces: Vec<String>,
    /// Category codes; empty: all.
    pub categories: Vec<Category>,
    pub active: bool,
}

impl Regulator {
    /// Whether this entry takes a case from `province` about `category`. A
    /// case without a province only reaches entries that cover all provinces.
    pub fn covers(&self, province: Option<&str>, category: Category) -> bool {
        let province_ok = self.provinces.is_empty()
            || province.is_some_and(|p| self.provinces.iter().any(|q| q == p));
        let category_ok = self.categories.is_empty() || self.categories.contains(&category);
        self.active && province_ok && category_ok
    }
}

/// Where a case goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets<'a> {
    Regulators(Vec<&'a Regulator>),
    /// Nothing in the directory matched: the configured default inbox.
    DefaultInbox,
}

pub fn route<'a>(
    directory: &'a [Regulator],
    province: Option<&str>,
    category: Category,
) -> Targets<'a> {
    let matched: Vec<&Regulator> = directory
        .iter()
        .filter(|r| r.covers(province, category))
        .collect();
    if matched.is_empty() {
        Targets::DefaultInbox
    } else {
        Targets::Regulators(matched)
    }
}

/// A directory entry as an admin submits it, before checks.
#[derive(Debug, Clone, Default)]
pub struct RegulatorInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub provinces: Option<Vec<String>>,
    pub categories: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// A checked directory entry (without its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegulatorFields {
    pub name: String,
    pub email: String,
    pub provinces: Vec<String>,
    pub categories: Vec<Category>,
    pub active: bool,
}

pub const MAX_REGULATOR_NAME_CHARS: usize = 200;

impl RegulatorFields {
    /// Validates a full entry (`POST`), or `input` laid over `current` (`PATCH`).
    /// All problems are reported together, each under its field.
    pub fn check(
        input: RegulatorInput,
        current: Option<&RegulatorFields>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match (input.name, current) {
            (Some(name), _) => {
                let name = name.trim().to_owned();
                if name.is_empty() {
                    errors.push(FieldError::new("name", "required", "a name is required"));
                } else if name.chars().count() > MAX_REGULATOR_NAME_CHARS {
                    errors.push(FieldError::new(
                        "name",
                        "length",
                        format!("at most {MAX_REGULATOR_NAME_CHARS} characters"),
                    ));
                } else if name.chars().any(char::is_control) {
                    errors.push(FieldError::new(
                        "name",
                        "control_characters",
                        "must not contain control characters",
                    ));
                }
                name
            }
            (None, Some(current)) => current.name.clone(),
            (None, None) => {
                errors.push(FieldError::new("name", "required", "a name is required"));
                String::new()
            }
        };
        let email = match (input.email, current) {
            (Some(email), _) => {
                let email = email.trim().to_owned();
                if !is_mailbox_address(&email) {
                    errors.push(FieldError::new(
                        "email",
                        "email",
                        "not a valid email address",
                    ));
                }
                email
            }
            (None, Some(current)) => current.email.clone(),
            (None, None) => {
                errors.push(FieldError::new(
                    "email",
                    "required",
                    "an address is required",
                ));
                String::new()
            }
        };
        let provinces = match (input.provinces, current) {
            (Some(list), _) => {
                let mut out: Vec<String> = Vec::new();
                for (i, province) in list.into_iter().enumerate() {
                    let province = province.trim().to_owned();
                    if !catalog::is_province(&province) {
                        errors.push(FieldError::new(
                            format!("provinces[{i}]"),
                            "invalid_choice",
                            "not a provincial-level division (use its Chinese name, e.g. 上海市)",
                        ));
                    } else if !out.contains(&province) {
                        out.push(province);
                    }
                }
                out
            }
            (None, Some(current)) => current.provinces.clone(),
            (None, None) => Vec::new(),
        };
        let categories = match (input.categories, current) {
            (Some(list), _) => {
                let mut out: Vec<Category> = Vec::new();
                for (i, code) in list.iter().enumerate() {
                    match Category::from_code(code.trim()) {
                        Some(category) if !out.contains(&category) => out.push(category),
                        Some(_) => {}
                        None => errors.push(FieldError::new(
                            format!("categories[{i}]"),
                            "invalid_choice",
                            "not a report category",
                        )),
                    }
                }
                out
            }
            (None, Some(current)) => current.categories.clone(),
            (None, None) => Vec::new(),
        };
        let active = input.active.or(current.map(|c| c.active)).unwrap_or(true);
        if errors.is_empty() {
            Ok(RegulatorFields {
                name,
                email,
                provinces,
                categories,
                active,
            })
        } else {
            Err(errors)
        }
    }
}

/// A plain address (`local@domain`) that both the HTML5/validator rules and
/// the mail library accept: no display name, no comments, nothing to inject.
pub fn is_mailbox_address(email: &str) -> bool {
    use validator::ValidateEmail;
    email.len() <= 254
        && email.validate_email()
        && email.parse::<lettre::Address>().is_ok()
        && !email.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, provinces: &[&str], categories: &[Category], active: bool) -> Regulator {
        Regulator {
            id,
            name: format!("R{id}"),
            email: format!("r{id}@gov.example"),
            provinces: provinces.iter().map(|p| p.to_string()).collect(),
            categories: categories.to_vec(),
            active,
        }
    }

    fn ids(targets: Targets<'_>) -> Vec<i64> {
        match targets {
            Targets::Regulators(list) => list.iter().map(|r| r.id).collect(),
            Targets::DefaultInbox => vec![],
        }
    }

    #[test]
    fn matches_by_province_and_category_with_empty_lists_meaning_all() {
        let directory = vec![
            entry(1, &["上海市"], &[], true),
            entry(2, &["上海市", "浙江省"], &[Category::FakeReview], true),
            entry(3, &[], &[Category::AbnormalLogistics], true),
            entry(4, &[], &[], true),
            entry(5, &["上海市"], &[], false),
        ];
        assert_eq!(
            ids(route(&directory, Some("上海市"), Category::FakeReview)),
            vec![1, 2, 4]
        );
        assert_eq!(
            ids(route(
                &directory,
                Some("浙江省"),
                Category::AbnormalLogistics
            )),
            vec![3, 4]
        );
        assert_eq!(
            ids(route(&directory, Some("浙江省"), Category::FakeReview)),
            vec![2, 4]
        );
        // Without a province only the entries covering every province apply.
        assert_eq!(
            ids(route(&directory, None, Category::AbnormalLogistics)),
            vec![3, 4]
        );
    }

    #[test]
    fn nothing_matching_means_the_default_inbox() {
        let directory = vec![
            entry(1, &["上海市"], &[Category::FakeReview], true),
            entry(2, &[], &[], false),
        ];
        assert_eq!(
            route(&directory, Some("北京市"), Category::FakeReview),
            Targets::DefaultInbox
        );
        assert_eq!(
            route(&directory, Some("上海市"), Category::Other),
            Targets::DefaultInbox
        );
        assert_eq!(
            route(&[], Some("上海市"), Category::Other),
            Targets::DefaultInbox
        );
    }

    fn input(name: &str, email: &str, provinces: &[&str], categories: &[&str]) -> RegulatorInput {
        RegulatorInput {
            name: Some(name.into()),
            email: Some(email.into()),
            provinces: Some(provinces.iter().map(|s| s.to_string()).collect()),
            categories: Some(categories.iter().map(|s| s.to_string()).collect()),
            active: None,
        }
    }

    #[test]
    fn a_valid_entry_is_normalized() {
        let fields = RegulatorFields::check(
            input(
                " 上海市市场监督管理局 ",
                "ts@scjgj.sh.example",
                &["上海市", "上海市"],
                &["fake_review"],
            ),
            None,
        )
        .expect("valid");
        assert_eq!(fields.name, "上海市市场监督管理局");
        assert_eq!(fields.provinces, vec!["上海市"]);
        assert_eq!(fields.categories, vec![Category::FakeReview]);
        assert!(fields.active);
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = RegulatorFields::check(
            input("", "not an address", &["上海市", "Atlantis"], &["spam"]),
            None,
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["name", "email", "provinces[1]", "categories[0]"]
        );
    }

    #[test]
    fn header_injection_in_an_address_is_refused() {
        for email in [
            "a@b.example\r\nBcc: x@evil.example",
            "Boss <a@b.example>",
            "a@b.example, c@d.example",
            "a b@c.example",
            "",
        ] {
            assert!(!is_mailbox_address(email), "{email:?}");
        }
        assert!(is_mailbox_address("case-officer@scjgj.sh.example"));
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let current = RegulatorFields {
            name: "A".into(),
            email: "a@b.example".into(),
            provinces: vec!["上海市".into()],
            categories: vec![Category::Other],
            active: true,
        };
        let patched = RegulatorFields::check(
            RegulatorInput {
                active: Some(false),
                ..Default::default()
            },
            Some(&current),
        )
        .expect("valid");
        assert_eq!(
            patched,
            RegulatorFields {
                active: false,
                ..current.clone()
            }
        );
        let cleared = RegulatorFields::check(
            RegulatorInput {
                provinces: Some(vec![]),
                ..Default::default()
            },
            Some(&current),
        )
        .expect("valid");
        assert!(cleared.provinces.is_empty());
    }
}
