//! wrk's statistics and units: `src/stats.c` (a histogram of integer values with its mean,
//! sample deviation, share within one deviation, percentiles and the coordinated-omission
//! correction `stats_correct`) and `src/units.c` (`format_time_us`, `format_metric`,
//! `format_binary`, `scan_metric`, `scan_time`), and `print_units` of `src/wrk.c`.

use std::collections::BTreeMap;

/// `stats`: counts per value below `limit`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    limit: u64,
    data: BTreeMap<u64, u64>,
    count: u64,
}

impl Stats {
    /// `stats_alloc(max)`: values up to `max` are recorded.
    pub(crate) fn new(max: u64) -> Stats {
        Stats { limit: max + 1, data: BTreeMap::new(), count: 0 }
    }

    /// `stats_record`: false (not recorded) at or past the limit.
    pub(crate) fn record(&mut self, n: u64) -> bool {
        if n >= self.limit {
            return false;
        }
        *self.data.entry(n).or_default() += 1;
        self.count += 1;
        true
    }

    fn max(&self) -> u64 {
        self.data.keys().next_back().copied().unwrap_or(0)
    }

    /// `stats_correct(expected)`: for each value `n` from `2·expected`, the requests that would
    /// have been sent meanwhile, at `n − expected`, `n − 2·expected`… down to above `expected`.
    pub(crate) fn correct(&mut self, expected: i64) {
        if expected <= 0 {
            return;
        }
        let from = (expected * 2) as u64;
        let original: Vec<(u64, u64)> = self.data.range(from..).map(|(n, c)| (*n, *c)).collect();
        for (n, count) in original {
            let mut m = n as i64 - expected;
            while m > expected {
                *self.data.entry(m as u64).or_default() += count;
                self.count += count;
                m -= expected;
            }
        }
    }

    /// `stats_mean`.
    pub(crate) fn mean(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let sum: u64 = self.data.iter().map(|(n, c)| n * c).sum();
        sum as f64 / self.count as f64
    }

    /// `stats_stdev`.
    pub(crate) fn stdev(&self, mean: f64) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        let sum: f64 = self.data.iter().map(|(n, c)| (*n as f64 - mean).powi(2) * *c as f64).sum();
        (sum / (self.count - 1) as f64).sqrt()
    }

    /// `stats_within_stdev`: the share of values within `n` deviations of the mean, in %.
    pub(crate) fn within_stdev(&self, mean: f64, stdev: f64, n: f64) -> f64 {
        let (lower, upper) = (mean - stdev * n, mean + stdev * n);
        let sum: u64 = self.data.iter().filter(|(v, _)| **v as f64 >= lower && **v as f64 <= upper).map(|(_, c)| c).sum();
        sum as f64 / self.count as f64 * 100.0
    }

    /// `stats_percentile`.
    pub(crate) fn percentile(&self, p: f64) -> u64 {
        let rank = ((p / 100.0) * self.count as f64 + 0.5).round() as u64;
        let mut total = 0;
        for (n, c) in &self.data {
            total += c;
            if total >= rank {
                return *n;
            }
        }
        0
    }

    /// `print_stats`' row: name, mean, deviation, max and the share within one deviation.
    pub(crate) fn row(&self, name: &str, fmt: fn(f64) -> String) -> String {
        let mean = self.mean();
        let stdev = self.stdev(mean);
        // With nothing recorded wrk divides 0 by 0: on x86 that is the default NaN, whose sign
        // bit is set, and glibc's printf shows it as `-nan` (`wrk --timeout 0`: every response
        // is a timeout and the latency row reads `-nan%`).
        let within = if self.count == 0 { "-nan".to_owned() } else { format!("{:.2}", self.within_stdev(mean, stdev, 1.0)) };
        format!(
            "    {name:<10}{}{}{}{within:>8}%",
            print_units(mean, fmt, 8),
            print_units(stdev, fmt, 10),
            print_units(self.max() as f64, fmt, 9)
        )
    }
}

/// `print_units`: right-aligned in `width`, with two spaces after a number without a unit, one
/// after a one-letter unit.
pub(crate) fn print_units(n: f64, fmt: fn(f64) -> String, width: usize) -> String {
    let msg = fmt(n);
    let b = msg.as_bytes();
    let mut pad = 2;
    if b.last().is_some_and(u8::is_ascii_alphabetic) {
        pad -= 1;
    }
    if b.len() >= 2 && b[b.len() - 2].is_ascii_alphabetic() {
        pad -= 1;
    }
    let width = width - pad;
    let shown: String = msg.chars().take(width).collect();
    format!("{shown:>width$}{}", &"  "[..pad])
}

/// `format_units`: divide by `scale` while the amount is at least 85 % of it and a larger unit
/// follows.
fn format_units(n: f64, scale: f64, base: &str, units: &[&str], precision: usize) -> String {
    let mut amt = n;
    let mut unit = base;
    let mut i = 0;
    while i + 1 < units.len() && amt >= scale * 0.85 {
        amt /= scale;
        unit = units[i];
        i += 1;
    }
    format!("{amt:.precision$}{unit}")
}

/// `format_time_us`.
pub(crate) fn format_time_us(n: f64) -> String {
    if n >= 1_000_000.0 { format_units(n / 1_000_000.0, 60.0, "s", &["m", "h"], 2) } else { format_units(n, 1000.0, "us", &["ms", "s"], 2) }
}

/// `format_time_s`, for `Running 10s test`.
pub(crate) fn format_time_s(n: f64) -> String {
    format_units(n, 60.0, "s", &["m", "h"], 0)
}

/// `format_metric`.
pub(crate) fn format_metric(n: f64) -> String {
    format_units(n, 1000.0, "", &["k", "M", "G", "T", "P"], 2)
}

/// `format_binary`.
pub(crate) fn format_binary(n: f64) -> String {
    format_units(n, 1024.0, "", &["K", "M", "G", "T", "P"], 2)
}

/// `scan_units`: `sscanf("%lu%2s")`, then the unit (case-insensitive) among the base and the
/// larger ones.
fn scan_units(s: &str, scale: u64, base: &str, units: &[&str]) -> Option<u64> {
    let t = s.trim_start();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    let unit: String = t[digits.len()..].trim_start().chars().take_while(|c| !c.is_whitespace()).take(2).collect();
    if unit.is_empty() || unit.eq_ignore_ascii_case(base) {
        return Some(n);
    }
    let mut mult = 1u64;
    for u in units {
        mult = mult.saturating_mul(scale);
        if unit.eq_ignore_ascii_case(u) {
            return Some(n.saturating_mul(mult));
        }
    }
    None
}

/// `scan_metric`: `1k` is 1000.
pub(crate) fn scan_metric(s: &str) -> Option<u64> {
    scan_units(s, 1000, "", &["k", "M", "G", "T", "P"])
}

/// `scan_time`: seconds; `2m` is 120.
pub(crate) fn scan_time(s: &str) -> Option<u64> {
    scan_units(s, 60, "s", &["m", "h"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_wrk_prints_them() {
        assert_eq!(format_time_us(920.0), "0.92ms");
        assert_eq!(format_time_us(80.0), "80.00us");
        assert_eq!(format_time_us(2_110_000.0), "2.11s");
        assert_eq!(format_metric(25040.0), "25.04k");
        assert_eq!(format_binary(25.19 * 1024.0 * 1024.0), "25.19M");
        assert_eq!(format_time_s(2.0), "2s");
        assert_eq!(format_time_s(120.0), "2m");
        assert_eq!(print_units(920.0, format_time_us, 8), "  0.92ms");
        assert_eq!(print_units(25040.0, format_metric, 8), " 25.04k ");
        assert_eq!(print_units(25.13, format_metric, 10), "   25.13  ");
        assert_eq!(scan_time("2m"), Some(120));
        assert_eq!(scan_metric("1k"), Some(1000));
        assert_eq!(scan_metric("x"), None);
    }

    #[test]
    fn histogram() {
        let mut s = Stats::new(100);
        for v in [10, 20, 30, 40] {
            assert!(s.record(v));
        }
        assert!(!s.record(101));
        assert_eq!(s.mean(), 25.0);
        // rank = round(0.5 · 4 + 0.5) = 3 (C's round: halves away from zero).
        assert_eq!(s.percentile(50.0), 30);
        assert_eq!(s.percentile(99.0), 40);
        s.correct(10);
        // 30 adds 20; 40 adds 30 and 20.
        assert_eq!(s.count, 7);
    }
}
