//! Parcel carriers: the [`Carrier`]s we know by name, their tracking-number
//! formats, and [`normalize_tracking_number`], which the cross-case signals
//! also use to compare numbers. Nothing here knows about places or rules.

use serde::{Deserialize, Serialize};

use crate::domain::signals::text::normalize;

/// The carriers whose number formats we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Sf,
    Zto,
    Yto,
    Sto,
    Yunda,
    Jd,
    Ems,
    Jt,
}

impl Carrier {
    pub const ALL: &'static [Carrier] = &[
        Carrier::Sf,
        Carrier::Zto,
        Carrier::Yto,
        Carrier::Sto,
        Carrier::Yunda,
        Carrier::Jd,
        Carrier::Ems,
        Carrier::Jt,
    ];

    /// Names people and exports use, normalized (see [`normalize`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Carrier::Sf => &[
                "sf",
                "顺丰",
                "顺丰速运",
                "顺丰快递",
                "sfexpress",
                "shunfeng",
                "顺丰速递",
            ],
            Carrier::Zto => &["zto", "中通", "中通快递", "ztoexpress", "zhongtong"],
            Carrier::Yto => &[
                "yto",
                "圆通",
                "圆通速递",
                "圆通快递",
                "ytoexpress",
                "yuantong",
            ],
            Carrier::Sto => &["sto", "申通", "申通快递", "stoexpress", "shentong"],
            Carrier::Yunda => &[
                "yunda",
                "韵达",
                "韵达快递",
                "韵达速递",
                "yd",
                "yundaexpress",
            ],
            Carrier::Jd => &[
                "jd",
                "京东",
                "京东物流",
                "京东快递",
                "jdl",
                "jdlogistics",
                "jingdong",
            ],
            Carrier::Ems => &[
                "ems",
                "中国邮政",
                "邮政",
                "邮政ems",
                "邮政快递包裹",
                "emschina",
                "chinapost",
                "youzhengguonei",
                "中国邮政ems",
            ],
            Carrier::Jt => &[
                "jt",
                "j&t",
                "jtexpress",
                "极兔",
                "极兔速递",
                "极兔快递",
                "jitu",
            ],
        }
    }

    pub fn parse(name: &str) -> Option<Carrier> {
        let n = normalize(name);
        if n.is_empty() {
            return None;
        }
        Carrier::ALL
            .iter()
            .copied()
            .find(|c| c.aliases().contains(&n.as_str()))
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Carrier::Sf => "顺丰",
            Carrier::Zto => "中通",
            Carrier::Yto => "圆通",
            Carrier::Sto => "申通",
            Carrier::Yunda => "韵达",
            Carrier::Jd => "京东物流",
            Carrier::Ems => "EMS",
            Carrier::Jt => "极兔",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Carrier::Sf => "SF Express",
            Carrier::Zto => "ZTO",
            Carrier::Yto => "YTO",
            Carrier::Sto => "STO",
            Carrier::Yunda => "Yunda",
            Carrier::Jd => "JD Logistics",
            Carrier::Ems => "EMS",
            Carrier::Jt => "J&T Express",
        }
    }

    /// Whether `number` (normalized by [`normalize_tracking_number`]) has
    /// this carrier's format. Generous: several generations of formats are
    /// in use, so we only refuse what no format allows.
    pub fn accepts(self, number: &str) -> bool {
        let digits = |s: &str, lengths: &[usize]| {
            lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        match self {
            // "SF" + 12–13 digits; older waybills are 12 plain digits.
            Carrier::Sf => {
                number
                    .strip_prefix("SF")
                    .is_some_and(|rest| digits(rest, &[12, 13]))
                    || digits(number, &[12])
            }
            // 12, 14 or 15 digits.
            Carrier::Zto => digits(number, &[12, 14, 15]),
            // "YT" + 13 digits (current); a letter or digit + 9 digits, or 12 digits (older).
            Carrier::Yto => {
                number
                    .strip_prefix("YT")
                    .is_some_and(|rest| digits(rest, &[12, 13]))
                    || (number.len() == 10
                        && number.as_bytes()[0].is_ascii_alphanumeric()
                        && digits(&number[1..], &[9]))
                    || digits(number, &[12])
            }
            // 12 to 15 digits.
            Carrier::Sto => digits(number, &[12, 13, 14, 15]),
            // 13 or 15 digits.
            Carrier::Yunda => digits(number, &[13, 15]),
            // "JD" + 13 letters/digits with digits at the end ("JDVA12345678901"), or 11–12 digits (older).
            Carrier::Jd => {
                number.strip_prefix("JD").is_some_and(|rest| {
                    rest.len() == 13
                        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
                        && rest[rest.len() - 9..].bytes().all(|b| b.is_ascii_digit())
                }) || digits(number, &[11, 12])
            }
            // UPU S10 ("EA123456789CN", with its check digit) or 13 domestic digits.
            Carrier::Ems => s10_valid(number) || digits(number, &[13]),
            // "JT" + 13 digits.
            Carrier::Jt => number
                .strip_prefix("JT")
                .is_some_and(|rest| digits(rest, &[13])),
        }
    }
}

/// UPU S10: two letters, eight digits, a check digit, two letters (country).
fn s10_valid(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 13
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..11].iter().all(u8::is_ascii_digit)
        || !b[11..].iter().all(u8::is_ascii_uppercase)
    {
        return false;
    }
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = b[2..10]
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    u32::from(b[10] - b'0') == check
}

/// Upper case, without spaces, dashes or full-width forms.
pub fn normalize_tracking_number(number: &str) -> String {
    normalize(number).to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_are_recognized_by_their_names() {
        for (name, carrier) in [
            ("顺丰速运", Carrier::Sf),
            ("SF Express", Carrier::Sf),
            ("sf", Carrier::Sf),
            ("中通快递", Carrier::Zto),
            ("YTO", Carrier::Yto),
            ("申通", Carrier::Sto),
            ("韵达快递", Carrier::Yunda),
            ("京东物流", Carrier::Jd),
            ("中国邮政", Carrier::Ems),
            ("EMS", Carrier::Ems),
            ("J&T Express", Carrier::Jt),
            ("极兔速递", Carrier::Jt),
        ] {
            assert_eq!(Carrier::parse(name), Some(carrier), "{name}");
        }
        assert_eq!(Carrier::parse("德邦"), None);
        assert_eq!(Carrier::parse(""), None);
    }

    #[test]
    fn tracking_number_formats_per_carrier() {
        let ok = [
            (Carrier::Sf, "SF1234567890123"),
            (Carrier::Sf, "SF123456789012"),
            (Carrier::Sf, "123456789012"),
            (Carrier::Zto, "75318264905512"),
            (Carrier::Zto, "731234567890"),
            (Carrier::Yto, "YT1234567890123"),
            (Carrier::Yto, "D123456789"),
            (Carrier::Sto, "773123456789012"),
            (Carrier::Yunda, "4312345678901"),
            (Carrier::Yunda, "431234567890123"),
            (Carrier::Jd, "JDVA12345678901"),
            (Carrier::Jd, "JD0012345678901"),
            (Carrier::Ems, "EA123456785CN"),
            (Carrier::Ems, "1123456789012"),
            (Carrier::Jt, "JT1234567890123"),
        ];
        for (carrier, number) in ok {
            assert!(carrier.accepts(number), "{carrier:?} {number}");
        }
        let bad = [
            (Carrier::Sf, "SF12345"),
            (Carrier::Sf, "YT1234567890123"),
            (Carrier::Zto, "ZTO123"),
            (Carrier::Zto, "1234567890123"),
            (Carrier::Yto, "YT12345"),
            (Carrier::Sto, "12345678901"),
            (Carrier::Yunda, "12345678901234"),
            (Carrier::Jd, "JD123"),
            (Carrier::Jd, "JDVA1234567890A"),
            (Carrier::Ems, "EA123456789CN"),
            (Carrier::Ems, "E1234567890CN"),
            (Carrier::Jt, "JT123456789012"),
            (Carrier::Jt, "1234567890123"),
        ];
        for (carrier, number) in bad {
            assert!(!carrier.accepts(number), "{carrier:?} {number}");
        }
        assert_eq!(normalize_tracking_number(" sf 1234-5678 "), "SF12345678");
    }
}
