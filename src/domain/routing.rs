//! Which regulators receive a validated case: every active directory entry
//! whose provinces include the merchant's province and whose categories
//! include the case's category. When none matches, the case goes to the
//! default inbox.
//!
//! "Every province" and "every category" are a value of their own
//! ([`Scope::All`]), never an empty list: a list that lost its items (a
//! renamed code, a corrupt row) must not turn an entry for one kind of case
//! into one that receives every case.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::catalog::{self, Category};
use crate::error::FieldError;

/// Which provinces or categories an entry covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<T> {
    All,
    /// These, and nothing else (never empty when made by [`RegulatorFields::check`]).
    Only(Vec<T>),
}

impl<T: PartialEq> Scope<T> {
    pub fn includes(&self, item: &T) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(items) => items.contains(item),
        }
    }

    /// The API's list form: empty for "all".
    pub fn as_list(&self) -> &[T] {
        match self {
            Scope::All => &[],
            Scope::Only(items) => items,
        }
    }

    /// From the API's list form, where an empty list means "all".
    pub fn from_list(items: Vec<T>) -> Self {
        if items.is_empty() {
            Scope::All
        } else {
            Scope::Only(items)
        }
    }
}

/// Stored as the string `"all"` or an array of codes.
impl<T: Serialize> Serialize for Scope<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::All => serializer.serialize_str("all"),
            Scope::Only(items) => items.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Scope<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored<T> {
            Word(String),
            List(Vec<T>),
        }
        match Stored::<T>::deserialize(deserializer)? {
            Stored::Word(word) if word == "all" => Ok(Scope::All),
            Stored::Word(word) => Err(serde::de::Error::custom(format!(
                "expected \"all\" or a list, found {word:?}"
            ))),
            Stored::List(items) => Ok(Scope::Only(items)),
        }
    }
}

/// One entry of the regulator directory, as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regulator {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// Provincial divisions by their Chinese names.
    pub provinces: Scope<String>,
    pub categories: Scope<Category>,
    pub active: bool,
}

impl Regulator {
    /// Whether this entry takes a case from `province` about `category`. A
    /// case without a province only reaches entries that cover all provinces.
    pub fn covers(&self, province: Option<&str>, category: Category) -> bool {
        let province_ok = match (&self.provinces, province) {
            (Scope::All, _) => true,
            (Scope::Only(list), Some(p)) => list.iter().any(|q| q == p),
            (Scope::Only(_), None) => false,
        };
        self.active && province_ok && self.categories.includes(&category)
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

/// A directory entry as an admin submits it, before checks. In the API an
/// empty (or missing) list means "all".
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
    pub provinces: Scope<String>,
    pub categories: Scope<Category>,
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
                let name = super::unicode::strip_invisible(&name).trim().to_owned();
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
                Scope::from_list(out)
            }
            (None, Some(current)) => current.provinces.clone(),
            (None, None) => Scope::All,
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
                Scope::from_list(out)
            }
            (None, Some(current)) => current.categories.clone(),
            (None, None) => Scope::All,
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
            provinces: Scope::from_list(provinces.iter().map(|p| p.to_string()).collect()),
            categories: Scope::from_list(categories.to_vec()),
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
    fn matches_by_province_and_category() {
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
        assert_eq!(fields.provinces, Scope::Only(vec!["上海市".to_owned()]));
        assert_eq!(fields.categories, Scope::Only(vec![Category::FakeReview]));
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
            provinces: Scope::Only(vec!["上海市".into()]),
            categories: Scope::Only(vec![Category::Other]),
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
        assert_eq!(cleared.provinces, Scope::All);
    }

    #[test]
    fn scopes_are_stored_explicitly_and_decoded_strictly() {
        let all: Scope<Category> = Scope::All;
        assert_eq!(serde_json::to_string(&all).expect("json"), "\"all\"");
        let some = Scope::Only(vec![Category::FakeServiceHotline]);
        assert_eq!(
            serde_json::to_string(&some).expect("json"),
            "[\"fake_service_hotline\"]"
        );
        assert_eq!(
            serde_json::from_str::<Scope<Category>>("\"all\"").expect("all"),
            Scope::All
        );
        // A list that no longer decodes is an error, never "all".
        assert!(serde_json::from_str::<Scope<Category>>("[\"fake_hotline_renamed\"]").is_err());
        assert!(serde_json::from_str::<Scope<Category>>("\"everything\"").is_err());
        assert!(serde_json::from_str::<Scope<Category>>("null").is_err());
        // An empty stored list covers nothing.
        let none: Scope<Category> = serde_json::from_str("[]").expect("empty");
        assert!(!none.includes(&Category::FakeReview));
        let entry = Regulator {
            id: 1,
            name: "R".into(),
            email: "r@gov.example".into(),
            provinces: Scope::All,
            categories: none,
            active: true,
        };
        assert!(!entry.covers(Some("上海市"), Category::FakeReview));
    }
}
