//! Times with units (`"10s"`, `"250ms"`, `"1m30s"`, `"50us"`, `"3.570s"`) and the epoch date.
//!
//! A duration is one or more `<number><unit>` parts with units in decreasing order, each unit at
//! most once: `h`, `m`, `s`, `ms`, `us` (`µs` is accepted too). Numbers may have a decimal
//! fraction (`"3.570s"`, `"1.5m"`); the total must be a whole number of microseconds, the
//! simulator's resolution. No sign, no spaces, no bare numbers.

use std::time::Duration;

use thiserror::Error;

/// Why a duration text was refused. The message completes `bad duration "TEXT": …`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DurationError {
    /// The text is empty.
    #[error("empty; write a number with a unit, like \"10s\"")]
    Empty,
    /// A number is not followed by a unit.
    #[error("missing unit after {0:?} (use h, m, s, ms or us)")]
    MissingUnit(String),
    /// A unit that is not one of h, m, s, ms, us.
    #[error("unknown unit {0:?} (use h, m, s, ms or us)")]
    UnknownUnit(String),
    /// A character where a number was expected.
    #[error("expected a number at {0:?}")]
    ExpectedNumber(String),
    /// Units out of order or repeated (`"30s1m"`, `"1s1s"`).
    #[error("units must go from largest to smallest, each at most once")]
    UnitOrder,
    /// The total is not a whole number of microseconds.
    #[error("finer than the simulator's resolution of 1us")]
    TooFine,
    /// Larger than the simulator can count.
    #[error("too large")]
    TooLarge,
}

/// Units, largest first, with their length in microseconds.
const UNITS: [(&str, u128); 6] = [("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1), ("µs", 1)];

/// Parses a duration with units, e.g. `"1m30s"` or `"3.570s"`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut rest = text;
    let mut total: u128 = 0;
    // Index into UNITS of the last unit seen; the next must be strictly smaller.
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.matches('.').count() > 1 {
            return Err(DurationError::ExpectedNumber(rest.to_string()));
        }
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(number.to_string()));
        }
        rest = &rest[unit_len..];
        let Some(rank) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(DurationError::UnknownUnit(unit.to_string()));
        };
        // `us` and `µs` share a rank.
        let rank = rank.min(4);
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(DurationError::UnitOrder);
        }
        last_rank = Some(rank);
        total = total.checked_add(part_micros(number, UNITS[rank].1)?).ok_or(DurationError::TooLarge)?;
    }
    let micros = u64::try_from(total).map_err(|_| DurationError::TooLarge)?;
    Ok(Duration::from_micros(micros))
}

/// `number` (digits, maybe one decimal point) times `unit_us`, exactly, in microseconds.
fn part_micros(number: &str, unit_us: u128) -> Result<u128, DurationError> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    // Enough digits to overflow u64 microseconds are refused before any arithmetic can overflow.
    if whole.len() > 20 || frac.len() > 20 {
        return Err(if whole.len() > 20 { DurationError::TooLarge } else { DurationError::TooFine });
    }
    let digits = |s: &str| -> Result<u128, DurationError> {
        if s.is_empty() {
            return Ok(0);
        }
        s.parse::<u128>().map_err(|_| DurationError::ExpectedNumber(number.to_string()))
    };
    let whole_us = digits(whole)?.checked_mul(unit_us).ok_or(DurationError::TooLarge)?;
    let scale = 10u128.pow(u32::try_from(frac.len()).map_err(|_| DurationError::TooFine)?);
    let frac_scaled = digits(frac)?.checked_mul(unit_us).ok_or(DurationError::TooLarge)?;
    if frac_scaled % scale != 0 {
        return Err(DurationError::TooFine);
    }
    whole_us.checked_add(frac_scaled / scale).ok_or(DurationError::TooLarge)
}

/// Writes a duration the way a scenario would: `"40s"`, `"1m30s"`, `"3.57s"`, `"250ms"`, `"50us"`.
///
/// `parse_duration(&format_duration(d)) == Ok(d)` for every whole-microsecond `d`.
#[cfg(test)]
pub(super) fn format_duration(d: Duration) -> String {
    let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    if us == 0 {
        return "0s".to_string();
    }
    if us < 1_000_000 {
        return if us % 1_000 == 0 { format!("{}ms", us / 1_000) } else { format!("{us}us") };
    }
    let (h, m, s, frac) = (us / 3_600_000_000, us / 60_000_000 % 60, us / 1_000_000 % 60, us % 1_000_000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || frac > 0 {
        if frac == 0 {
            out.push_str(&format!("{s}s"));
        } else {
            let decimals = format!("{frac:06}");
            out.push_str(&format!("{s}.{}s", decimals.trim_end_matches('0')));
        }
    }
    out
}

/// Parses a UTC date `YYYY-MM-DDTHH:MM:SSZ` (from 1970 on) into seconds since the Unix epoch.
pub(super) fn parse_epoch(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u64> {
        let s = text.get(from..to)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if year < 1970 || !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day == 0 || day > month_days[usize::try_from(month - 1).ok()?] {
        return None;
    }
    let days_before_year: u64 = (1970..year).map(|y| if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) { 366 } else { 365 }).sum();
    let days_before_month: u64 = month_days.iter().take(usize::try_from(month - 1).ok()?).sum();
    let days = days_before_year + days_before_month + day - 1;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(text: &str) -> Result<u128, DurationError> {
        parse_duration(text).map(|d| d.as_micros())
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(us("10s"), Ok(10_000_000));
        assert_eq!(us("250ms"), Ok(250_000));
        assert_eq!(us("1m30s"), Ok(90_000_000));
        assert_eq!(us("50us"), Ok(50));
        assert_eq!(us("50µs"), Ok(50));
        assert_eq!(us("3.570s"), Ok(3_570_000));
        assert_eq!(us("1.5m"), Ok(90_000_000));
        assert_eq!(us("1h2m3s4ms5us"), Ok(3_723_004_005));
        assert_eq!(us("0.000001s"), Ok(1));
        assert_eq!(us("0s"), Ok(0));
    }

    #[test]
    fn refuses_malformed_and_too_fine() {
        assert_eq!(us(""), Err(DurationError::Empty));
        assert_eq!(us("10"), Err(DurationError::MissingUnit("10".into())));
        assert_eq!(us("10x"), Err(DurationError::UnknownUnit("x".into())));
        assert_eq!(us("10 s"), Err(DurationError::UnknownUnit(" s".into())));
        assert_eq!(us("-1s"), Err(DurationError::ExpectedNumber("-1s".into())));
        assert_eq!(us("s"), Err(DurationError::ExpectedNumber("s".into())));
        assert_eq!(us(".5s"), Err(DurationError::ExpectedNumber(".5s".into())));
        assert_eq!(us("1.2.3s"), Err(DurationError::ExpectedNumber("1.2.3s".into())));
        assert_eq!(us("30s1m"), Err(DurationError::UnitOrder));
        assert_eq!(us("1s1s"), Err(DurationError::UnitOrder));
        assert_eq!(us("1us1µs"), Err(DurationError::UnitOrder));
        assert_eq!(us("0.5us"), Err(DurationError::TooFine));
        assert_eq!(us("1.0000001s"), Err(DurationError::TooFine));
        assert_eq!(us("99999999999999999999999h"), Err(DurationError::TooLarge));
        assert_eq!(us("9999999999999h"), Err(DurationError::TooLarge));
    }

    #[test]
    fn formats_round_trip() {
        for text in ["40s", "1m30s", "3.57s", "250ms", "50us", "1h", "2h0m1s"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{text}");
        }
        assert_eq!(format_duration(Duration::from_millis(90_000)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(3_570)), "3.57s");
        assert_eq!(format_duration(Duration::from_micros(50)), "50us");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }

    #[test]
    fn epoch_dates() {
        assert_eq!(parse_epoch("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_epoch("2026-11-24T16:00:00Z"), Some(super::super::DEFAULT_EPOCH_UNIX_S));
        assert_eq!(parse_epoch("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(parse_epoch("2026-02-29T00:00:00Z"), None);
        assert_eq!(parse_epoch("2026-11-24 16:00:00Z"), None);
        assert_eq!(parse_epoch("2026-11-24T16:00:00"), None);
        assert_eq!(parse_epoch("1969-12-31T23:59:59Z"), None);
    }
}
