//! The `downpage` binary: calls [`downpage::run`], prints its result or the error chain once.

use std::io::Write;
use std::process::ExitCode;

use downpage::{Line, LogFormat, Outcome};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env: Vec<_> = std::env::vars_os().collect();
    let format = LogFormat::from_os_vars(&env);
    match downpage::run(&args, env) {
        // Never println!/eprintln!: they panic (and so abort) on a closed pipe or a full disk.
        Ok(Outcome::Print(text)) => match writeln!(std::io::stdout().lock(), "{text}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let err = format!("writing to standard output: {e}");
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    Line::error("error", err).format(format)
                );
                ExitCode::FAILURE
            }
        },
        Ok(Outcome::Log(lines)) => {
            // The work is done: a log line nobody can read does not make it fail.
            let mut err = std::io::stderr().lock();
            for line in lines {
                let _ = writeln!(err, "{line}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            let line = Line::error("error", format!("{err:#}")).format(format);
            let _ = writeln!(std::io::stderr(), "{line}");
            ExitCode::FAILURE
        }
    }
}
