//! The README's "Not modelled" section names exactly what the configuration readers model: its
//! lists of keepalived keywords and nginx directives are compared with `vrrp::keywords` and
//! `nginx::directives`, the lists the readers and their warnings use.

use super::nginx::directives::{self, Support};
use super::vrrp::keywords::MODELLED;

const README: &str = include_str!("../../README.md");

/// The backticked names after `marker`, up to the next full stop (line breaks count as spaces).
fn listed(marker: &str) -> Vec<String> {
    let text = README.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = text.find(marker).unwrap_or_else(|| panic!("README.md has no {marker:?}")) + marker.len();
    let rest = &text[start..];
    let list = &rest[..rest.find('.').unwrap_or(rest.len())];
    let mut names: Vec<String> = list.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    names.sort();
    names
}

fn sorted(names: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    let mut v: Vec<String> = names.into_iter().map(str::to_owned).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn readme_lists_the_keepalived_keywords_labsim_models() {
    assert_eq!(listed("labsim models these keywords only:"), sorted(MODELLED.iter().map(|(_, k)| *k)));
}

#[test]
fn readme_lists_the_nginx_directives_labsim_models_and_reads_silently() {
    assert_eq!(listed("labsim models these directives only:"), sorted(directives::names(Support::Modelled)));
    assert_eq!(listed("so labsim reads them silently:"), sorted(directives::names(Support::Silent)));
}
