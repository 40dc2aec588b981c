//! User populations: `Users(at: "5s", for: "1h", clients: "load", dau: 100000, peak_share:
//! 0.12, pages: 10, assets: 8, think: "30s", url: "http://172.2.20.100/")` in the timeline. The
//! peak hour's sessions (`dau × peak_share`) arrive at a steady rate from `at` for `for:`,
//! spread evenly over the hosts of `clients` (a client range, or one host); the entry becomes one
//! per host, each with its share of the rate.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::{FieldPath, Issue, Scope, Target, Validator};
use crate::scenario::schema::TimelineFile;
use crate::scenario::{DEFAULT_CONNECTIONS, MAX_ASSETS, MAX_CONNECTIONS, MAX_DAU, MAX_PAGES, TimelineAction, TimelineEntry, UsersSpec};

/// The hour the peak share is of.
const HOUR_US: f64 = 3_600_000_000.0;

/// `http://ADDRESS[:PORT]/PATH`: the address, port, `Host` header and path.
fn parse_url(url: &str) -> Option<(Ipv4Addr, u16, String, String)> {
    let rest = url.strip_prefix("http://")?;
    let slash = rest.find('/')?;
    let (authority, path) = rest.split_at(slash);
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let (addr, port) = match authority.split_once(':') {
        Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (a, p.parse::<u16>().ok().filter(|p| *p > 0)?),
        Some(_) => return None,
        None => (authority, 80),
    };
    Some((addr.parse().ok()?, port, authority.to_owned(), path.to_owned()))
}

impl Validator {
    /// Checks a `Users(…)` entry (`timeline[index]`) and returns one entry per host of its
    /// clients.
    pub(super) fn check_users(&mut self, scope: &Scope<'_>, path: &FieldPath, index: usize, entry: &TimelineFile) -> Vec<TimelineEntry> {
        let TimelineFile::Users { at, for_, clients, dau, peak_share, pages, assets, think, url, asset, connections, keepalive, warm } =
            entry
        else {
            return Vec::new();
        };
        let src = scope.src;
        let at = self.time(scope, &path.field("at"), at);
        let length = self.duration(src, &path.field("for"), for_);
        if length == Some(Duration::ZERO) {
            self.report(src, &path.field("for"), Target::Value, Issue::UsersForZero);
        }
        let think = self.duration(src, &path.field("think"), think);
        let members = scope.ranges.get(clients);
        if members.is_none() {
            self.host(scope, &path.field("clients"), clients);
        }
        let mut ok = true;
        let mut bad = |v: &mut Validator, field: &str, issue: Issue| {
            v.report(src, &path.field(field), Target::Value, issue);
            ok = false;
        };
        if !(1..=MAX_DAU).contains(dau) {
            bad(self, "dau", Issue::BadDau(*dau));
        }
        if !(*peak_share > 0.0 && *peak_share <= 1.0) {
            bad(self, "peak_share", Issue::BadPeakShare(peak_share.to_string()));
        }
        if !(1..=MAX_PAGES).contains(pages) {
            bad(self, "pages", Issue::BadPages(*pages));
        }
        if *assets > MAX_ASSETS {
            bad(self, "assets", Issue::BadAssets(*assets));
        }
        let connections = connections.unwrap_or(DEFAULT_CONNECTIONS);
        if !(1..=MAX_CONNECTIONS).contains(&connections) {
            bad(self, "connections", Issue::BadConnections(connections));
        }
        let page = parse_url(url);
        if page.is_none() {
            bad(self, "url", Issue::BadUsersUrl(url.clone()));
        }
        let asset = match asset {
            None => page.clone(),
            Some(text) => {
                let asset = parse_url(text);
                match (&asset, &page) {
                    (None, _) => bad(self, "asset", Issue::BadUsersUrl(text.clone())),
                    // The assets come from the page's server, over the page's connections.
                    (Some(a), Some(p)) if (a.0, a.1) != (p.0, p.1) => bad(self, "asset", Issue::AssetElsewhere(p.2.clone())),
                    _ => {}
                }
                asset
            }
        };
        let (Some(start), Some(length), Some(think), Some(page), Some(asset), true) = (at, length, think, page, asset, ok) else {
            return Vec::new();
        };
        let hosts = members.map_or_else(|| std::slice::from_ref(clients), Vec::as_slice);
        if hosts.is_empty() {
            return Vec::new();
        }
        // Sessions per hour over the population, each host drawing 1/n of them.
        let per_hour = *dau as f64 * *peak_share;
        let mean_gap_us = (HOUR_US * hosts.len() as f64 / per_hour).round().max(1.0) as u64;
        let spec = UsersSpec {
            mean_gap: Duration::from_micros(mean_gap_us),
            until: start + length,
            pages: *pages,
            assets: *assets,
            think,
            connections,
            keepalive: keepalive.unwrap_or(true),
            warm: warm.unwrap_or(false),
            addr: page.0,
            port: page.1,
            host_header: page.2,
            page: page.3,
            asset: asset.3,
            stream: format!("users/{index}"),
        };
        let location = self.location(src, path);
        hosts
            .iter()
            .map(|host| TimelineEntry {
                at: start,
                host: host.clone(),
                action: TimelineAction::Users(spec.clone()),
                location: location.clone(),
            })
            .collect()
    }
}
