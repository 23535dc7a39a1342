//! The `rate = "10/s, burst 20"` grammar.

use std::fmt;

/// A token bucket: `burst` tokens at most, refilled at `per_second` tokens a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added back each second.
    pub per_second: f64,
    /// The bucket's capacity: how many events may arrive at once.
    pub burst: u32,
}

/// Why a rate string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateError(String);

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; write a rate as \"N/s\", \"N/min\" or \"N/h\", optionally followed by \", burst M\" (for example \"10/s, burst 20\")",
            self.0
        )
    }
}

impl std::error::Error for RateError {}

impl Rate {
    /// Parses `"N/s"`, `"N/min"` (or `/m`), `"N/h"`, each optionally followed
    /// by `", burst M"`. Without a burst, the bucket holds `N` tokens.
    pub fn parse(text: &str) -> Result<Rate, RateError> {
        let (amount, burst) = match text.split_once(',') {
            Some((amount, burst)) => (amount.trim(), Some(burst.trim())),
            None => (text.trim(), None),
        };
        let (count, unit) = amount
            .split_once('/')
            .ok_or_else(|| RateError(format!("`{text}` has no `/unit`")))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| RateError(format!("`{}` is not a whole number", count.trim())))?;
        if count == 0 {
            return Err(RateError("a rate must allow at least 1 event".into()));
        }
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            other => return Err(RateError(format!("unknown unit `{other}`"))),
        };
        let burst = match burst {
            None => count,
            Some(burst) => {
                let value = burst
                    .strip_prefix("burst")
                    .ok_or_else(|| RateError(format!("expected `burst M`, found `{burst}`")))?
                    .trim();
                let value: u32 = value
                    .parse()
                    .map_err(|_| RateError(format!("`{value}` is not a whole number")))?;
                if value == 0 {
                    return Err(RateError("a burst must be at least 1".into()));
                }
                value
            }
        };
        Ok(Rate {
            per_second: f64::from(count) / seconds,
            burst,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_forms() {
        assert_eq!(
            Rate::parse("10/s, burst 20"),
            Ok(Rate {
                per_second: 10.0,
                burst: 20
            })
        );
        assert_eq!(
            Rate::parse("5/s"),
            Ok(Rate {
                per_second: 5.0,
                burst: 5
            })
        );
        assert_eq!(Rate::parse("120/min").map(|r| r.per_second), Ok(2.0));
        assert_eq!(Rate::parse(" 36/h ,burst 2").map(|r| r.burst), Ok(2));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "",
            "10",
            "0/s",
            "10/day",
            "x/s",
            "10/s, 20",
            "10/s, burst 0",
            "-1/s",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
