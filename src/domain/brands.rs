//! The brand directory admins keep: a brand's names and its own service
//! numbers and web domains, against which a reported "official" hotline is
//! checked (`not_official_number`, `official_number`).

use super::hotline::{normalize_number, registrable_domain};
use super::signals::text::normalize;
use super::unicode::strip_invisible;
use crate::error::FieldError;

pub const MAX_BRAND_NAME_CHARS: usize = 100;
pub const MAX_BRAND_LIST: usize = 50;

/// A directory entry as an admin submits it, before checks (`PATCH` sends
/// only what changes).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandInput {
    pub name: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub official_numbers: Option<Vec<String>>,
    pub official_domains: Option<Vec<String>>,
}

/// A checked entry: numbers normalized, domains registrable, no repeats.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BrandFields {
    pub name: String,
    pub aliases: Vec<String>,
    pub official_numbers: Vec<String>,
    pub official_domains: Vec<String>,
}

fn check_name(field: String, value: &str, errors: &mut Vec<FieldError>) -> String {
    let name = strip_invisible(value).trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::new(field, "required", "a name is required"));
    } else if name.chars().count() > MAX_BRAND_NAME_CHARS {
        errors.push(FieldError::new(
            field,
            "length",
            format!("at most {MAX_BRAND_NAME_CHARS} characters"),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            "control_characters",
            "must not contain control characters",
        ));
    }
    name
}

/// Checks each item of a list with `one`, which returns the stored form;
/// repeats are dropped, and a list longer than [`MAX_BRAND_LIST`] refused.
fn check_list(
    field: &str,
    list: Vec<String>,
    errors: &mut Vec<FieldError>,
    mut one: impl FnMut(String, &str, &mut Vec<FieldError>) -> Option<String>,
) -> Vec<String> {
    if list.len() > MAX_BRAND_LIST {
        errors.push(FieldError::new(
            field,
            "too_many",
            format!("at most {MAX_BRAND_LIST} entries"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        if let Some(stored) = one(format!("{field}[{i}]"), item, errors) {
            if !out.contains(&stored) {
                out.push(stored);
            }
        }
    }
    out
}

impl BrandFields {
    /// Validates a full entry (`POST`), or `input` laid over `current`
    /// (`PATCH`). All problems are reported together, each under its field.
    pub fn check(
        input: BrandInput,
        current: Option<&BrandFields>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match (input.name, current) {
            (Some(name), _) => check_name("name".into(), &name, &mut errors),
            (None, Some(current)) => current.name.clone(),
            (None, None) => {
                errors.push(FieldError::new("name", "required", "a name is required"));
                String::new()
            }
        };
        let aliases = match (input.aliases, current) {
            (Some(list), _) => check_list("aliases", list, &mut errors, |field, alias, errors| {
                let alias = check_name(field, alias, errors);
                (!alias.is_empty()).then_some(alias)
            }),
            (None, Some(current)) => current.aliases.clone(),
            (None, None) => Vec::new(),
        };
        let official_numbers = match (input.official_numbers, current) {
            (Some(list), _) => check_list(
                "official_numbers",
                list,
                &mut errors,
                |field, number, errors| match normalize_number(number) {
                    Ok(number) => Some(number),
                    Err(problem) => {
                        errors.push(FieldError::new(field, problem.code(), problem.message()));
                        None
                    }
                },
            ),
            (None, Some(current)) => current.official_numbers.clone(),
            (None, None) => Vec::new(),
        };
        let official_domains = match (input.official_domains, current) {
            (Some(list), _) => check_list(
                "official_domains",
                list,
                &mut errors,
                |field, domain, errors| match domain_of(domain) {
                    Some(domain) => Some(domain),
                    None => {
                        errors.push(FieldError::new(
                            field,
                            "domain",
                            "a domain such as haier.com (or a web address on it)",
                        ));
                        None
                    }
                },
            ),
            (None, Some(current)) => current.official_domains.clone(),
            (None, None) => Vec::new(),
        };
        if errors.is_empty() {
            Ok(BrandFields {
                name,
                aliases,
                official_numbers,
                official_domains,
            })
        } else {
            Err(errors)
        }
    }

    /// Whether a reported brand ("联勒指纹锁售后") is this one: its name or an
    /// alias, folded, appears in it (or it in them).
    pub fn matches(&self, reported: &str) -> bool {
        let reported = normalize(reported);
        if reported.chars().count() < 2 {
            return false;
        }
        std::iter::once(&self.name)
            .chain(&self.aliases)
            .map(|n| normalize(n))
            .filter(|n| n.chars().count() >= 2)
            .any(|n| reported.contains(&n) || n.contains(&reported))
    }
}

/// "haier.com", "www.haier.com" or "https://www.haier.com/service" → "haier.com".
fn domain_of(value: &str) -> Option<String> {
    let value = value.trim();
    let host = if value.contains("://") {
        url::Url::parse(value).ok()?.host_str()?.to_owned()
    } else {
        url::Url::parse(&format!("https://{value}"))
            .ok()?
            .host_str()?
            .to_owned()
    };
    if !host.contains('.') || host.chars().any(|c| c.is_whitespace()) {
        return None;
    }
    registrable_domain(&host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(numbers: &[&str], domains: &[&str]) -> BrandInput {
        BrandInput {
            name: Some(" 联勒 ".into()),
            aliases: Some(vec!["LianLe".into(), "联勒智能锁".into(), "LianLe".into()]),
            official_numbers: Some(numbers.iter().map(|s| s.to_string()).collect()),
            official_domains: Some(domains.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn an_entry_is_stored_in_the_forms_it_is_compared_in() {
        let fields = BrandFields::check(
            input(
                &["400-888-1234", "４００８８８１２３４"],
                &["https://www.lianle.com/service", "lianle.com.cn"],
            ),
            None,
        )
        .expect("valid");
        assert_eq!(fields.name, "联勒");
        assert_eq!(fields.aliases, ["LianLe", "联勒智能锁"]);
        assert_eq!(fields.official_numbers, ["4008881234"]);
        assert_eq!(fields.official_domains, ["lianle.com", "lianle.com.cn"]);
    }

    #[test]
    fn bad_entries_are_refused_field_by_field() {
        let mut bad = input(&["400", "call us"], &["not a domain", "localhost"]);
        bad.name = Some("  ".into());
        let errors = BrandFields::check(bad, None).expect_err("invalid");
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("name", "required"),
                ("official_numbers[0]", "too_short"),
                ("official_numbers[1]", "phone"),
                ("official_domains[0]", "domain"),
                ("official_domains[1]", "domain"),
            ]
        );
        let many = BrandInput {
            aliases: Some(vec!["x".repeat(3); 51]),
            ..input(&[], &[])
        };
        assert_eq!(
            BrandFields::check(many, None).expect_err("too many")[0].field,
            "aliases"
        );
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let current =
            BrandFields::check(input(&["4008881234"], &["lianle.com"]), None).expect("valid");
        let patched = BrandFields::check(
            BrandInput {
                official_numbers: Some(vec!["95105555".into()]),
                ..BrandInput::default()
            },
            Some(&current),
        )
        .expect("valid");
        assert_eq!(patched.name, "联勒");
        assert_eq!(patched.official_numbers, ["95105555"]);
        assert_eq!(patched.official_domains, ["lianle.com"]);
    }

    #[test]
    fn a_reported_brand_matches_by_name_or_alias() {
        let fields = BrandFields::check(input(&[], &[]), None).expect("valid");
        assert!(fields.matches("联勒指纹锁售后"));
        assert!(fields.matches("lianle 智能门锁"));
        assert!(fields.matches("联勒"));
        assert!(!fields.matches("美的空调"));
        assert!(!fields.matches("联"));
    }
}
