#[allow(dead_code)]
mod manifests;

fn main() {}
