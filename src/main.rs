//! The `mark-lint` binary: parse arguments, run, map the outcome to an exit code.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The isolated PDF reader (see `extract::pdf`): not a user command.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == mark_lint::extract::pdf::WORKER_COMMAND)
    {
        return ExitCode::from(mark_lint::extract::pdf::worker_main() as u8);
    }
    let cli = mark_lint::cli::Cli::parse();
    // The language server writes stdout from its own thread: not through a lock held here.
    if matches!(cli.command, Some(mark_lint::cli::Command::Server)) {
        return match mark_lint::run_server() {
            Ok(code) => ExitCode::from(code as u8),
            Err(_) => ExitCode::from(mark_lint::EXIT_FAILURE as u8),
        };
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = mark_lint::run(cli, &mut out)
        .and_then(|code| out.flush().map(|_| code).map_err(Into::into));
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // A closed pipe (`mark-lint | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Names and document text in a message must not end the line or reach the
            // terminal as controls (the lines of a multi-line message are kept).
            let causes: Vec<String> = e
                .chain()
                .map(|c| mark_lint::report::escape_keeping(&c.to_string(), &['\n']).into_owned())
                .collect();
            // Not `eprintln!`: it panics when stderr is closed, and the exit code must stay 2.
            let _ = writeln!(std::io::stderr(), "mark-lint: error: {}", causes.join(": "));
            ExitCode::from(mark_lint::EXIT_FAILURE as u8)
        }
    }
}
