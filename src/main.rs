//! The `downpage` binary: calls [`downpage::run`], prints its result or the error chain once.

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
        Ok(Outcome::Print(text)) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Log(text)) => {
            eprintln!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "{}",
                Line::error("error", format!("{err:#}")).format(format)
            );
            ExitCode::FAILURE
        }
    }
}
