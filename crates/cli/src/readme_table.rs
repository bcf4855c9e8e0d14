//! The README's configuration table and the readers agree: every variable the table lists is
//! read, and every variable read (by the shared reader, local mode's extras, the AWS
//! deployment's extras for each of its roles, the log settings and the flags' fallbacks) is
//! in the table.

use std::collections::BTreeSet;

use clap::CommandFactory;
use sesame_aws_wiring::{AwsConfig, Role};
use sesame_config::Env;

use crate::Cli;
use crate::config::{Config, logging};

/// The variables named in the first cell of each row of the README's configuration table.
fn readme_variables() -> BTreeSet<String> {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Configuration section");
    let mut names = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = row.split('|').nth(1).unwrap_or_default();
        for name in first_cell.split('`').skip(1).step_by(2) {
            assert!(name.starts_with("SESAME_"), "{name:?} in {row:?}");
            assert!(names.insert(name.to_owned()), "{name} is listed twice");
        }
    }
    names
}

/// Every variable a reader looks up, set or not.
fn variables_read() -> BTreeSet<String> {
    let env = Env::default();
    let mut r = env.reader();
    Config::read(&mut r, "data".into(), "127.0.0.1:8080");
    for role in Role::ALL {
        AwsConfig::read(&mut r, role);
    }
    logging(&mut r);
    let mut names: BTreeSet<String> = r.names_read().map(str::to_owned).collect();
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                names.insert(env.to_string_lossy().into_owned());
            }
        }
        commands.extend(command.get_subcommands().cloned());
    }
    names
}

#[test]
fn the_readme_table_lists_exactly_the_variables_read() {
    let listed = readme_variables();
    let read = variables_read();
    let unread: Vec<_> = listed.difference(&read).collect();
    let unlisted: Vec<_> = read.difference(&listed).collect();
    assert!(
        unread.is_empty() && unlisted.is_empty(),
        "listed in the README but never read: {unread:?}; read but not in the README: {unlisted:?}"
    );
}
