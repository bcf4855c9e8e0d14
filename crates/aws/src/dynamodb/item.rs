//! Building and reading DynamoDB attribute maps: the only place that knows how a domain
//! value is spelled as an attribute (times are epoch milliseconds in `N` attributes).

use std::collections::HashMap;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use sesame_core::StoreError;

use crate::error::corrupt;

/// One DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A binary attribute.
pub(crate) fn b(value: impl Into<Vec<u8>>) -> AttributeValue {
    AttributeValue::B(Blob::new(value.into()))
}

/// A time as epoch milliseconds (the precision every backend promises).
pub(crate) fn time(value: DateTime<Utc>) -> AttributeValue {
    n(value.timestamp_millis())
}

/// A time as a fixed-width sort-key fragment: 15 zero-padded digits of epoch milliseconds,
/// so that string order is time order. Times before 1970 sort as 1970.
pub(crate) fn time_key(value: DateTime<Utc>) -> String {
    format!("{:015}", value.timestamp_millis().max(0))
}

/// Typed access to an item's attributes; every failure names the item kind and attribute.
pub(crate) struct Reader<'a> {
    item: &'a Item,
    kind: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `item`, a record of the given kind (used in error messages).
    pub(crate) fn new(item: &'a Item, kind: &'static str) -> Self {
        Self { item, kind }
    }

    fn missing(&self, name: &str) -> StoreError {
        corrupt(format!(
            "{} item: attribute {name} missing or of the wrong type",
            self.kind
        ))
    }

    fn invalid(&self, name: &str) -> StoreError {
        corrupt(format!(
            "{} item: attribute {name} has an invalid value",
            self.kind
        ))
    }

    /// Whether the attribute is present (and not NULL).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.item
            .get(name)
            .is_some_and(|v| !matches!(v, AttributeValue::Null(_)))
    }

    /// A required string.
    pub(crate) fn s(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_s(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional string.
    pub(crate) fn opt_s(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v.as_str())),
            Some(_) => Err(self.missing(name)),
        }
    }

    /// A required string parsed into a domain type.
    pub(crate) fn parse<T, E>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        parse(self.s(name)?).map_err(|_| self.invalid(name))
    }

    /// An optional string parsed into a domain type.
    pub(crate) fn opt_parse<T, E>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        self.opt_s(name)?
            .map(|v| parse(v).map_err(|_| self.invalid(name)))
            .transpose()
    }

    /// A required number holding a documented code (`SendStatus::from_code`…); an unknown
    /// code is invalid.
    pub(crate) fn coded<T>(
        &self,
        name: &str,
        from_code: impl FnOnce(i64) -> Option<T>,
    ) -> Result<T, StoreError> {
        from_code(self.n(name)?).ok_or_else(|| self.invalid(name))
    }

    /// A required number.
    pub(crate) fn n<T: FromStr>(&self, name: &str) -> Result<T, StoreError> {
        self.opt_n(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional number.
    pub(crate) fn opt_n<T: FromStr>(&self, name: &str) -> Result<Option<T>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| self.invalid(name)),
            Some(_) => Err(self.missing(name)),
        }
    }

    /// A required binary.
    pub(crate) fn b(&self, name: &str) -> Result<&'a [u8], StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::B(v)) => Ok(v.as_ref()),
            _ => Err(self.missing(name)),
        }
    }

    /// A required boolean.
    pub(crate) fn bool(&self, name: &str) -> Result<bool, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::Bool(v)) => Ok(*v),
            _ => Err(self.missing(name)),
        }
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, StoreError> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::Bool(v)) => Ok(Some(*v)),
            Some(_) => Err(self.missing(name)),
        }
    }

    /// A required list (absent reads as empty: DynamoDB items may omit empty lists).
    pub(crate) fn list(&self, name: &str) -> Result<&'a [AttributeValue], StoreError> {
        match self.item.get(name) {
            None => Ok(&[]),
            Some(AttributeValue::L(v)) => Ok(v.as_slice()),
            Some(_) => Err(self.missing(name)),
        }
    }

    /// A required time (epoch milliseconds).
    pub(crate) fn time(&self, name: &str) -> Result<DateTime<Utc>, StoreError> {
        self.opt_time(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional time (epoch milliseconds).
    pub(crate) fn opt_time(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_n::<i64>(name)?
            .map(|ms| DateTime::from_timestamp_millis(ms).ok_or_else(|| self.invalid(name)))
            .transpose()
    }
}

/// The map inside a list element, or a corrupt-item error.
pub(crate) fn as_map<'a>(
    value: &'a AttributeValue,
    kind: &'static str,
) -> Result<&'a Item, StoreError> {
    value
        .as_m()
        .map_err(|_| corrupt(format!("{kind}: list element is not a map")))
}
