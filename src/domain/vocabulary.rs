//! Closed vocabularies: a Rust enum per list of codes, each code with its
//! zh-CN and English label. The code is what the API sends and the database
//! stores; the labels are what people read (the pages take them from
//! `/api/v1/meta`, the emails from here), so a list is written once.

use serde::Serialize;

/// A code with its labels, as the form and the API show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Labelled {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// What every vocabulary enum offers; lets storage and the API treat them
/// alike (see `db::types`).
pub trait Vocabulary: Sized + Copy + Eq + 'static {
    /// Every value, in the order lists show them.
    const ALL: &'static [Self];

    fn labelled(self) -> Labelled;

    fn code(self) -> &'static str {
        self.labelled().code
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// Every value with its labels, for `/api/v1/meta`.
    fn all_labelled() -> Vec<Labelled> {
        Self::ALL.iter().map(|v| v.labelled()).collect()
    }
}

/// Declares a vocabulary enum: `Name { Variant = "code", "中文", "English"; … }`.
/// Serde uses the codes, and the inherent `code`/`from_code`/`labelled`
/// spare callers the trait import.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $code)] $variant),+ }

        impl $crate::domain::vocabulary::Vocabulary for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn labelled(self) -> $crate::domain::vocabulary::Labelled {
                match self {
                    $($name::$variant => $crate::domain::vocabulary::Labelled { code: $code, zh: $zh, en: $en }),+
                }
            }
        }

        #[allow(dead_code)]
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                <Self as $crate::domain::vocabulary::Vocabulary>::code(self)
            }

            pub fn from_code(code: &str) -> Option<Self> {
                <Self as $crate::domain::vocabulary::Vocabulary>::from_code(code)
            }

            pub fn labelled(self) -> $crate::domain::vocabulary::Labelled {
                <Self as $crate::domain::vocabulary::Vocabulary>::labelled(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    use super::*;

    vocabulary!(
        /// A test vocabulary.
        Colour {
            Red = "red", "红", "Red";
            DarkBlue = "dark_blue", "深蓝", "Dark blue";
        }
    );

    #[test]
    fn codes_labels_and_serde_agree() {
        for &colour in Colour::ALL {
            assert_eq!(Colour::from_code(colour.code()), Some(colour));
            let json = serde_json::to_string(&colour).expect("serialize");
            assert_eq!(json, format!("\"{}\"", colour.code()));
            assert_eq!(colour.to_string(), colour.code());
        }
        assert_eq!(Colour::DarkBlue.labelled().zh, "深蓝");
        assert_eq!(Colour::from_code("Red"), None);
        assert_eq!(Colour::all_labelled().len(), 2);
    }
}
