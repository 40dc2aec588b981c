//! The simulated wall calendar: log lines, `ping -D`, HTTP `Date` headers and pcap timestamps
//! show simulated time as a date. A run starts at a fixed epoch (from the scenario), never at
//! the machine's clock.
//!
//! The dates servers write on every request (HTTP's `Date` and `Last-Modified`, the access
//! log's time) are formatted once per second and kept, as the servers themselves do: nginx's
//! `ngx_time_update()` (`src/core/ngx_times.c`) formats `ngx_cached_http_time` and
//! `ngx_cached_http_log_time` once when the second changes, and Apache's
//! `ap_recent_rfc822_date()` (`server/util_time.c`) keeps the last `TIME_CACHE_SIZE` (16)
//! seconds' dates in slots indexed by the second. A date is a function of its second alone, so
//! the cache changes no output; it is per thread, like a server process's.

use std::cell::RefCell;
use std::fmt;

use super::SimTime;

/// Default start of every run: Tue, 24 Nov 2026 16:00:00 UTC (the day the specs were observed).
pub(crate) const DEFAULT_EPOCH_UNIX_S: u64 = 1_795_536_000;

/// Maps [`SimTime`] to calendar time (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Calendar {
    epoch_unix_s: u64,
}

/// A broken-down UTC date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    /// Year, e.g. 2026.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
    /// 0–59.
    pub second: u32,
    /// 0–999 999.
    pub micros: u32,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u32,
    /// Seconds since 1970-01-01 UTC: the key of the formatted dates' cache.
    unix_s: u64,
}

/// Slots of the formatted dates' cache (Apache's `TIME_CACHE_SIZE`): a slot is the second
/// modulo this, so the dates of a file's modification time and of now rarely evict each other.
const CACHE_SLOTS: usize = 16;

/// The dates of one second as servers write them.
struct Formatted {
    unix_s: u64,
    http: String,
    log: String,
}

thread_local! {
    /// The formatted dates of recent seconds, by [`CACHE_SLOTS`] slot.
    static RECENT: RefCell<[Option<Formatted>; CACHE_SLOTS]> = const { RefCell::new([const { None }; CACHE_SLOTS]) };
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Default for Calendar {
    fn default() -> Self {
        Calendar::new(DEFAULT_EPOCH_UNIX_S)
    }
}

impl Calendar {
    /// A calendar whose `SimTime::ZERO` is `epoch_unix_s` seconds after 1970-01-01 UTC.
    pub(crate) const fn new(epoch_unix_s: u64) -> Self {
        Calendar { epoch_unix_s }
    }

    /// Unix time of `t`, in microseconds.
    pub(crate) fn unix_micros(&self, t: SimTime) -> u64 {
        self.epoch_unix_s * 1_000_000 + t.as_micros()
    }

    /// The broken-down UTC date of `t`.
    pub(crate) fn date(&self, t: SimTime) -> DateTime {
        let us = self.unix_micros(t);
        let secs = us / 1_000_000;
        let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        DateTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            micros: (us % 1_000_000) as u32,
            weekday: ((days + 4).rem_euclid(7)) as u32,
            unix_s: secs,
        }
    }
}

impl DateTime {
    /// Three-letter English month name.
    pub(crate) fn month_name(&self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    /// Three-letter English weekday name.
    pub(crate) fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday as usize]
    }

    /// RFC 1123 form used by HTTP: `Tue, 24 Nov 2026 16:07:42 GMT` (nginx's
    /// `ngx_cached_http_time`, Apache's `ap_recent_rfc822_date()`).
    pub(crate) fn http_date(&self) -> String {
        self.cached(|f| f.http.clone())
    }

    /// Appends the access logs' form of the date (Common Log Format, `%t` and `$time_local` in
    /// UTC) to `out`: `24/Nov/2026:16:07:42 +0000` (nginx's `ngx_cached_http_log_time`).
    pub(crate) fn push_log_time(&self, out: &mut String) {
        self.cached(|f| out.push_str(&f.log));
    }

    /// `read` of this second's formatted dates, formatting them if no slot holds them.
    fn cached<R>(&self, read: impl FnOnce(&Formatted) -> R) -> R {
        RECENT.with(|recent| {
            let mut recent = recent.borrow_mut();
            let slot = &mut recent[(self.unix_s % CACHE_SLOTS as u64) as usize];
            let fresh = match slot.take() {
                Some(f) if f.unix_s == self.unix_s => f,
                _ => Formatted { unix_s: self.unix_s, http: self.format_http_date(), log: self.format_log_time() },
            };
            read(slot.insert(fresh))
        })
    }

    fn format_http_date(&self) -> String {
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            self.weekday_name(),
            self.day,
            self.month_name(),
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }

    fn format_log_time(&self) -> String {
        format!("{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000", self.day, self.month_name(), self.year, self.hour, self.minute, self.second)
    }

    /// `ctime()` form without the newline, as keepalived's console log prints it:
    /// `Tue Nov 24 16:06:06 2026`.
    pub(crate) fn ctime(&self) -> String {
        format!(
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            self.weekday_name(),
            self.month_name(),
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.year
        )
    }
}

impl fmt::Display for DateTime {
    /// ISO 8601 with milliseconds: `2026-11-24T16:00:03.570Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.micros / 1000
        )
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_time(d: &DateTime) -> String {
        let mut out = String::from("[");
        d.push_log_time(&mut out);
        out
    }

    #[test]
    fn default_epoch_is_the_observation_day() {
        let d = Calendar::default().date(SimTime::from_micros(7 * 60_000_000 + 42_000_000 + 5));
        assert_eq!(d.http_date(), "Tue, 24 Nov 2026 16:07:42 GMT");
        assert_eq!(log_time(&d), "[24/Nov/2026:16:07:42 +0000");
        assert_eq!(d.ctime(), "Tue Nov 24 16:07:42 2026");
        assert_eq!(d.to_string(), "2026-11-24T16:07:42.000Z");
        let leap = Calendar::new(951_782_400).date(SimTime::ZERO); // 2000-02-29
        assert_eq!((leap.year, leap.month, leap.day, leap.weekday_name()), (2000, 2, 29, "Tue"));
    }

    #[test]
    fn cached_dates_follow_the_second_even_when_seconds_share_a_slot() {
        let cal = Calendar::default();
        let at = |s: u64| cal.date(SimTime::from_secs(s));
        assert_eq!(at(1).http_date(), "Tue, 24 Nov 2026 16:00:01 GMT");
        assert_eq!(at(1 + CACHE_SLOTS as u64).http_date(), "Tue, 24 Nov 2026 16:00:17 GMT");
        assert_eq!(log_time(&at(1)), "[24/Nov/2026:16:00:01 +0000");
        assert_eq!(Calendar::new(0).date(SimTime::from_secs(1)).http_date(), "Thu, 01 Jan 1970 00:00:01 GMT");
    }
}
