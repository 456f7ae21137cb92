//! Conservative plural folding ("tokens" → "token", "réseaux" → "réseau").
//!
//! Only plural endings are touched; "-ing", "-ed", "-ment" and the like are
//! left alone, because blind suffix stripping merges words that mean
//! different things ("training"/"train") and makes terms unreadable in
//! reports. Words of three letters or fewer ("aws", "sms", "bus"), words with
//! dots or symbols ("node.js", "c++"), and words in the exception list
//! (`jobs/data/text/stem-exceptions.txt`) are never changed.

use std::borrow::Cow;
use std::collections::HashSet;

use super::stopwords::FxBuild;

/// Which language's plural rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rules {
    /// English: "-s", "-es" after s/x/ch/sh/zz, "-ies" → "-y".
    English,
    /// French: "-s", "-eaux" → "-eau".
    French,
}

/// English singulars in "-ie" whose plural is not "-y" + "ies".
const IE_SINGULARS: &[&str] = &[
    "cookie", "movie", "newbie", "selfie", "zombie", "rookie", "goalie", "hoodie", "smoothie",
    "calorie", "lingerie", "genie", "pixie", "freebie", "techie", "sortie", "brownie", "prairie",
    "foodie", "junkie", "hippie", "birdie", "veggie", "aussie", "indie", "talkie", "walkie",
];

/// English plurals of singulars in "-us".
const US_PLURALS: &[&str] = &[
    "statuses",
    "viruses",
    "bonuses",
    "campuses",
    "buses",
    "focuses",
    "censuses",
    "consensuses",
    "corpuses",
    "syllabuses",
    "prospectuses",
    "surpluses",
    "apparatuses",
    "nexuses",
    "geniuses",
    "circuses",
    "choruses",
];

/// English singulars in "-che" or "-xe" (their plural loses only the "s").
const ES_SINGULARS: &[&str] = &[
    "cache",
    "niche",
    "headache",
    "avalanche",
    "moustache",
    "mustache",
    "creche",
    "quiche",
    "psyche",
    "cliche",
    "annexe",
];

/// French plurals in "-us" of singulars in "-u".
const FR_US_PLURALS: &[&str] = &[
    "contenus",
    "reçus",
    "menus",
    "tissus",
    "revenus",
    "inconnus",
    "élus",
    "rendus",
    "imprévus",
    "prévus",
    "perdus",
    "vendus",
    "attendus",
    "obtenus",
    "retenus",
    "tenus",
    "venus",
    "lus",
];

/// `word` (normalised, lower-case) in the singular under `rules`, or as it is.
pub(crate) fn fold_plural<'a>(
    word: &'a str,
    rules: Rules,
    exceptions: &HashSet<Box<str>, FxBuild>,
) -> Cow<'a, str> {
    let plural_ending = word.ends_with('s') || (rules == Rules::French && word.ends_with("eaux"));
    if !plural_ending
        || word.chars().count() <= 3
        || word.contains(['.', '&', '+', '#', '_'])
        || exceptions.contains(word)
    {
        return Cow::Borrowed(word);
    }
    // The last part of "follow-ups" or "comptes-rendus" decides.
    let last = word.rsplit(['-', '\'']).next().unwrap_or(word);
    if exceptions.contains(last) {
        return Cow::Borrowed(word);
    }
    let cut = match rules {
        Rules::English => english(word, last),
        Rules::French => french(word, last),
    };
    match cut {
        Cut::Keep => Cow::Borrowed(word),
        Cut::Drop(n) => Cow::Borrowed(&word[..word.len() - n]),
        Cut::IesToY => Cow::Owned(format!("{}y", &word[..word.len() - 3])),
    }
}

/// What to do with a plural ending.
enum Cut {
    Keep,
    /// Drop this many bytes.
    Drop(usize),
    /// Replace "ies" by "y".
    IesToY,
}

fn english(word: &str, last: &str) -> Cut {
    if word.ends_with("ies") {
        let singular = &last[..last.len() - 1];
        return if last.len() < 5 || IE_SINGULARS.contains(&singular) {
            Cut::Drop(1)
        } else {
            Cut::IesToY
        };
    }
    if word.ends_with("sses") || (word.ends_with("uses") && US_PLURALS.contains(&last)) {
        return Cut::Drop(2);
    }
    if ["xes", "ches", "shes", "zzes"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        let singular = &last[..last.len() - 1];
        return if ES_SINGULARS.contains(&singular) {
            Cut::Drop(1)
        } else {
            Cut::Drop(2)
        };
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("sis") {
        return Cut::Keep;
    }
    Cut::Drop(1)
}

fn french(word: &str, last: &str) -> Cut {
    if word.ends_with("eaux") {
        return Cut::Drop(1);
    }
    if word.ends_with("us") {
        return if FR_US_PLURALS.contains(&last) {
            Cut::Drop(1)
        } else {
            Cut::Keep
        };
    }
    if ["ss", "ès", "ois", "as"].iter().any(|e| word.ends_with(e)) {
        return Cut::Keep;
    }
    Cut::Drop(1)
}

/// Whether a word as written mixes cases beyond a capital first letter
/// ("APIs", "SharePoint", "iPhones"); such words are not folded as words.
pub(crate) fn mixed_case(raw: &str) -> bool {
    let upper_inside = raw
        .chars()
        .filter(|c| c.is_alphabetic())
        .skip(1)
        .any(char::is_uppercase);
    upper_inside && raw.chars().any(char::is_lowercase)
}

/// The singular of an acronym written with a plural "s" ("APIs" → "api"),
/// given the raw text and its normalised form.
pub(crate) fn acronym_plural<'w>(raw: &str, word: &'w str) -> Option<&'w str> {
    let stem = raw.strip_suffix('s')?;
    let letters = stem.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 2 && !stem.chars().any(char::is_lowercase))
        .then(|| word.strip_suffix('s'))
        .flatten()
}
