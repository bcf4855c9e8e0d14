//! Checking uploaded recipient rows: address validity, de-duplication, and the per-recipient
//! TemplateData rules (a JSON object of at most 800 bytes, no HTML, the same variable names on
//! every row of a group). Pure: the same checker serves an API upload and a CLI import.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use crate::error::{ErrorCode, SesError};
use crate::ports::NewDetail;
use crate::types::{AddressError, EmailAddress};

/// Largest TemplateData of one row, in bytes.
pub const MAX_ROW_DATA_BYTES: usize = 800;
/// Longest address stored; a longer one is counted as too long and kept (cut) as invalid.
const MAX_ADDRESS_CHARS: usize = 254;

/// One uploaded row as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// The address, as given (surrounding whitespace is ignored).
    pub email: String,
    /// TemplateData (a JSON object as a string), for uploads with data.
    pub template_data: Option<String>,
}

/// What an upload did with its rows (the counters of CreateReceiverDetail[WithData]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UploadReport {
    /// Rows given (`TotalCount`).
    pub total: u64,
    /// Rows stored as valid (`ValidCount`).
    pub valid: u64,
    /// Rows whose address is longer than 254 characters (`TooLongCount`), stored as invalid.
    pub too_long: u64,
    /// Rows with an empty address (`EmptyEmailCount`), not stored.
    pub empty: u64,
    /// Rows repeating an earlier address of the same upload (`RepeatCount`), not stored.
    pub repeat: u64,
    /// Rows stored as invalid, too long ones included (with a `Reason`).
    pub invalid: u64,
}

/// Checks rows one by one, remembering what it has seen.
///
/// Repeats are recognised by a 64-bit fingerprint of the lower-cased address, so a list of
/// millions costs a few megabytes; two different addresses colliding (odds about 3 in 10⁸ for
/// a million rows) would drop the second as a repeat.
#[derive(Debug)]
pub struct RowChecker {
    /// The variable names rows must carry: `None` before the first row with data when the
    /// group has none yet; `Some(None)` for rows without data.
    keys: Option<Option<Vec<String>>>,
    seen: HashSet<u64>,
    report: UploadReport,
}

impl RowChecker {
    /// A checker for rows with data (`with_data`) or without, added to a group whose rows
    /// carry `group_keys` (`None`: no rows with data yet) and which has `group_rows` rows.
    pub fn new(with_data: bool, group_keys: Option<Vec<String>>, group_rows: u64) -> Self {
        let keys = match (with_data, group_keys) {
            // Rows of a group with data keep carrying data: a plain row is refused.
            (_, Some(keys)) => Some(Some(keys)),
            (false, None) => Some(None),
            (true, None) if group_rows == 0 => None,
            // Rows without data already in the group: any row with data is inconsistent.
            (true, None) => Some(None),
        };
        Self {
            keys,
            seen: HashSet::new(),
            report: UploadReport::default(),
        }
    }

    /// The counts so far.
    pub fn report(&self) -> UploadReport {
        self.report
    }

    /// The variable names of the rows checked, once known (`None` for rows without data).
    pub fn data_keys(&self) -> Option<Vec<String>> {
        self.keys.clone().flatten()
    }

    /// Checks one row: `Ok(Some(_))` to store, `Ok(None)` to skip (empty or repeated), or the
    /// documented error that refuses the whole upload.
    pub fn check(&mut self, row: UploadRow) -> Result<Option<NewDetail>, SesError> {
        self.report.total += 1;
        let template_data = match row.template_data {
            Some(raw) => Some(self.check_data(&raw)?),
            None if self.keys == Some(None) => None,
            None => {
                return Err(inconsistent("Every row needs TemplateData in this group."));
            }
        };
        let email = row.email.trim();
        if email.is_empty() {
            self.report.empty += 1;
            return Ok(None);
        }
        if !self.seen.insert(fingerprint(email)) {
            self.report.repeat += 1;
            return Ok(None);
        }
        let (email, invalid_reason) = if email.chars().count() > MAX_ADDRESS_CHARS {
            self.report.too_long += 1;
            let cut: String = email.chars().take(MAX_ADDRESS_CHARS).collect();
            (cut, Some("address longer than 254 characters".to_owned()))
        } else {
            match EmailAddress::parse(email) {
                Ok(address) => (address.to_string(), None),
                Err(err) => (email.to_owned(), Some(reason(&err))),
            }
        };
        if invalid_reason.is_some() {
            self.report.invalid += 1;
        } else {
            self.report.valid += 1;
        }
        Ok(Some(NewDetail {
            email,
            template_data,
            invalid_reason,
        }))
    }

    /// Validates one row's TemplateData and returns it compacted.
    fn check_data(&mut self, raw: &str) -> Result<String, SesError> {
        if raw.len() > MAX_ROW_DATA_BYTES {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueTemplateDataLenLimit,
                "TemplateData of a row must not exceed 800 bytes.",
            ));
        }
        let value: serde_json::Value = serde_json::from_str(raw).map_err(|_| not_object())?;
        let object = value.as_object().ok_or_else(not_object)?;
        let has_html = object.values().any(|v| match v {
            serde_json::Value::String(s) => looks_like_html(s),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => true,
            _ => false,
        });
        if has_html {
            return Err(SesError::new(
                ErrorCode::InvalidParameterValueInValidTemplateData,
                "TemplateData values must be plain text or numbers, without HTML.",
            ));
        }
        let mut keys: Vec<String> = object.keys().cloned().collect();
        keys.sort();
        match &self.keys {
            None => self.keys = Some(Some(keys)),
            Some(Some(expected)) if *expected == keys => {}
            Some(Some(_)) => {
                return Err(inconsistent(
                    "Every row's TemplateData must have the same variable names.",
                ));
            }
            Some(None) => {
                return Err(inconsistent(
                    "This group's rows have no TemplateData; upload without data.",
                ));
            }
        }
        Ok(value.to_string())
    }
}

fn fingerprint(email: &str) -> u64 {
    // SipHash with fixed keys: deterministic, and well mixed for table lookups.
    let mut hasher = std::hash::DefaultHasher::new();
    email.to_ascii_lowercase().hash(&mut hasher);
    hasher.finish()
}

fn reason(err: &AddressError) -> String {
    match err {
        AddressError::Empty => "address is empty".to_owned(),
        _ => "not a valid ASCII address of the form local@domain".to_owned(),
    }
}

fn looks_like_html(s: &str) -> bool {
    s.find('<').is_some_and(|open| {
        s[open + 1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
    })
}

fn not_object() -> SesError {
    SesError::new(
        ErrorCode::InvalidParameterValueTemplateDataError,
        "TemplateData must be a JSON object encoded as a string.",
    )
}

fn inconsistent(message: &str) -> SesError {
    SesError::new(
        ErrorCode::InvalidParameterValueTemplateDataInconsistent,
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(email: &str) -> UploadRow {
        UploadRow {
            email: email.to_owned(),
            template_data: None,
        }
    }

    fn with(email: &str, data: &str) -> UploadRow {
        UploadRow {
            email: email.to_owned(),
            template_data: Some(data.to_owned()),
        }
    }

    #[test]
    fn counts_valid_empty_repeated_too_long_and_invalid_rows() {
        let mut checker = RowChecker::new(false, None, 0);
        let long = format!("{}@example.org", "a".repeat(250));
        let kept: Vec<NewDetail> = [
            "a@example.org",
            "  ",
            "A@EXAMPLE.org",
            "b@example.org ",
            "not an address",
            long.as_str(),
            "a@example.org",
        ]
        .into_iter()
        .filter_map(|e| checker.check(plain(e)).expect("no request error"))
        .collect();
        assert_eq!(
            checker.report(),
            UploadReport {
                total: 7,
                valid: 2,
                too_long: 1,
                empty: 1,
                repeat: 2,
                invalid: 2,
            }
        );
        assert_eq!(
            kept.iter()
                .map(|d| d.invalid_reason.is_none())
                .collect::<Vec<_>>(),
            vec![true, true, false, false]
        );
        assert_eq!(kept[1].email, "b@example.org");
        assert_eq!(kept[2].email, "not an address");
        assert_eq!(kept[3].email.chars().count(), 254);
    }

    #[test]
    fn rows_with_data_must_share_variable_names() {
        let mut checker = RowChecker::new(true, None, 0);
        let first = checker
            .check(with("a@example.org", r#"{"name": "Ann", "code": 1}"#))
            .expect("first row sets the names")
            .expect("stored");
        assert_eq!(
            first.template_data.as_deref(),
            Some(r#"{"code":1,"name":"Ann"}"#)
        );
        checker
            .check(with("b@example.org", r#"{"code": 2, "name": "Bo"}"#))
            .expect("same names in another order");
        let err = checker
            .check(with("c@example.org", r#"{"name": "Cy"}"#))
            .expect_err("missing variable");
        assert_eq!(
            err.code,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent
        );
        assert_eq!(
            checker.data_keys(),
            Some(vec!["code".to_owned(), "name".to_owned()])
        );
    }

    #[test]
    fn a_group_with_names_requires_them_from_the_first_row() {
        let mut checker = RowChecker::new(true, Some(vec!["name".to_owned()]), 3);
        let err = checker
            .check(with("a@example.org", r#"{"first": "Ann"}"#))
            .expect_err("other names");
        assert_eq!(
            err.code,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent
        );
        let mut plain_group = RowChecker::new(true, None, 3);
        let err = plain_group
            .check(with("a@example.org", r#"{"first": "Ann"}"#))
            .expect_err("group rows have no data");
        assert_eq!(
            err.code,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent
        );
        let mut data_group = RowChecker::new(false, Some(vec!["name".to_owned()]), 3);
        let err = data_group
            .check(plain("a@example.org"))
            .expect_err("group rows have data");
        assert_eq!(
            err.code,
            ErrorCode::InvalidParameterValueTemplateDataInconsistent
        );
    }

    #[test]
    fn bad_template_data_is_refused_with_its_documented_code() {
        let cases = [
            (
                "not json",
                ErrorCode::InvalidParameterValueTemplateDataError,
            ),
            ("[1, 2]", ErrorCode::InvalidParameterValueTemplateDataError),
            (
                r#"{"x": "<b>hi</b>"}"#,
                ErrorCode::InvalidParameterValueInValidTemplateData,
            ),
            (
                r#"{"x": {"y": 1}}"#,
                ErrorCode::InvalidParameterValueInValidTemplateData,
            ),
        ];
        for (data, code) in cases {
            let mut checker = RowChecker::new(true, None, 0);
            let err = checker.check(with("a@example.org", data)).expect_err(data);
            assert_eq!(err.code, code, "{data}");
        }
        let big = format!(r#"{{"x": "{}"}}"#, "y".repeat(800));
        let err = RowChecker::new(true, None, 0)
            .check(with("a@example.org", &big))
            .expect_err("too big");
        assert_eq!(
            err.code,
            ErrorCode::InvalidParameterValueTemplateDataLenLimit
        );
        // A lone "<" in text is not HTML.
        RowChecker::new(true, None, 0)
            .check(with("a@example.org", r#"{"x": "1 < 2"}"#))
            .expect("plain text");
    }
}
