//! The `downpage` binary: calls [`downpage::run`], prints its result or the error chain once.

use std::io::Write;
use std::process::ExitCode;

use downpage::Outcome;
use downpage::config::LogFormat;
use downpage::log::Line;

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
        Ok(Outcome::Log(text)) => {
            // The work is done: a log line nobody can read does not make it fail.
            let _ = writeln!(std::io::stderr(), "{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            let line = Line::error("error", format!("{err:#}")).format(format);
            let _ = writeln!(std::io::stderr(), "{line}");
            ExitCode::FAILURE
        }
    }
}
