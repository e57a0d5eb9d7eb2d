#[allow(dead_code, unused_imports)]
mod publish;

fn main() {}
