fn main() -> std::process::ExitCode {
    sakr::run()
}
