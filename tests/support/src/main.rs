//! `cargo fixtures`: builds the fixture server image so the gateway can be tried by hand with
//! `switchboard run --catalog tests/fixtures/catalog.yaml`.

fn main() -> std::process::ExitCode {
    match switchboard_testsupport::ensure_fixture_image() {
        Ok(tag) => {
            println!(
                "built {tag} (also tagged {})",
                switchboard_testsupport::FIXTURE_IMAGE
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
