//! Log lines, the last step of every run (printed by `main`, or by watch mode as it goes):
//! a `downpage: ...` line of text, or with
//! `DOWNPAGE_LOG_FORMAT=json` one JSON object per line with the same message and its numbers
//! as fields (`ts`, `level`, `event`, `msg`, then the event's own fields).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::config::LogFormat;

/// One thing worth telling the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `info`, `warn` or `error`.
    pub level: &'static str,
    /// What happened, for filters: `render`, `check`, `watch`, `stop`, `error`.
    pub event: &'static str,
    /// The sentence a person reads (without the `downpage: ` prefix).
    pub msg: String,
    /// Numbers and names behind the sentence, in insertion order.
    pub fields: Map<String, Value>,
}

impl Line {
    pub fn info(event: &'static str, msg: impl Into<String>) -> Line {
        Line {
            level: "info",
            event,
            msg: msg.into(),
            fields: Map::new(),
        }
    }

    /// An error; `msg` is the whole cause chain on one line.
    pub fn error(event: &'static str, msg: impl Into<String>) -> Line {
        Line {
            level: "error",
            ..Line::info(event, msg)
        }
    }

    /// Adds a field (JSON only; the text line says it in words).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Line {
        self.fields.insert(key.to_string(), value.into());
        self
    }

    /// The line as written, without a newline.
    pub fn format(&self, format: LogFormat) -> String {
        match format {
            LogFormat::Text if self.level == "error" => format!("downpage: error: {}", self.msg),
            LogFormat::Text if self.level == "warn" => format!("downpage: warning: {}", self.msg),
            LogFormat::Text => format!("downpage: {}", self.msg),
            LogFormat::Json => {
                let ts = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| (d.as_millis() as f64) / 1000.0);
                let mut obj = Map::new();
                obj.insert("ts".into(), Value::from(ts));
                obj.insert("level".into(), Value::from(self.level));
                obj.insert("event".into(), Value::from(self.event));
                obj.insert("msg".into(), Value::from(self.msg.as_str()));
                for (k, v) in &self.fields {
                    obj.entry(k.clone()).or_insert_with(|| v.clone());
                }
                Value::Object(obj).to_string()
            }
        }
    }
}

/// Writes a line to stderr at once (watch mode logs as it goes; stdout may carry data).
pub fn emit(line: &Line, format: LogFormat) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", line.format(format));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_the_classic_prefix() {
        let l = Line::info("render", "wrote 4 pages").with("pages", 4);
        assert_eq!(l.format(LogFormat::Text), "downpage: wrote 4 pages");
        let e = Line::error("error", "DOWNPAGE_X is bad");
        assert_eq!(
            e.format(LogFormat::Text),
            "downpage: error: DOWNPAGE_X is bad"
        );
    }

    #[test]
    fn json_is_one_object_on_one_line() {
        let l = Line::error("error", "a \"quoted\"\nthing").with("pages", 4);
        let text = l.format(LogFormat::Json);
        assert!(!text.contains('\n'), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["level"], "error");
        assert_eq!(v["event"], "error");
        assert_eq!(v["msg"], "a \"quoted\"\nthing");
        assert_eq!(v["pages"], 4);
        assert!(v["ts"].as_f64().unwrap() > 1.0e9);
    }
}
