//! The `downpage` binary: calls [`downpage::run`], prints its result or the error chain once.

use std::process::ExitCode;

use downpage::Outcome;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match downpage::run(&args, std::env::vars_os()) {
        Ok(Outcome::Print(text)) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Log(text)) => {
            eprintln!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("downpage: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
