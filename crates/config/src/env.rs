//! [`Env`], the variables a process was started with, and [`Reader`], which reads them one
//! rule at a time and collects every problem, so that a misconfigured deployment is fixed in
//! one round.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The `SESAME_*` variables of a process, as a map: tests build one by hand, and binaries let
/// a flag win over its variable by setting the flag's value here before reading.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

/// Values may be secrets: only the names are shown.
impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

impl Env {
    /// Every `SESAME_*` variable of the process environment whose name and value are valid
    /// UTF-8 (others cannot be meant for Sesame's readers and are passed over).
    pub fn from_process() -> Self {
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("SESAME_"))
            .collect()
    }

    /// Sets `name` (a flag's value overriding its variable).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// The value of `name`; an empty or blank value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A reader over these variables.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            env: self,
            problems: Vec::new(),
            read: BTreeSet::new(),
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// The configuration was refused; the message lists every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .problems.join("; "))]
pub struct ConfigError {
    /// One line per missing or invalid variable.
    pub problems: Vec<String>,
}

/// Where a secret comes from. `Debug` never shows an inline value.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// The name of an SSM SecureString parameter, read with decryption when the AWS
    /// deployment is wired.
    Parameter(String),
    /// The value itself.
    Inline(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Parameter(name) => f.debug_tuple("Parameter").field(name).finish(),
            Secret::Inline(_) => f.write_str("Inline(..)"),
        }
    }
}

/// Reads variables from an [`Env`], one rule per variable, collecting problems instead of
/// stopping at the first. A value read from a reader with problems may be a default standing
/// in for an invalid one: use values only through [`Reader::finish`].
pub struct Reader<'a> {
    env: &'a Env,
    problems: Vec<String>,
    read: BTreeSet<&'static str>,
}

impl Reader<'_> {
    /// The raw value of `name`; empty or blank counts as unset.
    pub fn get(&mut self, name: &'static str) -> Option<String> {
        self.read.insert(name);
        self.env.get(name).map(str::to_owned)
    }

    /// `name`'s value, or a problem when it is unset.
    pub fn required(&mut self, name: &'static str) -> String {
        self.get(name).unwrap_or_else(|| {
            self.problem(format!("{name} is required"));
            String::new()
        })
    }

    /// `name` parsed (surrounding whitespace ignored), `default` when unset or invalid (the
    /// latter a problem).
    pub fn parse<T: FromStr>(&mut self, name: &'static str, default: T) -> T {
        self.parse_with(name, default, "is not valid")
    }

    /// As [`Reader::parse`], saying `what` is wrong with an invalid value.
    pub fn parse_with<T: FromStr>(&mut self, name: &'static str, default: T, what: &str) -> T {
        match self.get(name) {
            None => default,
            Some(raw) => raw.trim().parse().unwrap_or_else(|_| {
                self.problem(format!("{name}={raw:?} {what}"));
                default
            }),
        }
    }

    /// A secret given either as an SSM parameter name or inline: exactly one of the two, and
    /// one of them when `required`.
    pub fn secret(
        &mut self,
        param: &'static str,
        inline: &'static str,
        required: bool,
    ) -> Option<Secret> {
        match (self.get(param), self.get(inline)) {
            (Some(name), None) => Some(Secret::Parameter(name)),
            (None, Some(value)) => Some(Secret::Inline(value)),
            (Some(_), Some(_)) => {
                self.problem(format!("set only one of {param} and {inline}"));
                None
            }
            (None, None) => {
                if required {
                    self.problem(format!("{param} (or {inline}) is required"));
                }
                None
            }
        }
    }

    /// Records a problem.
    pub fn problem(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
    }

    /// The names looked up so far, set or not (what the README's table must list).
    pub fn names_read(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.read.iter().copied()
    }

    /// `value` if no problem was found, else every problem in one error.
    pub fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_are_unset_and_names_are_recorded() {
        let env: Env = [("SESAME_A", " "), ("SESAME_B", " 7 ")]
            .into_iter()
            .collect();
        let mut r = env.reader();
        assert_eq!(r.get("SESAME_A"), None);
        assert_eq!(r.parse("SESAME_B", 0u32), 7);
        assert_eq!(r.parse("SESAME_C", 3u32), 3);
        assert_eq!(
            r.names_read().collect::<Vec<_>>(),
            ["SESAME_A", "SESAME_B", "SESAME_C"]
        );
        assert_eq!(r.finish(()), Ok(()));
    }

    #[test]
    fn problems_are_collected_and_reported_together() {
        let env: Env = [("SESAME_N", "many"), ("SESAME_P", "/p"), ("SESAME_I", "x")]
            .into_iter()
            .collect();
        let mut r = env.reader();
        assert_eq!(r.parse("SESAME_N", 1u32), 1);
        r.required("SESAME_MISSING");
        assert_eq!(r.secret("SESAME_P", "SESAME_I", true), None);
        assert_eq!(r.secret("SESAME_Q", "SESAME_J", true), None);
        let err = r.finish(()).unwrap_err();
        assert_eq!(
            err.problems,
            [
                "SESAME_N=\"many\" is not valid",
                "SESAME_MISSING is required",
                "set only one of SESAME_P and SESAME_I",
                "SESAME_Q (or SESAME_J) is required",
            ]
        );
    }

    #[test]
    fn neither_env_nor_inline_secrets_show_values_in_debug_output() {
        let env: Env = [("SESAME_MASTER_KEY", "hunter2")].into_iter().collect();
        assert!(!format!("{env:?}").contains("hunter2"));
        assert_eq!(
            format!("{:?}", Secret::Inline("hunter2".into())),
            "Inline(..)"
        );
    }
}
