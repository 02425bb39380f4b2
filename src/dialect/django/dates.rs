//! Django's date format characters (`django.utils.dateformat`) for `{% now %}`, on "now" =
//! `SOURCE_DATE_EPOCH` in UTC, and the `en` locale's named formats (`DATE_FORMAT`…).

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_AP: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A UTC time broken down.
struct Dt {
    epoch: i64,
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Monday.
    weekday: u32,
    yday: u32,
}

fn civil(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Dt {
    fn new(epoch: u64) -> Dt {
        let epoch = epoch as i64;
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400) as u32;
        let (year, month, day) = civil(days);
        let yday = (1..month).map(|m| days_in_month(year, m)).sum::<u32>() + day;
        Dt {
            epoch,
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            weekday: (days + 3).rem_euclid(7) as u32,
            yday,
        }
    }

    /// ISO year and week (the week's Thursday decides the year).
    fn iso_week(&self) -> (i64, u32) {
        let len = |y: i64| if is_leap(y) { 366 } else { 365 };
        let mut year = self.year;
        let mut thursday = i64::from(self.yday) - (i64::from(self.weekday) + 1) + 4;
        if thursday < 1 {
            year -= 1;
            thursday += len(year);
        } else if thursday > len(year) {
            thursday -= len(year);
            year += 1;
        }
        (year, ((thursday - 1) / 7 + 1) as u32)
    }

    fn f(&self) -> String {
        let h = if self.hour.is_multiple_of(12) {
            12
        } else {
            self.hour % 12
        };
        if self.minute == 0 {
            h.to_string()
        } else {
            format!("{h}:{:02}", self.minute)
        }
    }

    fn a(&self) -> &'static str {
        if self.hour > 11 { "p.m." } else { "a.m." }
    }

    fn char(&self, c: char, out: &mut String) {
        use std::fmt::Write;
        let _ = match c {
            'a' => write!(out, "{}", self.a()),
            'A' => write!(out, "{}", if self.hour > 11 { "PM" } else { "AM" }),
            'b' => write!(
                out,
                "{}",
                MONTHS[self.month as usize - 1][..3].to_lowercase()
            ),
            'c' => write!(
                out,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
                self.year, self.month, self.day, self.hour, self.minute, self.second
            ),
            'd' => write!(out, "{:02}", self.day),
            'D' => write!(out, "{}", &DAYS[self.weekday as usize][..3]),
            'e' | 'T' => write!(out, "UTC"),
            'E' | 'F' => write!(out, "{}", MONTHS[self.month as usize - 1]),
            'f' => write!(out, "{}", self.f()),
            'g' => write!(
                out,
                "{}",
                if self.hour.is_multiple_of(12) {
                    12
                } else {
                    self.hour % 12
                }
            ),
            'G' => write!(out, "{}", self.hour),
            'h' => write!(
                out,
                "{:02}",
                if self.hour.is_multiple_of(12) {
                    12
                } else {
                    self.hour % 12
                }
            ),
            'H' => write!(out, "{:02}", self.hour),
            'i' => write!(out, "{:02}", self.minute),
            'j' => write!(out, "{}", self.day),
            'l' => write!(out, "{}", DAYS[self.weekday as usize]),
            'L' => write!(out, "{}", if is_leap(self.year) { "True" } else { "False" }),
            'm' => write!(out, "{:02}", self.month),
            'M' => write!(out, "{}", &MONTHS[self.month as usize - 1][..3]),
            'n' => write!(out, "{}", self.month),
            'N' => write!(out, "{}", MONTHS_AP[self.month as usize - 1]),
            'o' => write!(out, "{}", self.iso_week().0),
            'O' => write!(out, "+0000"),
            'P' => {
                if self.minute == 0 && self.hour == 0 {
                    write!(out, "midnight")
                } else if self.minute == 0 && self.hour == 12 {
                    write!(out, "noon")
                } else {
                    write!(out, "{} {}", self.f(), self.a())
                }
            }
            'r' => write!(
                out,
                "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
                &DAYS[self.weekday as usize][..3],
                self.day,
                &MONTHS[self.month as usize - 1][..3],
                self.year,
                self.hour,
                self.minute,
                self.second
            ),
            's' => write!(out, "{:02}", self.second),
            'S' => write!(
                out,
                "{}",
                match self.day {
                    11..=13 => "th",
                    d if d % 10 == 1 => "st",
                    d if d % 10 == 2 => "nd",
                    d if d % 10 == 3 => "rd",
                    _ => "th",
                }
            ),
            't' => write!(out, "{:02}", days_in_month(self.year, self.month)),
            'u' => write!(out, "000000"),
            'U' => write!(out, "{}", self.epoch),
            'w' => write!(out, "{}", (self.weekday + 1) % 7),
            'W' => write!(out, "{}", self.iso_week().1),
            'y' => write!(out, "{:02}", self.year.rem_euclid(100)),
            'Y' => write!(out, "{:04}", self.year),
            'z' => write!(out, "{}", self.yday),
            'I' | 'Z' => write!(out, "0"),
            c => write!(out, "{c}"),
        };
    }
}

/// The `en` locale's named formats.
fn named(format: &str) -> &str {
    match format {
        "" | "DATE_FORMAT" => "N j, Y",
        "DATETIME_FORMAT" => "N j, Y, P",
        "TIME_FORMAT" => "P",
        "YEAR_MONTH_FORMAT" => "F Y",
        "MONTH_DAY_FORMAT" => "F j",
        "SHORT_DATE_FORMAT" => "m/d/Y",
        "SHORT_DATETIME_FORMAT" => "m/d/Y P",
        other => other,
    }
}

/// `epoch` formatted with Django's format characters (or a named format).
pub fn format(epoch: u64, format: &str) -> String {
    let dt = Dt::new(epoch);
    let mut out = String::new();
    let mut chars = named(format).chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
            continue;
        }
        dt.char(c, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_django() {
        assert_eq!(
            format(946_684_800, "Y-m-d H:i:s D l N jS"),
            "2000-01-01 00:00:00 Sat Saturday Jan. 1st"
        );
        assert_eq!(format(946_684_800, "DATE_FORMAT"), "Jan. 1, 2000");
        assert_eq!(format(946_684_800, "P"), "midnight");
        assert_eq!(
            format(946_684_800 + 13 * 3600 + 30 * 60, "P \\Y"),
            "1:30 p.m. Y"
        );
        assert_eq!(format(946_684_800, "o W"), "1999 52");
        assert_eq!(format(946_684_800, "r"), "Sat, 01 Jan 2000 00:00:00 +0000");
    }
}
