//! The `switchboard` binary: parse the command line, log to stderr, run, map errors to exit codes.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = switchboard::cli::Args::parse();
    switchboard::cli::init_logging(&args);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(switchboard::cli::run(args));
    // A blocking read of stdin may still be pending; waiting for it would never end.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::from(switchboard::cli::exit_code(&error))
        }
    }
}
