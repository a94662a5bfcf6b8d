//! A consumer's report: the form as submitted (`ReportForm`), its rules, and
//! the validated `NewReport` that the rest of the system can trust.

use std::borrow::Cow;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use super::catalog::{is_province, Category, Platform};
use super::hotline::{normalize_number, registrable_domain, yuan_to_fen, FoundVia};
use super::unicode::strip_invisible;
use super::vocabulary::vocabulary;
use crate::error::FieldError;

pub const DESCRIPTION_MIN_CHARS: u64 = 10;
pub const DESCRIPTION_MAX_CHARS: u64 = 5000;
pub const MAX_REVIEW_TEXTS: usize = 50;
pub const MAX_REVIEW_TEXT_CHARS: usize = 2000;
pub const MAX_MERCHANT_NAME_CHARS: u64 = 200;
pub const MAX_LOGISTICS_EVENTS: u64 = 200;
/// An advertising page's text as pasted: long pages fit, a dump does not.
pub const MAX_PAGE_TEXT_CHARS: u64 = 20_000;
pub const MAX_AMOUNT_PAID_YUAN: f64 = 1_000_000.0;
/// The largest report JSON we read; everything it may legally hold fits with room to spare.
pub const MAX_REPORT_JSON_BYTES: usize = 1024 * 1024;

vocabulary!(
    /// The language a reporter filed in (and is written to in).
    #[derive(Default)]
    Locale {
        #[default]
        ZhCn = "zh-CN", "简体中文", "Simplified Chinese";
        En = "en", "英文", "English";
    }
);

/// The `report` part of a submission, exactly as the client sent it.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReportForm {
    #[validate(required(code = "required", message = "choose a category"))]
    pub category: Option<Category>,
    /// Required except for a fake hotline (see [`NewReport::from_form`]).
    pub platform: Option<Platform>,
    /// Required except for a fake hotline.
    #[validate(
        length(
            max = "MAX_MERCHANT_NAME_CHARS",
            code = "length",
            message = "at most 200 characters"
        ),
        custom(function = "check_single_line")
    )]
    pub merchant_name: Option<String>,
    #[validate(custom(function = "check_http_url"))]
    pub shop_url: Option<String>,
    #[validate(custom(function = "check_http_url"))]
    pub product_url: Option<String>,
    #[validate(
        length(max = 100, code = "length", message = "at most 100 characters"),
        custom(function = "check_single_line")
    )]
    pub order_id: Option<String>,
    #[validate(custom(function = "check_province"))]
    pub merchant_province: Option<String>,
    #[validate(
        length(max = 100, code = "length", message = "at most 100 characters"),
        custom(function = "check_single_line")
    )]
    pub merchant_city: Option<String>,
    #[validate(
        required(code = "required", message = "describe what happened"),
        length(
            min = "DESCRIPTION_MIN_CHARS",
            max = "DESCRIPTION_MAX_CHARS",
            code = "length",
            message = "must be 10 to 5000 characters"
        ),
        custom(function = "check_multi_line")
    )]
    pub description: Option<String>,
    #[serde(default)]
    #[validate(custom(function = "check_review_texts"))]
    pub review_texts: Vec<String>,
    #[validate(nested)]
    pub logistics: Option<LogisticsForm>,
    /// Only, and always, for a `fake_service_hotline` report.
    #[validate(nested)]
    pub hotline: Option<HotlineForm>,
    #[validate(nested)]
    pub reporter: Option<ReporterForm>,
    #[serde(default)]
    pub consent_share_contact: bool,
    #[serde(default)]
    pub email_tracking_code: bool,
    #[serde(default)]
    pub locale: Locale,
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct LogisticsForm {
    #[validate(
        length(max = 50, code = "length", message = "at most 50 characters"),
        custom(function = "check_single_line")
    )]
    pub carrier: Option<String>,
    #[validate(
        length(max = 64, code = "length", message = "at most 64 characters"),
        custom(function = "check_single_line")
    )]
    pub tracking_number: Option<String>,
    #[validate(custom(function = "check_time"))]
    pub shipped_at: Option<String>,
    #[validate(custom(function = "check_time"))]
    pub delivered_at: Option<String>,
    #[validate(range(
        min = 0.0,
        max = 100000.0,
        code = "range",
        message = "must be 0 to 100000 kg"
    ))]
    pub declared_weight_kg: Option<f64>,
    #[validate(
        length(max = 200, code = "length", message = "at most 200 characters"),
        custom(function = "check_single_line")
    )]
    pub origin: Option<String>,
    #[validate(
        length(max = 200, code = "length", message = "at most 200 characters"),
        custom(function = "check_single_line")
    )]
    pub destination: Option<String>,
    #[serde(default)]
    #[validate(
        length(
            max = "MAX_LOGISTICS_EVENTS",
            code = "too_many",
            message = "at most 200 events"
        ),
        nested
    )]
    pub events: Vec<LogisticsEventForm>,
}

#[derive(Debug, Default, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct LogisticsEventForm {
    #[validate(
        required(code = "required", message = "each event needs a time"),
        custom(function = "check_time")
    )]
    pub time: Option<String>,
    #[validate(
        length(max = 200, code = "length", message = "at most 200 characters"),
        custom(function = "check_single_line")
    )]
    pub location: Option<String>,
    #[validate(
        length(max = 500, code = "length", message = "at most 500 characters"),
        custom(function = "check_single_line")
    )]
    pub description: Option<String>,
}

/// A fake "official" service hotline, as the consumer found it.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct HotlineForm {
    #[validate(
        required(code = "required", message = "the number you called is required"),
        custom(function = "check_hotline_number")
    )]
    pub number: Option<String>,
    #[validate(
        required(
            code = "required",
            message = "name the brand the number claimed to serve"
        ),
        length(max = 100, code = "length", message = "at most 100 characters"),
        custom(function = "check_single_line")
    )]
    pub impersonated_brand: Option<String>,
    pub found_via: Option<FoundVia>,
    #[validate(custom(function = "check_http_url"))]
    pub found_url: Option<String>,
    #[validate(
        length(max = 200, code = "length", message = "at most 200 characters"),
        custom(function = "check_single_line")
    )]
    pub search_terms: Option<String>,
    #[validate(
        length(
            max = "MAX_PAGE_TEXT_CHARS",
            code = "length",
            message = "at most 20000 characters"
        ),
        custom(function = "check_multi_line")
    )]
    pub page_text: Option<String>,
    pub technician_visited: Option<bool>,
    #[validate(custom(function = "check_amount"))]
    pub amount_paid_yuan: Option<f64>,
    #[validate(custom(function = "check_province"))]
    pub incident_province: Option<String>,
    #[validate(
        length(max = 100, code = "length", message = "at most 100 characters"),
        custom(function = "check_single_line")
    )]
    pub incident_city: Option<String>,
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReporterForm {
    #[validate(
        length(max = 100, code = "length", message = "at most 100 characters"),
        custom(function = "check_single_line")
    )]
    pub name: Option<String>,
    #[validate(
        length(max = 254, code = "length", message = "at most 254 characters"),
        email(code = "email", message = "not a valid email address"),
        custom(function = "check_single_line"),
        custom(function = "check_mailbox_domain")
    )]
    pub email: Option<String>,
    #[validate(custom(function = "check_phone"))]
    pub phone: Option<String>,
}

/// A report whose every field has been checked. Built only by [`NewReport::from_form`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub category: Category,
    /// `None` only for a fake hotline, where there may be no shop at all.
    pub platform: Option<Platform>,
    pub merchant_name: Option<String>,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub merchant_province: Option<String>,
    pub merchant_city: Option<String>,
    pub description: String,
    pub review_texts: Vec<String>,
    pub logistics: Option<Logistics>,
    /// Present exactly when the category is `fake_service_hotline`.
    pub hotline: Option<Hotline>,
    pub reporter: Option<Reporter>,
    pub consent_share_contact: bool,
    pub email_tracking_code: bool,
    pub locale: Locale,
}

/// A checked hotline: the number in its one stored form (see
/// `domain::hotline`), money in fen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotline {
    pub number: String,
    pub impersonated_brand: String,
    pub found_via: Option<FoundVia>,
    pub found_url: Option<String>,
    /// The registrable domain of `found_url`, which cases are compared by.
    pub found_domain: Option<String>,
    pub search_terms: Option<String>,
    pub page_text: Option<String>,
    pub technician_visited: Option<bool>,
    pub amount_paid_fen: Option<i64>,
    pub incident_province: Option<String>,
    pub incident_city: Option<String>,
}

/// A logistics record with times normalized to UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistics {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub declared_weight_kg: Option<f64>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub events: Vec<LogisticsEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticsEvent {
    pub time: DateTime<Utc>,
    pub location: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl NewReport {
    /// Checks every rule at once, so the consumer sees all problems together.
    /// `now` bounds the logistics times (nothing ships years in the future).
    pub fn from_form(mut form: ReportForm, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        form.normalize();
        let mut errors = match form.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => flatten_errors(&errors),
        };
        let logistics = form.logistics.take().and_then(|logistics| {
            Logistics::from_form(logistics, now)
                .map_err(|mut more| errors.append(&mut more))
                .ok()
        });
        let is_hotline = form.category == Some(Category::FakeServiceHotline);
        if is_hotline && form.hotline.is_none() {
            errors.push(FieldError::new(
                "hotline",
                "required",
                "give the number and the brand it claimed to serve",
            ));
        }
        if !is_hotline && form.hotline.is_some() {
            // Refused rather than ignored: what the consumer typed is either kept or they are told.
            errors.push(FieldError::new(
                "hotline",
                "category",
                "only for reports of the category fake_service_hotline",
            ));
        }
        if !is_hotline {
            if form.platform.is_none() {
                errors.push(FieldError::new("platform", "required", "choose a platform"));
            }
            if form.merchant_name.is_none() {
                errors.push(FieldError::new(
                    "merchant_name",
                    "required",
                    "the merchant's name is required",
                ));
            }
        }
        let has_email = form.reporter.as_ref().is_some_and(|r| r.email.is_some());
        if form.email_tracking_code && !has_email {
            // Otherwise the reporter would wait for a code that never comes.
            errors.push(FieldError::new(
                "email_tracking_code",
                "requires_email",
                "give an email address to receive the tracking code by email",
            ));
        }
        if !errors.is_empty() {
            errors.sort_by(|a, b| a.field.cmp(&b.field));
            errors.dedup();
            return Err(errors);
        }
        let (Some(category), Some(description)) = (form.category, form.description) else {
            // `validate` has already reported each missing required field.
            return Err(vec![FieldError::new(
                "report",
                "required",
                "missing fields",
            )]);
        };
        let reporter = form
            .reporter
            .filter(|r| r.name.is_some() || r.email.is_some() || r.phone.is_some())
            .map(|r| Reporter {
                name: r.name,
                email: r.email,
                phone: r.phone.map(|p| compact_phone(&p)),
            });
        let hotline = form.hotline.map(Hotline::from_form);
        Ok(NewReport {
            category,
            platform: form.platform,
            merchant_name: form.merchant_name,
            shop_url: form.shop_url,
            product_url: form.product_url,
            order_id: form.order_id,
            merchant_province: form.merchant_province,
            merchant_city: form.merchant_city,
            description,
            review_texts: form.review_texts,
            logistics: logistics.flatten(),
            hotline,
            reporter,
            consent_share_contact: form.consent_share_contact,
            email_tracking_code: form.email_tracking_code,
            locale: form.locale,
        })
    }

    pub fn tracking_number(&self) -> Option<&str> {
        self.logistics.as_ref()?.tracking_number.as_deref()
    }

    /// The province a regulator is chosen by: the merchant's, or for a
    /// hotline without one, where the consumer was cheated.
    pub fn routing_province(&self) -> Option<&str> {
        self.merchant_province.as_deref().or_else(|| {
            self.hotline
                .as_ref()
                .and_then(|h| h.incident_province.as_deref())
        })
    }
}

impl Hotline {
    /// From a form that has passed validation (the number normalizes).
    fn from_form(form: HotlineForm) -> Hotline {
        let number = form.number.unwrap_or_default();
        let found_domain = form
            .found_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().and_then(registrable_domain));
        Hotline {
            number: normalize_number(&number).unwrap_or(number),
            impersonated_brand: form.impersonated_brand.unwrap_or_default(),
            found_via: form.found_via,
            found_url: form.found_url,
            found_domain,
            search_terms: form.search_terms,
            page_text: form.page_text,
            technician_visited: form.technician_visited,
            amount_paid_fen: form.amount_paid_yuan.and_then(yuan_to_fen),
            incident_province: form.incident_province,
            incident_city: form.incident_city,
        }
    }

    pub fn amount_paid_yuan(&self) -> Option<f64> {
        self.amount_paid_fen.map(|fen| fen as f64 / 100.0)
    }
}

impl Logistics {
    /// `Ok(None)` when the consumer left every logistics field empty.
    fn from_form(form: LogisticsForm, now: DateTime<Utc>) -> Result<Option<Self>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut time = |field: String, value: Option<String>| -> Option<DateTime<Utc>> {
            let value = value?;
            match parse_time(&value) {
                Some(t) if t <= now + Duration::days(1) && t.timestamp() >= 946_684_800 => Some(t),
                Some(_) => {
                    errors.push(FieldError::new(
                        field,
                        "range",
                        "must be between 2000 and today",
                    ));
                    None
                }
                // Already reported by the form's own validation.
                None => None,
            }
        };
        let shipped_at = time("logistics.shipped_at".into(), form.shipped_at);
        let delivered_at = time("logistics.delivered_at".into(), form.delivered_at);
        let events: Vec<LogisticsEvent> = form
            .events
            .into_iter()
            .enumerate()
            .filter_map(|(i, event)| {
                Some(LogisticsEvent {
                    time: time(format!("logistics.events[{i}].time"), event.time)?,
                    location: event.location,
                    description: event.description,
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let logistics = Logistics {
            carrier: form.carrier,
            tracking_number: form.tracking_number,
            shipped_at,
            delivered_at,
            declared_weight_kg: form.declared_weight_kg,
            origin: form.origin,
            destination: form.destination,
            events,
        };
        let empty = logistics.carrier.is_none()
            && logistics.tracking_number.is_none()
            && logistics.shipped_at.is_none()
            && logistics.delivered_at.is_none()
            && logistics.declared_weight_kg.is_none()
            && logistics.origin.is_none()
            && logistics.destination.is_none()
            && logistics.events.is_empty();
        Ok((!empty).then_some(logistics))
    }
}

impl ReportForm {
    /// Trims every text and treats an empty optional text as absent.
    fn normalize(&mut self) {
        for field in [
            &mut self.merchant_name,
            &mut self.shop_url,
            &mut self.product_url,
            &mut self.order_id,
            &mut self.merchant_province,
            &mut self.merchant_city,
            &mut self.description,
        ] {
            trim_optional(field);
        }
        for text in &mut self.review_texts {
            *text = strip_invisible(text).trim().to_owned();
        }
        self.review_texts.retain(|t| !t.is_empty());
        if let Some(logistics) = &mut self.logistics {
            for field in [
                &mut logistics.carrier,
                &mut logistics.tracking_number,
                &mut logistics.shipped_at,
                &mut logistics.delivered_at,
                &mut logistics.origin,
                &mut logistics.destination,
            ] {
                trim_optional(field);
            }
            for event in &mut logistics.events {
                trim_optional(&mut event.time);
                trim_optional(&mut event.location);
                trim_optional(&mut event.description);
            }
        }
        if let Some(hotline) = &mut self.hotline {
            for field in [
                &mut hotline.number,
                &mut hotline.impersonated_brand,
                &mut hotline.found_url,
                &mut hotline.search_terms,
                &mut hotline.incident_province,
                &mut hotline.incident_city,
            ] {
                trim_optional(field);
            }
            // The page as pasted keeps its lines; only the invisible goes.
            hotline.page_text = hotline
                .page_text
                .take()
                .map(|t| strip_invisible(&t).trim().to_owned())
                .filter(|t| !t.is_empty());
        }
        if let Some(reporter) = &mut self.reporter {
            trim_optional(&mut reporter.name);
            trim_optional(&mut reporter.email);
            trim_optional(&mut reporter.phone);
        }
    }
}

/// Trims, after removing invisible and bidi control characters (see
/// `domain::unicode`); text left empty becomes `None`.
fn trim_optional(value: &mut Option<String>) {
    if let Some(text) = value.take() {
        let text = strip_invisible(&text);
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            *value = Some(trimmed.to_owned());
        }
    }
}

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// Control characters break storage (PostgreSQL refuses NUL), logs and mail
/// headers; a single-line field allows none of them.
fn check_single_line(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) {
        return Err(error(
            "control_characters",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Multi-line text may hold line breaks and tabs, and no other control character.
fn check_multi_line(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(error(
            "control_characters",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A reporter's mailbox must be somewhere mail can really go: a domain name
/// with a dot and a real top-level domain — no `localhost`, no address
/// literals (`[127.0.0.1]`), no host names of a local network.
fn check_mailbox_domain(value: &str) -> Result<(), ValidationError> {
    let refuse = || {
        Err(error(
            "email_domain",
            "use an address at a real mail domain",
        ))
    };
    let Some((_, domain)) = value.rsplit_once('@') else {
        return Ok(()); // the email check reports it
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok() {
        return refuse();
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return refuse();
    };
    const LOCAL_ONLY: &[&str] = &[
        "localhost",
        "local",
        "localdomain",
        "internal",
        "intranet",
        "lan",
        "home",
        "corp",
        "invalid",
        "test",
        "arpa",
        "onion",
    ];
    let alphabetic = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    let punycode = tld.starts_with("xn--") && tld.len() > 4;
    if LOCAL_ONLY.contains(&tld) || !(alphabetic || punycode) {
        return refuse();
    }
    Ok(())
}

fn check_http_url(value: &str) -> Result<(), ValidationError> {
    check_single_line(value)?;
    if value.chars().count() > 2048 {
        return Err(error("length", "at most 2048 characters"));
    }
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(error("url", "must be an http:// or https:// address")),
    }
}

fn check_province(value: &str) -> Result<(), ValidationError> {
    if is_province(value) {
        Ok(())
    } else {
        Err(error(
            "invalid_choice",
            "not one of China's provincial-level divisions",
        ))
    }
}

fn check_review_texts(texts: &[String]) -> Result<(), ValidationError> {
    if texts.len() > MAX_REVIEW_TEXTS {
        return Err(error("too_many", "at most 50 review texts"));
    }
    for (index, text) in texts.iter().enumerate() {
        let problem = if text.chars().count() > MAX_REVIEW_TEXT_CHARS {
            Some(error("length", "at most 2000 characters"))
        } else {
            check_multi_line(text).err()
        };
        if let Some(mut problem) = problem {
            problem.add_param(Cow::Borrowed("index"), &index);
            return Err(problem);
        }
    }
    Ok(())
}

fn check_hotline_number(value: &str) -> Result<(), ValidationError> {
    normalize_number(value)
        .map(|_| ())
        .map_err(|problem| error(problem.code(), problem.message()))
}

fn check_amount(yuan: f64) -> Result<(), ValidationError> {
    // (NaN is in no range.)
    if !(0.0..=MAX_AMOUNT_PAID_YUAN).contains(&yuan) {
        return Err(error("range", "must be 0 to 1000000 yuan"));
    }
    if yuan_to_fen(yuan).is_none() {
        return Err(error("precision", "at most two decimal places (fen)"));
    }
    Ok(())
}

fn check_time(value: &str) -> Result<(), ValidationError> {
    match parse_time(value) {
        Some(_) => Ok(()),
        None => Err(error(
            "invalid_time",
            "use a date and time such as 2026-11-24 14:30 or 2026-11-24T14:30:00+08:00",
        )),
    }
}

/// Mainland mobiles (optionally +86), landlines with area code, 400/800
/// service numbers, or any international number in E.164 form.
fn check_phone(value: &str) -> Result<(), ValidationError> {
    let compact = compact_phone(value);
    let digits = compact.trim_start_matches('+');
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let national = digits
        .strip_prefix("86")
        .filter(|_| compact.starts_with('+') || digits.len() == 13);
    let mainland = national.unwrap_or(digits);
    let ok = all_digits
        && ((mainland.len() == 11
            && mainland.starts_with('1')
            && matches!(mainland.as_bytes()[1], b'3'..=b'9'))
            || (!compact.starts_with('+')
                && mainland.starts_with('0')
                && (10..=12).contains(&mainland.len()))
            || (!compact.starts_with('+')
                && (mainland.starts_with("400") || mainland.starts_with("800"))
                && mainland.len() == 10)
            || (compact.starts_with('+')
                && national.is_none()
                && (7..=15).contains(&digits.len())));
    if ok {
        Ok(())
    } else {
        Err(error("phone", "not a valid phone number"))
    }
}

fn compact_phone(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect()
}

/// RFC 3339, or a local Beijing time as logistics apps print it.
pub fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    const LOCAL_FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
    ];
    let beijing = FixedOffset::east_opt(8 * 3600)?;
    LOCAL_FORMATS.iter().find_map(|format| {
        let naive = NaiveDateTime::parse_from_str(value, format).ok()?;
        Some(
            beijing
                .from_local_datetime(&naive)
                .single()?
                .with_timezone(&Utc),
        )
    })
}

/// Turns validator's nested error tree into flat, dotted field paths.
pub fn flatten_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    flatten_into(errors, "", &mut out);
    out
}

fn flatten_into(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = format!("{prefix}{field}");
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let field = match e.params.get("index").and_then(|v| v.as_u64()) {
                        Some(index) => format!("{path}[{index}]"),
                        None => path.clone(),
                    };
                    let message = e.message.as_deref().unwrap_or("invalid value");
                    out.push(FieldError::new(field, known_code(&e.code), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten_into(inner, &format!("{path}."), out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_into(inner, &format!("{path}[{index}]."), out);
                }
            }
        }
    }
}

/// Error codes are part of the API (the form translates them): only these leave the server.
fn known_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "required",
        "length",
        "too_many",
        "invalid_choice",
        "email",
        "phone",
        "url",
        "range",
        "invalid_time",
        "control_characters",
        "email_domain",
        "too_short",
        "too_long",
        "precision",
    ];
    CODES
        .iter()
        .copied()
        .find(|c| *c == code)
        .unwrap_or("invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_form() -> ReportForm {
        ReportForm {
            category: Some(Category::FakeReview),
            platform: Some(Platform::Taobao),
            merchant_name: Some("  某某旗舰店 ".into()),
            merchant_province: Some("浙江省".into()),
            description: Some("商品页全是同一模板的五星好评，明显刷单。".into()),
            review_texts: vec!["超赞！物美价廉".into(), "  ".into()],
            ..ReportForm::default()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0)
            .single()
            .expect("valid time")
    }

    fn fields(form: ReportForm) -> Vec<(String, &'static str)> {
        NewReport::from_form(form, now())
            .expect_err("should be invalid")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_valid_form_is_trimmed_and_accepted() {
        let report = NewReport::from_form(valid_form(), now()).expect("valid");
        assert_eq!(report.merchant_name.as_deref(), Some("某某旗舰店"));
        assert_eq!(report.hotline, None);
        assert_eq!(report.review_texts, vec!["超赞！物美价廉".to_string()]);
        assert_eq!(report.logistics, None);
        assert_eq!(report.reporter, None);
    }

    #[test]
    fn missing_required_fields_are_each_named() {
        assert_eq!(
            fields(ReportForm::default()),
            vec![
                ("category".to_string(), "required"),
                ("description".to_string(), "required"),
                ("merchant_name".to_string(), "required"),
                ("platform".to_string(), "required"),
            ]
        );
    }

    fn hotline_form() -> ReportForm {
        ReportForm {
            category: Some(Category::FakeServiceHotline),
            description: Some("搜索“联勒指纹锁售后”找到的电话，师傅上门收了 680 元。".into()),
            hotline: Some(HotlineForm {
                number: Some(" (1)４００－１８６５－９０９ ".into()),
                impersonated_brand: Some("联勒指纹锁".into()),
                found_via: Some(FoundVia::SearchEngine),
                found_url: Some("https://m.lianle-weixiu.example.com/page?id=1".into()),
                page_text: Some("联勒指纹锁全国统一24小时维修服务热线\n400-1865-909".into()),
                technician_visited: Some(true),
                amount_paid_yuan: Some(680.5),
                incident_province: Some("上海市".into()),
                incident_city: Some(" 上海市 ".into()),
                ..HotlineForm::default()
            }),
            ..ReportForm::default()
        }
    }

    #[test]
    fn a_hotline_report_needs_no_shop_and_stores_one_form_of_the_number() {
        let report = NewReport::from_form(hotline_form(), now()).expect("valid");
        assert_eq!(report.merchant_name, None);
        assert_eq!(report.platform, None);
        let hotline = report.hotline.as_ref().expect("hotline");
        assert_eq!(hotline.number, "4001865909");
        assert_eq!(hotline.found_domain.as_deref(), Some("example.com"));
        assert_eq!(hotline.amount_paid_fen, Some(68_050));
        assert_eq!(hotline.amount_paid_yuan(), Some(680.5));
        assert_eq!(hotline.incident_city.as_deref(), Some("上海市"));
        assert_eq!(report.routing_province(), Some("上海市"));
        let mut form = hotline_form();
        form.merchant_province = Some("浙江省".into());
        let report = NewReport::from_form(form, now()).expect("valid");
        assert_eq!(report.routing_province(), Some("浙江省"));
    }

    #[test]
    fn a_hotline_report_without_its_hotline_and_a_hotline_on_another_category_are_refused() {
        let mut form = hotline_form();
        form.hotline = None;
        assert_eq!(fields(form), vec![("hotline".to_string(), "required")]);
        let mut form = valid_form();
        form.hotline = hotline_form().hotline;
        assert_eq!(fields(form), vec![("hotline".to_string(), "category")]);
        let mut form = hotline_form();
        form.hotline = Some(HotlineForm::default());
        assert_eq!(
            fields(form),
            vec![
                ("hotline.impersonated_brand".to_string(), "required"),
                ("hotline.number".to_string(), "required"),
            ]
        );
    }

    #[test]
    fn bad_hotline_fields_are_each_named() {
        for (number, code) in [
            ("call now", "phone"),
            ("400", "too_short"),
            ("1381234567890", "too_long"),
        ] {
            let mut form = hotline_form();
            if let Some(h) = form.hotline.as_mut() {
                h.number = Some(number.into());
            }
            assert_eq!(
                fields(form),
                vec![("hotline.number".to_string(), code)],
                "{number}"
            );
        }
        let mut form = hotline_form();
        if let Some(h) = form.hotline.as_mut() {
            h.found_url = Some("ftp://example.com/x".into());
            h.page_text = Some("页".repeat(20_001));
            h.amount_paid_yuan = Some(-1.0);
            h.incident_province = Some("Shanghai".into());
        }
        assert_eq!(
            fields(form),
            vec![
                ("hotline.amount_paid_yuan".to_string(), "range"),
                ("hotline.found_url".to_string(), "url"),
                ("hotline.incident_province".to_string(), "invalid_choice"),
                ("hotline.page_text".to_string(), "length"),
            ]
        );
        for (amount, code) in [(1_000_000.5, "range"), (12.345, "precision")] {
            let mut form = hotline_form();
            if let Some(h) = form.hotline.as_mut() {
                h.amount_paid_yuan = Some(amount);
            }
            assert_eq!(
                fields(form),
                vec![("hotline.amount_paid_yuan".to_string(), code)],
                "{amount}"
            );
        }
        let mut form = hotline_form();
        if let Some(h) = form.hotline.as_mut() {
            h.page_text = Some("页".repeat(20_000));
            h.amount_paid_yuan = Some(1_000_000.0);
        }
        assert!(NewReport::from_form(form, now()).is_ok());
    }

    #[test]
    fn description_length_counts_characters_not_bytes() {
        let mut form = valid_form();
        form.description = Some("刷单刷单刷单刷单刷".into()); // 9 characters, 27 bytes
        assert_eq!(fields(form), vec![("description".to_string(), "length")]);
        let mut form = valid_form();
        form.description = Some("好".repeat(5000));
        assert!(NewReport::from_form(form, now()).is_ok());
        let mut form = valid_form();
        form.description = Some("好".repeat(5001));
        assert_eq!(fields(form), vec![("description".to_string(), "length")]);
    }

    #[test]
    fn emailing_the_code_needs_an_email_address() {
        let mut form = valid_form();
        form.email_tracking_code = true;
        assert_eq!(
            fields(form),
            vec![("email_tracking_code".to_string(), "requires_email")]
        );
        let mut form = valid_form();
        form.email_tracking_code = true;
        form.reporter = Some(ReporterForm {
            email: Some("a@example.com".into()),
            ..Default::default()
        });
        assert!(NewReport::from_form(form, now()).is_ok());
    }

    #[test]
    fn review_texts_are_limited_in_number_and_length() {
        let mut form = valid_form();
        form.review_texts = vec!["好评".into(); 51];
        assert_eq!(fields(form), vec![("review_texts".to_string(), "too_many")]);
        let mut form = valid_form();
        form.review_texts = vec!["ok".into(), "长".repeat(2001)];
        assert_eq!(
            fields(form),
            vec![("review_texts[1]".to_string(), "length")]
        );
    }

    #[test]
    fn nul_and_control_characters_are_refused() {
        let mut form = valid_form();
        form.merchant_name = Some("shop\0name".into());
        form.description = Some("line one\nline two\u{0}".into());
        assert_eq!(
            fields(form),
            vec![
                ("description".to_string(), "control_characters"),
                ("merchant_name".to_string(), "control_characters"),
            ]
        );
    }

    #[test]
    fn contact_details_are_checked() {
        let mut form = valid_form();
        form.reporter = Some(ReporterForm {
            name: None,
            email: Some("not-an-email".into()),
            phone: Some("12345".into()),
        });
        assert_eq!(
            fields(form),
            vec![
                ("reporter.email".to_string(), "email"),
                ("reporter.phone".to_string(), "phone")
            ]
        );
        for good in [
            "13812345678",
            "+86 138-1234-5678",
            "8613812345678",
            "021-12345678",
            "4008123123",
            "+442071234567",
        ] {
            assert!(check_phone(good).is_ok(), "{good}");
        }
        for bad in [
            "12345678901",
            "1381234567",
            "+86 12345",
            "phone",
            "",
            "02112",
        ] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_province_and_logistics_are_checked() {
        let mut form = valid_form();
        form.shop_url = Some("javascript:alert(1)".into());
        form.merchant_province = Some("Shanghai".into());
        form.logistics = Some(LogisticsForm {
            shipped_at: Some("yesterday".into()),
            delivered_at: Some("2099-01-01 10:00".into()),
            declared_weight_kg: Some(-1.0),
            events: vec![LogisticsEventForm::default()],
            ..LogisticsForm::default()
        });
        assert_eq!(
            fields(form),
            vec![
                ("logistics.declared_weight_kg".to_string(), "range"),
                ("logistics.delivered_at".to_string(), "range"),
                ("logistics.events[0].time".to_string(), "required"),
                ("logistics.shipped_at".to_string(), "invalid_time"),
                ("merchant_province".to_string(), "invalid_choice"),
                ("shop_url".to_string(), "url"),
            ]
        );
    }

    #[test]
    fn logistics_times_are_read_as_beijing_time_and_empty_logistics_vanish() {
        let mut form = valid_form();
        form.logistics = Some(LogisticsForm {
            tracking_number: Some(" SF1234567890123 ".into()),
            shipped_at: Some("2026-11-20 08:00".into()),
            delivered_at: Some("2026-11-21T09:30:00Z".into()),
            ..LogisticsForm::default()
        });
        let report = NewReport::from_form(form, now()).expect("valid");
        let logistics = report.logistics.as_ref().expect("logistics");
        assert_eq!(
            logistics.shipped_at,
            Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).single()
        );
        assert_eq!(report.tracking_number(), Some("SF1234567890123"));

        let mut form = valid_form();
        form.logistics = Some(LogisticsForm {
            carrier: Some("   ".into()),
            ..LogisticsForm::default()
        });
        assert_eq!(
            NewReport::from_form(form, now()).expect("valid").logistics,
            None
        );
    }
}
