//! `cargo gateway-image [PROFILE] [TAG]`: builds the gateway image on a machine that cannot
//! pull the `rust` image (defaults: `release`, `switchboard:latest`).

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let profile = args.next().unwrap_or_else(|| "release".to_string());
    let tag = args
        .next()
        .unwrap_or_else(|| "switchboard:latest".to_string());
    match switchboard_testsupport::build_gateway_image(&profile, &tag) {
        Ok(()) => {
            println!("built {tag}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
